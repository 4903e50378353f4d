package lambdaapi

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/lambdarunner"
)

// localSource is the directory a function registered with RegisterLocal runs
// from. Its code is not copied: before each invocation the directory is
// scanned, and a change resets the warm processes so that the next
// invocation cold-starts on the edited code.
type localSource struct {
	name string
	dir  string // absolute

	mu   sync.Mutex
	scan dirScan
}

// dirScan summarises a directory tree cheaply: names, sizes and modification
// times, not contents.
type dirScan struct {
	sum   [sha256.Size]byte
	files int
	size  int64
}

// skipInScan are generated entries a running function (or a VCS) changes by
// itself; counting them would reset warm processes for nothing.
func skipInScan(d fs.DirEntry) bool {
	switch d.Name() {
	case "__pycache__", ".git", ".hg", ".svn":
		return d.IsDir()
	}
	return !d.IsDir() && strings.HasSuffix(d.Name(), ".pyc")
}

// scanDir walks dir and fingerprints every entry's path, type, size and
// modification time (directories too: adding, removing or renaming a file
// changes its directory's time).
func scanDir(dir string) (dirScan, error) {
	h := sha256.New()
	var sc dirScan
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			fmt.Fprintf(h, "%s\x00error\x00", p)
			return nil
		}
		if p != dir && skipInScan(d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // vanished meanwhile
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\x00%v\x00%d\x00%d\x00", rel, info.Mode(), info.Size(), info.ModTime().UnixNano())
		if info.Mode().IsRegular() {
			sc.files++
			sc.size += info.Size()
		}
		return nil
	})
	if err != nil {
		return dirScan{}, err
	}
	copy(sc.sum[:], h.Sum(nil))
	return sc, nil
}

// refresh rescans the directory and resets the function's warm processes if
// anything changed since the last scan.
func (l *localSource) refresh(runner *lambdarunner.Runner, arn string, log *slog.Logger) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sc, err := scanDir(l.dir)
	if err != nil {
		log.Warn("scanning local function directory", "function", l.name, "dir", l.dir, "err", err)
		return
	}
	if sc.sum == l.scan.sum {
		return
	}
	l.scan = sc
	log.Info("local function code changed; restarting it", "function", l.name, "dir", l.dir)
	runner.Reset(arn)
}

var functionNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`) })

// RegisterLocal registers a function that runs straight from a directory on
// disk (the --function NAME=DIR:RUNTIME:HANDLER shortcut). The code is not
// copied: an edited file takes effect on the next invocation. timeout 0
// means 3s; it is rounded up to whole seconds. A function of the same name in
// the region is replaced (a saved one is deleted). Local functions are not
// saved; UpdateFunctionCode refuses them.
func (s *Service) RegisterLocal(region, name, dir, runtime, handler string, timeout time.Duration, env map[string]string) error {
	if region == "" {
		region = s.cfg.DefaultRegion
	}
	if !validRegion(region) {
		return fmt.Errorf("lambdaapi: invalid region %q", region)
	}
	if !functionNameRE().MatchString(name) {
		return fmt.Errorf("lambdaapi: invalid function name %q: use 1 to 64 letters, digits, '-' or '_'", name)
	}
	if err := s.apiModel().checkRuntime(runtime); err != nil {
		return fmt.Errorf("lambdaapi: function %s: %s", name, errMessageOf(err))
	}
	if handler == "" {
		if !providedRuntime(runtime) {
			return fmt.Errorf("lambdaapi: function %s: a handler is required for runtime %s", name, runtime)
		}
		handler = "bootstrap"
	}
	if strings.ContainsAny(handler, " \t\r\n") || len(handler) > 128 {
		return fmt.Errorf("lambdaapi: function %s: invalid handler %q", name, handler)
	}
	if timeout == 0 {
		timeout = defaultTimeoutSeconds * time.Second
	}
	secs := int(math.Ceil(timeout.Seconds()))
	if timeout < 0 || secs > maxTimeoutSeconds {
		return fmt.Errorf("lambdaapi: function %s: timeout %s is outside 1s to %ds", name, timeout, maxTimeoutSeconds)
	}
	for k := range env {
		if !envNameRE().MatchString(k) {
			return fmt.Errorf("lambdaapi: function %s: invalid environment variable name %q", name, k)
		}
	}
	if err := checkEnv(env, nil); err != nil {
		return fmt.Errorf("lambdaapi: function %s: %s", name, errMessageOf(err))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("lambdaapi: function %s: %w", name, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("lambdaapi: function %s: %w", name, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("lambdaapi: function %s: %s is not a directory", name, abs)
	}
	sc, err := scanDir(abs)
	if err != nil {
		return fmt.Errorf("lambdaapi: function %s: scanning %s: %w", name, abs, err)
	}
	st := functionState{
		Region:           region,
		Name:             name,
		Runtime:          runtime,
		Role:             fmt.Sprintf("arn:aws:iam::%s:role/firehose-local", s.cfg.Account),
		Handler:          handler,
		Description:      "Served by firehose-local from " + abs,
		Timeout:          secs,
		MemorySize:       defaultMemorySizeMB,
		Architectures:    []string{"x86_64"},
		EphemeralStorage: defaultEphemeralStorageMB,
		CodeSize:         sc.size,
		CodeSha256:       base64.StdEncoding.EncodeToString(sc.sum[:]),
	}
	if len(env) > 0 {
		st.Env = make(map[string]string, len(env))
		for k, v := range env {
			st.Env[k] = v
		}
	}
	s.touch(&st)
	fn := &function{st: st, local: &localSource{name: name, dir: abs, scan: sc}}

	s.mu.Lock()
	var trash string
	if old := s.lookup(region, name); old != nil && old.code != nil {
		s.forget(region, name)
		old.code.retired = true
		if old.code.inflight == 0 {
			trash = s.toTrash(s.functionDir(region, name))
		}
	}
	s.put(fn)
	s.mu.Unlock()
	s.removeAll(trash)
	s.cfg.Runner.Reset(s.arn(region, name))
	s.log.Info("registered local function", "region", region, "function", name, "dir", abs, "runtime", runtime)
	return nil
}

var envNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]+$`) })

func errMessageOf(err error) string {
	if e, ok := err.(*apiError); ok {
		return e.Message
	}
	return err.Error()
}
