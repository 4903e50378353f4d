package lambdarunner

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Dummy credentials given to every function unless Options.Credentials are
// set. Real ones never leave the host process.
const (
	dummyAccessKeyID     = "AKIAFIREHOSELOCAL000"
	dummySecretAccessKey = "firehose-local-dummy-secret-access-key"
	dummySessionToken    = "firehose-local-dummy-session-token"
)

// reservedEnv are the variables Lambda sets itself and does not let a
// function's configuration override (AWS docs, "Defined runtime environment
// variables"), plus the ones that would switch runtime clients into modes the
// emulator does not offer.
var reservedEnv = map[string]bool{
	"_HANDLER":                        true,
	"_X_AMZN_TRACE_ID":                true,
	"AWS_DEFAULT_REGION":              true,
	"AWS_REGION":                      true,
	"AWS_EXECUTION_ENV":               true,
	"AWS_LAMBDA_FUNCTION_NAME":        true,
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION":     true,
	"AWS_LAMBDA_INITIALIZATION_TYPE":  true,
	"AWS_LAMBDA_LOG_GROUP_NAME":       true,
	"AWS_LAMBDA_LOG_STREAM_NAME":      true,
	"AWS_ACCESS_KEY":                  true,
	"AWS_ACCESS_KEY_ID":               true,
	"AWS_SECRET_ACCESS_KEY":           true,
	"AWS_SESSION_TOKEN":               true,
	"AWS_LAMBDA_RUNTIME_API":          true,
	"LAMBDA_TASK_ROOT":                true,
	"LAMBDA_RUNTIME_DIR":              true,
	"TZ":                              true,
	// aws-lambda-go would serve net/rpc instead of the Runtime API
	// (_LAMBDA_SERVER_PORT wins over AWS_LAMBDA_RUNTIME_API); runtime clients
	// would poll concurrently or write framed logs to a descriptor.
	"AWS_LAMBDA_MAX_CONCURRENCY": true,
	"_LAMBDA_SERVER_PORT":        true,
	"_LAMBDA_TELEMETRY_LOG_FD":   true,
}

// allowedUnderscoreEnv are the only customer variables starting with "_"
// that Lambda passes on.
var allowedUnderscoreEnv = map[string]bool{
	"_AWS_XRAY_DAEMON_ADDRESS": true,
	"_AWS_XRAY_DAEMON_PORT":    true,
}

// customerEnvAllowed reports whether a function's configured variable k is
// passed to the process.
func customerEnvAllowed(k string) bool {
	if k == "" || strings.ContainsAny(k, "=\x00") || reservedEnv[k] {
		return false
	}
	if strings.HasPrefix(k, "_") {
		return allowedUnderscoreEnv[k]
	}
	return true
}

// envParams is what buildEnv needs besides the function.
type envParams struct {
	apiAddr    string // host:port of the Runtime API
	codeDir    string // absolute LAMBDA_TASK_ROOT
	runtimeDir string // LAMBDA_RUNTIME_DIR
	logStream  string
	pathDirs   []string // host interpreter directories for PATH
	creds      Credentials
}

// buildEnv returns the complete environment of a function process. It is
// built from scratch: nothing of the emulator's own environment is
// inherited. Precedence, lowest first: unreserved defaults (PATH, LANG),
// the function's variables, then everything Lambda reserves.
func buildEnv(fn *Function, p envParams) []string {
	env := map[string]string{
		"PATH": strings.Join(dedupe(append(slices.Clone(p.pathDirs),
			"/usr/local/bin", "/usr/bin", "/bin")), ":"),
		"LANG": "en_US.UTF-8",
	}
	for k, v := range fn.Env {
		if customerEnvAllowed(k) && !strings.ContainsRune(v, 0) {
			env[k] = v
		}
	}
	reserved := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          p.apiAddr,
		"_HANDLER":                        fn.Handler,
		"LAMBDA_TASK_ROOT":                p.codeDir,
		"LAMBDA_RUNTIME_DIR":              p.runtimeDir,
		"AWS_LAMBDA_FUNCTION_NAME":        fn.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     fn.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       fn.LogGroupName(),
		"AWS_LAMBDA_LOG_STREAM_NAME":      p.logStream,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      fn.Region,
		"AWS_DEFAULT_REGION":              fn.Region,
		"AWS_ACCESS_KEY_ID":               p.creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           p.creds.SecretAccessKey,
		"AWS_SESSION_TOKEN":               p.creds.SessionToken,
		"TZ":                              ":UTC",
	}
	if runtimes[fn.Runtime] != familyProvided {
		// Managed runtimes only; OS-only runtimes do not set it.
		reserved["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + fn.Runtime
	}
	if p.creds.SessionToken == "" {
		delete(reserved, "AWS_SESSION_TOKEN")
	}
	for k, v := range reserved {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// newLogStreamName returns a log stream name in Lambda's format,
// YYYY/MM/DD/[VERSION]<32 lowercase hex>, dated now in UTC.
func newLogStreamName(version string, now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("2006/01/02") + "/[" + version + "]" + hex.EncodeToString(b[:])
}

// dedupe removes repeated strings, keeping the first occurrence.
func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
