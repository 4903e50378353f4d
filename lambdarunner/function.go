package lambdarunner

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Defaults applied to the zero fields of a Function.
const (
	DefaultTimeout  = 3 * time.Second
	DefaultMemoryMB = 128
	DefaultVersion  = "$LATEST"
	DefaultRegion   = "us-east-1"
	DefaultAccount  = "000000000000"
)

// Function is the configuration of one Lambda function.
type Function struct {
	// Name is the function name; it keys the pool of warm processes.
	Name string
	// Runtime is one of the identifiers SupportedRuntime accepts.
	Runtime string
	// Handler is the handler string ("app.handler", "index.handler"); it is
	// passed to the process as _HANDLER and ignored by provided runtimes.
	Handler string
	// CodeDir is the unpacked code root (LAMBDA_TASK_ROOT and the process's
	// working directory). It is read afresh at every cold start.
	CodeDir string
	// Timeout bounds every invocation. Default 3s.
	Timeout time.Duration
	// MemoryMB is reported to the function and in REPORT lines; it is not
	// enforced. Default 128.
	MemoryMB int
	// Env holds the function's Environment.Variables. Reserved names
	// (AWS_REGION, _HANDLER, ...) are ignored, as Lambda does not let
	// customers override them.
	Env map[string]string
	// Region and Account build the function ARN. Defaults us-east-1 and
	// 000000000000.
	Region, Account string
	// Version is the executed version. Default "$LATEST".
	Version string
}

// withDefaults returns a copy of f with defaults applied and its own Env map.
func (f Function) withDefaults() Function {
	if f.Timeout <= 0 {
		f.Timeout = DefaultTimeout
	}
	if f.MemoryMB <= 0 {
		f.MemoryMB = DefaultMemoryMB
	}
	if f.Version == "" {
		f.Version = DefaultVersion
	}
	if f.Region == "" {
		f.Region = DefaultRegion
	}
	if f.Account == "" {
		f.Account = DefaultAccount
	}
	f.Env = maps.Clone(f.Env)
	return f
}

// ARN returns the unqualified function ARN,
// arn:aws:lambda:REGION:ACCOUNT:function:NAME.
func (f *Function) ARN() string {
	region, account := f.Region, f.Account
	if region == "" {
		region = DefaultRegion
	}
	if account == "" {
		account = DefaultAccount
	}
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, f.Name)
}

// LogGroupName returns the CloudWatch log group of the function,
// /aws/lambda/NAME.
func (f *Function) LogGroupName() string { return "/aws/lambda/" + f.Name }

// fingerprint identifies a configuration: processes started under a
// different fingerprint are stale and get replaced.
func (f *Function) fingerprint() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q %q %q %q %d %d %q %q %q", f.Name, f.Runtime, f.Handler, f.CodeDir,
		f.Timeout, f.MemoryMB, f.Region, f.Account, f.Version)
	for _, k := range slices.Sorted(maps.Keys(f.Env)) {
		fmt.Fprintf(&b, " %q=%q", k, f.Env[k])
	}
	return b.String()
}
