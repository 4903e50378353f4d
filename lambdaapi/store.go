package lambdaapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/firehose-local/firehose-local/internal/fsutil"
	"github.com/firehose-local/firehose-local/lambdarunner"
)

// Layout of Config.CodeDir:
//
//	<region>/<name>/function.json   the function's configuration (zip functions)
//	<region>/<name>/<rev>/task/     the unpacked code of one code revision
//	<region>/<name>/<rev>/code.zip  the deployment package, served by GetFunction's Code.Location
//	.staging/<uuid>/                a revision being unpacked
//	.trash/<uuid>/                  a revision or function being removed
//
// Functions created through the API survive a restart with the same CodeDir;
// functions registered with RegisterLocal live only in memory.
const (
	stateFile  = "function.json"
	taskDir    = "task"
	zipFile    = "code.zip"
	stagingDir = ".staging"
	trashDir   = ".trash"
)

// lastModifiedLayout is the LastModified format Lambda uses.
const lastModifiedLayout = "2006-01-02T15:04:05.000-0700"

// functionState is everything Lambda reports about a function; it is what
// function.json holds.
type functionState struct {
	Region           string             `json:"Region"`
	Name             string             `json:"Name"`
	Runtime          string             `json:"Runtime"`
	Role             string             `json:"Role"`
	Handler          string             `json:"Handler"`
	Description      string             `json:"Description"`
	Timeout          int                `json:"Timeout"`
	MemorySize       int                `json:"MemorySize"`
	Env              map[string]string  `json:"Env,omitempty"`
	KMSKeyArn        string             `json:"KMSKeyArn,omitempty"`
	Architectures    []string           `json:"Architectures"`
	EphemeralStorage int                `json:"EphemeralStorage"`
	VpcConfig        *vpcConfigResponse `json:"VpcConfig,omitempty"`
	Tags             map[string]string  `json:"Tags,omitempty"`
	CodeSize         int64              `json:"CodeSize"`
	CodeSha256       string             `json:"CodeSha256"`
	SourceKMSKeyArn  string             `json:"SourceKMSKeyArn,omitempty"`
	LastModified     string             `json:"LastModified"`
	RevisionID       string             `json:"RevisionId"`
	CodeRevision     string             `json:"CodeRevision"` // directory of the current code under <region>/<name>/
}

// function is one function in memory. Guarded by Service.mu.
type function struct {
	st    functionState
	code  *codeRevision // current code; nil for local functions
	local *localSource  // non-nil for functions registered with RegisterLocal
}

// codeRevision is one unpacked deployment package. It is removed once it is
// retired (replaced or deleted) and no invocation uses it any more.
type codeRevision struct {
	dir      string // <CodeDir>/<region>/<name>/<rev>
	inflight int
	retired  bool
}

func (c *codeRevision) taskDir() string { return filepath.Join(c.dir, taskDir) }
func (c *codeRevision) zipPath() string { return filepath.Join(c.dir, zipFile) }

func (s *Service) arn(region, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, s.cfg.Account, name)
}

func (s *Service) functionDir(region, name string) string {
	return filepath.Join(s.cfg.CodeDir, region, name)
}

// lookup returns the function, or nil. Callers hold s.mu.
func (s *Service) lookup(region, name string) *function {
	return s.funcs[region][name]
}

// put stores fn. Callers hold s.mu.
func (s *Service) put(fn *function) {
	byName := s.funcs[fn.st.Region]
	if byName == nil {
		byName = map[string]*function{}
		s.funcs[fn.st.Region] = byName
	}
	byName[fn.st.Name] = fn
}

// runnerFunction is the lambdarunner view of fn. Callers hold s.mu.
func (s *Service) runnerFunction(fn *function) *lambdarunner.Function {
	dir := ""
	switch {
	case fn.local != nil:
		dir = fn.local.dir
	case fn.code != nil:
		dir = fn.code.taskDir()
	}
	return &lambdarunner.Function{
		Name:     fn.st.Name,
		Runtime:  fn.st.Runtime,
		Handler:  fn.st.Handler,
		CodeDir:  dir,
		Timeout:  time.Duration(fn.st.Timeout) * time.Second,
		MemoryMB: fn.st.MemorySize,
		Env:      maps.Clone(fn.st.Env),
		Region:   fn.st.Region,
		Account:  s.cfg.Account,
		Version:  latest,
	}
}

// configuration renders fn as a FunctionConfiguration. qualified adds
// ":$LATEST" to the ARN, as Lambda does when the request named a qualifier.
func (s *Service) configuration(fn *function, qualified bool) functionConfiguration {
	st := fn.st
	arn := s.arn(st.Region, st.Name)
	if qualified {
		arn += ":" + latest
	}
	c := functionConfiguration{
		FunctionName:     st.Name,
		FunctionArn:      arn,
		Runtime:          st.Runtime,
		Role:             st.Role,
		Handler:          st.Handler,
		CodeSize:         st.CodeSize,
		Description:      st.Description,
		Timeout:          st.Timeout,
		MemorySize:       st.MemorySize,
		LastModified:     st.LastModified,
		CodeSha256:       st.CodeSha256,
		Version:          latest,
		VpcConfig:        st.VpcConfig,
		KMSKeyArn:        st.KMSKeyArn,
		TracingConfig:    tracingConfigResponse{Mode: "PassThrough"},
		RevisionID:       st.RevisionID,
		State:            "Active",
		LastUpdateStatus: "Successful",
		PackageType:      "Zip",
		Architectures:    slices.Clone(st.Architectures),
		EphemeralStorage: ephemeralStorage{Size: st.EphemeralStorage},
		SnapStart:        snapStartResponse{ApplyOn: "None", OptimizationStatus: "Off"},
		LoggingConfig:    loggingConfigResponse{LogFormat: "Text", LogGroup: "/aws/lambda/" + st.Name},
	}
	if len(st.Env) > 0 {
		c.Environment = &environment{Variables: maps.Clone(st.Env)}
	}
	return c
}

// touch records a change of fn: new RevisionId and LastModified.
func (s *Service) touch(st *functionState) {
	st.RevisionID = uuid.NewString()
	st.LastModified = s.now().UTC().Format(lastModifiedLayout)
}

// saveState writes function.json atomically, synced. Local functions are not saved.
// Callers hold s.mu.
func (s *Service) saveState(fn *function) error {
	if fn.local != nil {
		return nil
	}
	b, err := json.MarshalIndent(fn.st, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(filepath.Join(s.functionDir(fn.st.Region, fn.st.Name), stateFile), b)
}

// newStaging returns a fresh directory to unpack a revision into.
func (s *Service) newStaging() (string, error) {
	dir := filepath.Join(s.cfg.CodeDir, stagingDir, uuid.NewString())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

// commitRevision moves a staged revision into the function's directory and
// returns it. Callers hold s.mu.
func (s *Service) commitRevision(region, name, staged string) (*codeRevision, string, error) {
	fdir := s.functionDir(region, name)
	if err := os.MkdirAll(fdir, 0o755); err != nil {
		return nil, "", err
	}
	rev := uuid.NewString()
	dir := filepath.Join(fdir, rev)
	if err := os.Rename(staged, dir); err != nil {
		return nil, "", err
	}
	return &codeRevision{dir: dir}, rev, nil
}

// retire marks a revision as replaced; it returns a directory to remove now
// (outside the lock) when no invocation uses it. Callers hold s.mu.
func (s *Service) retire(c *codeRevision) string {
	if c == nil {
		return ""
	}
	c.retired = true
	if c.inflight > 0 {
		return ""
	}
	return s.toTrash(c.dir)
}

// toTrash renames dir into the trash (cheap, under the lock) and returns the
// new path for removeAll. Callers hold s.mu.
func (s *Service) toTrash(dir string) string {
	trash := filepath.Join(s.cfg.CodeDir, trashDir)
	if err := os.MkdirAll(trash, 0o755); err != nil {
		return dir
	}
	dst := filepath.Join(trash, uuid.NewString())
	if err := os.Rename(dir, dst); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return ""
		}
		return dir
	}
	return dst
}

// removeAll deletes a directory handed out by retire or toTrash.
func (s *Service) removeAll(dir string) {
	if dir == "" {
		return
	}
	if err := os.RemoveAll(dir); err != nil {
		s.log.Warn("removing old function code", "dir", dir, "err", err)
	}
}

// loadState restores the functions saved under CodeDir and removes what no
// saved function uses (staging and trash directories, old revisions).
func (s *Service) loadState() error {
	for _, junk := range []string{stagingDir, trashDir} {
		if err := os.RemoveAll(filepath.Join(s.cfg.CodeDir, junk)); err != nil {
			return err
		}
	}
	regions, err := os.ReadDir(s.cfg.CodeDir)
	if err != nil {
		return err
	}
	for _, r := range regions {
		if !r.IsDir() || !validRegion(r.Name()) {
			continue
		}
		names, err := os.ReadDir(filepath.Join(s.cfg.CodeDir, r.Name()))
		if err != nil {
			return err
		}
		for _, n := range names {
			if !n.IsDir() {
				continue
			}
			s.loadFunction(r.Name(), n.Name())
		}
	}
	return nil
}

// loadFunction restores one saved function; a directory that does not hold a
// usable one is removed.
func (s *Service) loadFunction(region, name string) {
	fdir := s.functionDir(region, name)
	var st functionState
	b, err := os.ReadFile(filepath.Join(fdir, stateFile))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err == nil && (st.Region != region || st.Name != name || st.CodeRevision == "" ||
		strings.ContainsAny(st.CodeRevision, `/\.`)) {
		err = errors.New("inconsistent state")
	}
	var code *codeRevision
	if err == nil {
		code = &codeRevision{dir: filepath.Join(fdir, st.CodeRevision)}
		if fi, serr := os.Stat(code.taskDir()); serr != nil || !fi.IsDir() {
			err = errors.New("code directory missing")
		}
	}
	if err != nil {
		s.log.Warn("discarding saved function", "region", region, "function", name, "err", err)
		_ = os.RemoveAll(fdir)
		return
	}
	entries, _ := os.ReadDir(fdir)
	for _, e := range entries {
		if e.Name() != stateFile && e.Name() != st.CodeRevision {
			_ = os.RemoveAll(filepath.Join(fdir, e.Name()))
		}
	}
	s.put(&function{st: st, code: code})
	s.log.Debug("restored function", "region", region, "function", name)
}
