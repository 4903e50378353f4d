package lambdaapi

import (
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/firehose-local/firehose-local/lambdarunner"
	"github.com/firehose-local/firehose-local/statestore"
)

// Layout of Config.CodeDir:
//
//	<region>/<name>/<rev>/task/     the unpacked code of one code revision
//	<region>/<name>/<rev>/code.zip  the deployment package, served by GetFunction's Code.Location
//	.staging/<uuid>/                a revision being unpacked
//	.trash/<uuid>/                  a revision or function being removed
//
// A function's configuration (functionState, which names its current
// revision) is kept in the service's bucket of the state store
// (Config.State): the bucket "functions" holds one key per function,
// "<region>/<name>", its functionState in JSON, written before the call
// that changed it answers. Functions created through the API survive a
// restart with the same CodeDir and State; functions registered with
// RegisterLocal live only in memory. Before the state store the
// configuration was in <region>/<name>/function.json, imported once and
// removed.
const (
	legacyStateFile = "function.json"
	taskDir         = "task"
	zipFile         = "code.zip"
	stagingDir      = ".staging"
	trashDir        = ".trash"
)

// lastModifiedLayout is the LastModified format Lambda uses.
const lastModifiedLayout = "2006-01-02T15:04:05.000-0700"

// functionState is everything Lambda reports about a function; it is what
// the state store holds.
type functionState struct {
	Region           string             `json:"Region"`
	Name             string             `json:"Name"`
	Runtime          string             `json:"Runtime"`
	Role             string             `json:"Role"`
	Handler          string             `json:"Handler"`
	Description      string             `json:"Description"`
	Timeout          int                `json:"Timeout"`
	MemorySize       int                `json:"MemorySize"`
	Env              map[string]string  `json:"Env"` // nil: no Environment; empty: Environment {"Variables": {}}
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
	if st.Env != nil {
		c.Environment = &environment{Variables: maps.Clone(st.Env)}
	}
	if st.Runtime != "" {
		c.RuntimeVersionConfig = &runtimeVersionConfig{RuntimeVersionArn: runtimeVersionARN(st.Region, st.Runtime)}
	}
	return c
}

// runtimeVersionARN is the runtime version a function is described with:
// AWS's form, arn:aws:lambda:<region>::runtime:<64 hex digits> (recorded:
// LocalStack's test_function_lifecycle, 2025-11-25, where one runtime keeps
// its ARN and another runtime has another). firehose-local has no runtime
// versions: the digits are the SHA-256 of the runtime's name, the same for
// every function of that runtime, in every release.
func runtimeVersionARN(region, runtime string) string {
	sum := sha256.Sum256([]byte("firehose-local runtime " + runtime))
	return "arn:aws:lambda:" + region + "::runtime:" + hex.EncodeToString(sum[:])
}

// The state a create or an update answers. A function is ready at once,
// and described as Active and Successful from the next call; but AWS's
// answer to the call itself is Pending for CreateFunction and InProgress
// for UpdateFunctionConfiguration and UpdateFunctionCode, with these
// reasons (recorded: LocalStack's test_function_lifecycle, 2025-11-25; the
// reason of an update is "being created" there too). Clients that wait for
// the function (the SDKs' waiters, Terraform, CDK) then find it ready.

func asCreated(c functionConfiguration) functionConfiguration {
	c.State, c.StateReason, c.StateReasonCode, c.LastUpdateStatus = "Pending", "The function is being created.", "Creating", ""
	return c
}

func asUpdated(c functionConfiguration) functionConfiguration {
	c.LastUpdateStatus, c.LastUpdateStatusReason, c.LastUpdateStatusReasonCode = "InProgress", "The function is being created.", "Creating"
	return c
}

// asListed is a configuration as ListFunctions answers it: without State
// nor LastUpdateStatus nor RuntimeVersionConfig (recorded 2025-11-25: LocalStack's
// test_list_functions).
func asListed(c functionConfiguration) functionConfiguration {
	c.State, c.LastUpdateStatus, c.RuntimeVersionConfig = "", "", nil
	return c
}

// touch records a change of fn: new RevisionId and LastModified.
func (s *Service) touch(st *functionState) {
	st.RevisionID = uuid.NewString()
	st.LastModified = s.now().UTC().Format(lastModifiedLayout)
}

var functionsBucket = []byte("functions")

// legacyMigrated marks the import of the function.json files.
const legacyMigrated = "function.json"

func stateKey(region, name string) []byte { return []byte(region + "/" + name) }

// saveState writes fn's configuration to the state store, synced. Local
// functions are not saved. Callers hold s.mu.
func (s *Service) saveState(fn *function) error {
	if fn.local != nil || s.cfg.State == nil {
		return nil
	}
	b, err := json.Marshal(fn.st)
	if err != nil {
		return err
	}
	return s.cfg.State.Update(func(root *statestore.Bucket) error {
		fb, err := root.CreateBucketIfNotExists(functionsBucket)
		if err != nil {
			return err
		}
		return fb.Put(stateKey(fn.st.Region, fn.st.Name), b)
	})
}

// forget removes a function's configuration from the state store. Callers
// hold s.mu.
func (s *Service) forget(region, name string) {
	if s.cfg.State == nil {
		return
	}
	err := s.cfg.State.Update(func(root *statestore.Bucket) error {
		fb, err := root.CreateBucketIfNotExists(functionsBucket)
		if err != nil {
			return err
		}
		return fb.Delete(stateKey(region, name))
	})
	if err != nil {
		// Its code is removed: the next start discards it.
		s.log.Warn("removing a deleted function from the state store", "region", region, "function", name, "err", err)
	}
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

// loadState restores the functions saved in the state store (and imports
// those of function.json files), then removes from CodeDir what no
// function uses: staging and trash directories, old revisions, the
// directories of functions not saved.
func (s *Service) loadState() error {
	for _, junk := range []string{stagingDir, trashDir} {
		if err := os.RemoveAll(filepath.Join(s.cfg.CodeDir, junk)); err != nil {
			return err
		}
	}
	var saved []functionState
	if h := s.cfg.State; h != nil {
		err := h.View(func(root *statestore.Bucket) error {
			return root.Bucket(functionsBucket).ForEach(func(k, v []byte) error {
				var st functionState
				if err := json.Unmarshal(v, &st); err != nil {
					s.log.Warn("discarding saved function", "key", string(k), "err", err)
					return nil
				}
				saved = append(saved, st)
				return nil
			})
		})
		if err != nil {
			return err
		}
	}
	var discarded []functionState
	for _, st := range saved {
		if !s.restore(st) {
			discarded = append(discarded, st)
		}
	}
	keepLegacy, err := s.importLegacy()
	if err != nil {
		return err
	}
	for _, st := range discarded {
		if s.lookup(st.Region, st.Name) == nil {
			s.forget(st.Region, st.Name)
		}
	}
	return s.removeUnused(keepLegacy)
}

// restore puts back a saved function whose code is in place.
func (s *Service) restore(st functionState) bool {
	fdir := s.functionDir(st.Region, st.Name)
	var err error
	if !validRegion(st.Region) || !functionNameRE().MatchString(st.Name) || st.CodeRevision == "" ||
		strings.ContainsAny(st.CodeRevision, `/\.`) {
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
		s.log.Warn("discarding saved function", "region", st.Region, "function", st.Name, "err", err)
		return false
	}
	s.put(&function{st: st, code: code})
	s.log.Debug("restored function", "region", st.Region, "function", st.Name)
	return true
}

// importLegacy imports, once, the functions whose configuration is in a
// function.json (firehose-local before the state store), and removes those
// files. Without a state store (or if writing it fails) they are only restored, in
// memory, and keep reports that their files must stay.
func (s *Service) importLegacy() (keep bool, err error) {
	h := s.cfg.State
	if h != nil {
		done, err := h.Migrated(legacyMigrated)
		if err != nil || done {
			return false, err
		}
	}
	var found, imported []functionState
	err = s.eachFunctionDir(func(region, name string) error {
		b, err := os.ReadFile(filepath.Join(s.functionDir(region, name), legacyStateFile))
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		var st functionState
		if err == nil {
			err = json.Unmarshal(b, &st)
		}
		if err == nil && (st.Region != region || st.Name != name) {
			err = errors.New("inconsistent state")
		}
		if err != nil {
			s.log.Warn("discarding saved function", "region", region, "function", name, "err", err)
			return nil
		}
		found = append(found, st)
		if s.lookup(region, name) == nil && s.restore(st) {
			imported = append(imported, st)
		}
		return nil
	})
	if err != nil || h == nil || len(found) == 0 {
		return h == nil, err
	}
	err = h.Update(func(root *statestore.Bucket) error {
		fb, err := root.CreateBucketIfNotExists(functionsBucket)
		if err != nil {
			return err
		}
		for _, st := range imported {
			b, err := json.Marshal(st)
			if err != nil {
				return err
			}
			if err := fb.Put(stateKey(st.Region, st.Name), b); err != nil {
				return err
			}
		}
		return root.MarkMigrated(legacyMigrated)
	})
	if err != nil {
		// Read again from the files at the next start.
		s.log.Error("importing the functions of an earlier version into the state store failed: they are kept in memory only", "file", h.Path(), "err", err)
		return true, nil
	}
	for _, st := range found {
		_ = os.Remove(filepath.Join(s.functionDir(st.Region, st.Name), legacyStateFile))
	}
	s.log.Info("functions of an earlier version imported into the state store", "functions", len(imported))
	return false, nil
}

// removeUnused removes the directories of functions that are not restored
// and, in the others, every revision but the current one, and their
// function.json unless keepLegacy (not imported).
func (s *Service) removeUnused(keepLegacy bool) error {
	return s.eachFunctionDir(func(region, name string) error {
		fdir := s.functionDir(region, name)
		fn := s.lookup(region, name)
		if fn == nil || fn.code == nil {
			return os.RemoveAll(fdir)
		}
		entries, _ := os.ReadDir(fdir)
		for _, e := range entries {
			if e.Name() != fn.st.CodeRevision && (e.Name() != legacyStateFile || !keepLegacy) {
				_ = os.RemoveAll(filepath.Join(fdir, e.Name()))
			}
		}
		return nil
	})
}

// eachFunctionDir calls fn for every <region>/<name> directory of CodeDir.
func (s *Service) eachFunctionDir(fn func(region, name string) error) error {
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
			if n.IsDir() {
				if err := fn(r.Name(), n.Name()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
