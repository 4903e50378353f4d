package lambdarunner

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// family groups runtimes that are started the same way.
type family int

const (
	familyProvided family = iota + 1 // CodeDir/bootstrap
	familyPython                     // our embedded Python bootstrap on the host's python3
	familyNode                       // our embedded Node.js bootstrap on the host's node
)

var runtimes = map[string]family{
	"provided.al2023": familyProvided,
	"provided.al2":    familyProvided,
	"python3.9":       familyPython,
	"python3.10":      familyPython,
	"python3.11":      familyPython,
	"python3.12":      familyPython,
	"python3.13":      familyPython,
	"nodejs18.x":      familyNode,
	"nodejs20.x":      familyNode,
	"nodejs22.x":      familyNode,
}

// SupportedRuntime reports whether r is a runtime identifier the runner can
// start. The API layer answers others with InvalidParameterValueException.
func SupportedRuntime(r string) bool {
	_, ok := runtimes[r]
	return ok
}

// The embedded runtime clients. They are written to a private directory
// (LAMBDA_RUNTIME_DIR) the first time a process needs them.
var (
	//go:embed bootstrap/python/bootstrap.py
	pythonBootstrap []byte
	//go:embed bootstrap/node/bootstrap.mjs
	nodeBootstrap []byte
)

// SupportedRuntimes lists the runtime identifiers SupportedRuntime accepts,
// sorted.
func SupportedRuntimes() []string {
	out := make([]string, 0, len(runtimes))
	for r := range runtimes {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// hostRuntimes finds the host interpreters and materialises the embedded
// bootstraps, once per Runner.
type hostRuntimes struct {
	python, node string // explicit executables from Options, or "" to search PATH

	once       sync.Once
	dir        string // LAMBDA_RUNTIME_DIR
	dirErr     error
	pythonOnce sync.Once
	pythonExe  string
	pythonVer  string // "3.11"
	pythonErr  error
	nodeOnce   sync.Once
	nodeExe    string
	nodeVer    string // "20"
	nodeErr    error
}

// runtimeDir returns the directory holding the embedded bootstraps.
func (h *hostRuntimes) runtimeDir() (string, error) {
	h.once.Do(func() {
		dir, err := os.MkdirTemp("", "lambdarunner-runtime-")
		if err != nil {
			h.dirErr = err
			return
		}
		files := map[string][]byte{
			filepath.Join("python", "bootstrap.py"): pythonBootstrap,
			filepath.Join("node", "bootstrap.mjs"):  nodeBootstrap,
		}
		for name, data := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				h.dirErr = err
				return
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				h.dirErr = err
				return
			}
		}
		h.dir = dir
	})
	return h.dir, h.dirErr
}

// cleanup removes the runtime directory.
func (h *hostRuntimes) cleanup() {
	h.once.Do(func() { h.dirErr = ErrClosed }) // none may be created after cleanup
	if h.dir != "" {
		_ = os.RemoveAll(h.dir)
	}
}

// pythonPath returns the real python3 interpreter.
func (h *hostRuntimes) pythonPath() (string, error) {
	h.pythonOnce.Do(func() {
		exe := h.python
		if exe == "" {
			exe = "python3"
		}
		h.pythonExe, h.pythonVer, h.pythonErr = lookupOnce("python\x00"+exe, func() (string, string, error) { return findPython(exe) })
	})
	return h.pythonExe, h.pythonErr
}

// nodePath returns the node executable.
func (h *hostRuntimes) nodePath() (string, error) {
	h.nodeOnce.Do(func() {
		exe := h.node
		if exe == "" {
			exe = "node"
		}
		h.nodeExe, h.nodeVer, h.nodeErr = lookupOnce("node\x00"+exe, func() (string, string, error) { return findNode(exe) })
	})
	return h.nodeExe, h.nodeErr
}

// lookups caches interpreter lookups for the life of the process: asking a
// version-manager shim is slow.
var lookups struct {
	sync.Mutex
	m map[string]lookupResult
}

type lookupResult struct {
	path, version string
	err           error
}

func lookupOnce(key string, find func() (string, string, error)) (string, string, error) {
	lookups.Lock()
	defer lookups.Unlock()
	if r, ok := lookups.m[key]; ok {
		return r.path, r.version, r.err
	}
	p, v, err := find()
	if lookups.m == nil {
		lookups.m = map[string]lookupResult{}
	}
	lookups.m[key] = lookupResult{p, v, err}
	return p, v, err
}

// findPython returns the real interpreter behind exe and its version
// ("3.11"). It asks python for sys.executable so that version-manager shims
// (pyenv, asdf) are resolved with the emulator's environment, not the
// function's.
func findPython(exe string) (string, string, error) {
	p, err := exec.LookPath(exe)
	if err != nil {
		return "", "", fmt.Errorf("python3 not found on the host: %w", err)
	}
	out, err := exec.Command(p, "-c", "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])").Output()
	real, version, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if err == nil && filepath.IsAbs(real) {
		p = real
	}
	return p, strings.TrimSpace(version), nil
}

// findNode returns the absolute, symlink-free path of exe and its major
// version ("20").
func findNode(exe string) (string, string, error) {
	p, err := exec.LookPath(exe)
	if err != nil {
		return "", "", fmt.Errorf("node not found on the host: %w", err)
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	out, _ := exec.Command(p, "-p", "process.versions.node").Output()
	major, _, _ := strings.Cut(strings.TrimSpace(string(out)), ".")
	return p, major, nil
}

// versionWarning says, for a python3.x or nodejsN.x function, when the
// host's interpreter is older than the runtime it declares (a python3.12
// function on Python 3.11 may use what 3.11 lacks); "" otherwise.
func (h *hostRuntimes) versionWarning(runtime string) string {
	var host, want, name string
	switch runtimes[runtime] {
	case familyPython:
		if _, err := h.pythonPath(); err != nil {
			return ""
		}
		host, want, name = h.pythonVer, strings.TrimPrefix(runtime, "python"), "Python"
	case familyNode:
		if _, err := h.nodePath(); err != nil {
			return ""
		}
		host, want, name = h.nodeVer, strings.TrimSuffix(strings.TrimPrefix(runtime, "nodejs"), ".x"), "Node.js"
	default:
		return ""
	}
	if host == "" || !versionLess(host, want) {
		return ""
	}
	return fmt.Sprintf("the function declares %s but runs on the host's %s %s, which is older: code that needs %s %s may fail here and not on AWS", runtime, name, host, name, want)
}

// versionLess compares dotted version numbers ("3.9" < "3.11").
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errX := strconv.Atoi(as[i])
		y, errY := strconv.Atoi(bs[i])
		if errX != nil || errY != nil {
			return false
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// pathDirs returns the directories of the host interpreters that exist, for
// the function's PATH.
func (h *hostRuntimes) pathDirs() []string {
	var dirs []string
	if p, err := h.pythonPath(); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	if p, err := h.nodePath(); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	return dirs
}

// errEntrypoint is an init failure of type Runtime.InvalidEntrypoint: the
// process could not be started at all.
type errEntrypoint struct{ msg string }

func (e *errEntrypoint) Error() string { return e.msg }

// command returns the executable and argv that start fn's runtime. codeDir
// must be absolute. Failures are *errEntrypoint.
func (h *hostRuntimes) command(fn *Function, codeDir string) (string, []string, error) {
	switch runtimes[fn.Runtime] {
	case familyProvided:
		p := filepath.Join(codeDir, "bootstrap")
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "", nil, &errEntrypoint{fmt.Sprintf("Couldn't find valid bootstrap(s): [%s]", p)}
		case err != nil:
			return "", nil, &errEntrypoint{err.Error()}
		case st.IsDir() || st.Mode()&0o111 == 0:
			return "", nil, &errEntrypoint{fmt.Sprintf("fork/exec %s: permission denied", p)}
		}
		return p, []string{p}, nil
	case familyPython:
		exe, err := h.pythonPath()
		if err != nil {
			return "", nil, &errEntrypoint{err.Error()}
		}
		dir, err := h.runtimeDir()
		if err != nil {
			return "", nil, &errEntrypoint{err.Error()}
		}
		// -u: unbuffered stdio, like awslambdaric's Unbuffered wrapper, so
		// every line reaches the log before the response is posted.
		// -X utf8: UTF-8 stdio whatever the host's locales are.
		// -B: no __pycache__ in the code directory (read-only in Lambda).
		return exe, []string{exe, "-B", "-X", "utf8", "-u", filepath.Join(dir, "python", "bootstrap.py")}, nil
	case familyNode:
		exe, err := h.nodePath()
		if err != nil {
			return "", nil, &errEntrypoint{err.Error()}
		}
		dir, err := h.runtimeDir()
		if err != nil {
			return "", nil, &errEntrypoint{err.Error()}
		}
		return exe, []string{exe, filepath.Join(dir, "node", "bootstrap.mjs")}, nil
	}
	return "", nil, &errEntrypoint{fmt.Sprintf("unsupported runtime %q", fn.Runtime)}
}
