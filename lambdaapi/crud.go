package lambdaapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// decodeRequest validates a JSON body for op against the model, refuses
// members firehose-local does not implement, and decodes it into v.
func (s *Service) decodeRequest(op string, body []byte, v any) error {
	doc, err := s.apiModel().validateBody(op, body)
	if err != nil {
		return err
	}
	if err := s.apiModel().checkSupported(op, doc, v); err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return newError(errInvalidRequestContent, "Could not parse request body into json: %s", err)
	}
	return nil
}

// codeRequestTooLarge is Lambda's answer to a control-plane request over the
// limit of a direct upload.
func codeRequestTooLarge(op string) func() *apiError {
	return func() *apiError {
		return newError(errRequestEntityTooLarge, "Request must be smaller than %d bytes for the %s operation", maxCodeRequestBytes, op)
	}
}

// nameParam validates the FunctionName path parameter (and the qualifier)
// of op against the model.
func (s *Service) nameParam(op string, req *request, withQualifier bool) (qualifier string, err error) {
	params := map[string]any{"FunctionName": req.name}
	if withQualifier {
		if q := req.r.URL.Query(); q.Has("Qualifier") {
			qualifier = q.Get("Qualifier")
			params["Qualifier"] = qualifier
		}
	}
	return qualifier, s.apiModel().validateParams(op, params)
}

// codePackage is a deployment package ready to be committed.
type codePackage struct {
	staged string // staging directory holding task/ and code.zip
	size   int64
	sha256 string
}

// prepareCode fetches the zip a request names, checks it and unpacks it into
// a staging directory. The caller commits or removes codePackage.staged.
func (s *Service) prepareCode(ctx context.Context, c *functionCode, runtime string) (*codePackage, error) {
	zipBytes, err := s.fetchCode(ctx, c)
	if err != nil {
		return nil, err
	}
	staged, err := s.newStaging()
	if err != nil {
		return nil, err
	}
	task := filepath.Join(staged, taskDir)
	if err := os.Mkdir(task, 0o755); err != nil {
		os.RemoveAll(staged)
		return nil, err
	}
	if err := extractZip(zipBytes, task, zipLimits{maxUnzipped: maxUnzippedBytes}); err != nil {
		os.RemoveAll(staged)
		return nil, err
	}
	if providedRuntime(runtime) {
		makeBootstrapExecutable(task)
	}
	if err := os.WriteFile(filepath.Join(staged, zipFile), zipBytes, 0o644); err != nil {
		os.RemoveAll(staged)
		return nil, err
	}
	sum := sha256.Sum256(zipBytes)
	return &codePackage{staged: staged, size: int64(len(zipBytes)), sha256: base64.StdEncoding.EncodeToString(sum[:])}, nil
}

// fetchCode returns the zip of Code.ZipFile or Code.S3Bucket/S3Key.
func (s *Service) fetchCode(ctx context.Context, c *functionCode) ([]byte, error) {
	hasS3 := c != nil && (c.S3Bucket != nil || c.S3Key != nil || c.S3ObjectVersion != nil)
	switch {
	case c == nil || (c.ZipFile == nil && !hasS3):
		return nil, invalidParam("Please provide a source for function code.")
	case c.ZipFile != nil && hasS3:
		return nil, invalidParam("Please do not provide other FunctionCode parameters when providing a ZipFile.")
	case c.ZipFile != nil:
		if len(c.ZipFile) > maxZippedBytes {
			// Recorded (LocalStack's test_oversized_zipped_create_lambda,
			// 2025-11-25): 413 RequestEntityTooLargeException.
			return nil, newError(errRequestEntityTooLarge, "Zipped size must be smaller than %d bytes", maxZippedBytes)
		}
		return c.ZipFile, nil
	}
	if c.S3ObjectVersion != nil {
		return nil, unsupported("Code.S3ObjectVersion")
	}
	if c.S3ObjectStorageMode != nil && *c.S3ObjectStorageMode != "COPY" {
		return nil, unsupported("Code.S3ObjectStorageMode " + *c.S3ObjectStorageMode)
	}
	if c.S3Bucket == nil || c.S3Key == nil {
		return nil, invalidParam("Please provide both S3Bucket and S3Key for the function code.")
	}
	if s.cfg.GetObject == nil {
		return nil, unsupported("Code.S3Bucket (no S3 is configured)")
	}
	b, err := s.cfg.GetObject(ctx, *c.S3Bucket, *c.S3Key)
	if err != nil {
		code := "UnknownError"
		var coded interface{ ErrorCode() string }
		if errors.As(err, &coded) {
			code = coded.ErrorCode()
		}
		return nil, invalidParam("Error occurred while GetObject. S3 Error Code: %s. S3 Error Message: %s", code, err)
	}
	if len(b) > maxUnzippedBytes {
		return nil, invalidParam("Unzipped size must be smaller than %d bytes", maxUnzippedBytes)
	}
	return b, nil
}

func (s *Service) createFunction(req *request) (*response, error) {
	body, err := readBody(req, maxCodeRequestBytes, codeRequestTooLarge("CreateFunction"))
	if err != nil {
		return nil, err
	}
	var in createFunctionRequest
	if err := s.decodeRequest("CreateFunction", body, &in); err != nil {
		return nil, err
	}
	ref, ok := parseRef(in.FunctionName)
	if !ok || strings.Contains(ref.name, ".") {
		return nil, newError(errValidation, "1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: %s",
			in.FunctionName, s.apiModel().m.Shapes["FunctionName"].Pattern)
	}
	if len(ref.name) > maxFunctionNameLength {
		return nil, newError(errValidation, "1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to %d",
			ref.name, maxFunctionNameLength)
	}
	if ref.qualifier != "" {
		return nil, invalidParam("Cannot create a function with a qualifier in its name (%s); only $LATEST exists.", in.FunctionName)
	}
	if ref.account != "" && ref.account != s.cfg.Account {
		return nil, invalidParam("The account %s in the function ARN is not firehose-local's account %s.", ref.account, s.cfg.Account)
	}
	region := req.region
	if ref.region != "" {
		region = ref.region
	}
	switch {
	case in.Publish != nil && *in.Publish:
		return nil, unsupported("Publish (function versions)")
	case in.PackageType != nil && *in.PackageType != "Zip":
		return nil, unsupported("PackageType " + *in.PackageType)
	}
	st := functionState{
		Region:           region,
		Name:             ref.name,
		Timeout:          defaultTimeoutSeconds,
		MemorySize:       defaultMemorySizeMB,
		Architectures:    []string{"x86_64"},
		EphemeralStorage: defaultEphemeralStorageMB,
		Tags:             in.Tags,
	}
	if len(in.Architectures) > 0 {
		st.Architectures = slices.Clone(in.Architectures)
	}
	if err := s.apiModel().applyConfig(&st, &in.configMembers); err != nil {
		return nil, err
	}
	if err := checkRunnable(&st); err != nil {
		return nil, err
	}
	if in.Code != nil && in.Code.SourceKMSKeyArn != nil {
		st.SourceKMSKeyArn = *in.Code.SourceKMSKeyArn
	}
	conflict := func() error { return newError(errResourceConflict, "Function already exist: %s", st.Name) }
	s.mu.Lock()
	exists := s.lookup(region, st.Name) != nil
	s.mu.Unlock()
	if exists {
		return nil, conflict()
	}
	pkg, err := s.prepareCode(req.r.Context(), in.Code, st.Runtime)
	if err != nil {
		return nil, err
	}
	st.CodeSize, st.CodeSha256 = pkg.size, pkg.sha256
	s.touch(&st)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookup(region, st.Name) != nil {
		os.RemoveAll(pkg.staged)
		return nil, conflict()
	}
	code, rev, err := s.commitRevision(region, st.Name, pkg.staged)
	if err != nil {
		os.RemoveAll(pkg.staged)
		return nil, err
	}
	st.CodeRevision = rev
	fn := &function{st: st, code: code}
	if err := s.saveState(fn); err != nil {
		s.removeAll(s.toTrash(code.dir))
		return nil, err
	}
	s.put(fn)
	s.log.Info("created function", "region", region, "function", st.Name, "runtime", st.Runtime)
	return &response{status: http.StatusCreated, json: asCreated(s.configuration(fn, false))}, nil
}

func (s *Service) getFunction(req *request) (*response, error) {
	qualifier, err := s.nameParam("GetFunction", req, true)
	if err != nil {
		return nil, err
	}
	t, err := s.resolveRequest(req, qualifier)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.find(t)
	if err != nil {
		return nil, err
	}
	out := getFunctionResponse{
		Configuration: s.configuration(fn, t.qualified),
		Code:          functionCodeLocation{RepositoryType: "S3", SourceKMSKeyArn: fn.st.SourceKMSKeyArn},
	}
	if len(fn.st.Tags) > 0 {
		out.Tags = fn.st.Tags
	}
	if fn.local != nil {
		out.Code.Location = (&url.URL{Scheme: "file", Path: fn.local.dir}).String()
	} else {
		scheme := "http"
		if req.r.TLS != nil {
			scheme = "https"
		}
		u := url.URL{
			Scheme:   scheme,
			Host:     req.r.Host,
			Path:     "/2015-03-31/functions/" + s.arn(fn.st.Region, fn.st.Name) + "/code",
			RawQuery: url.Values{"CodeRevision": {fn.st.CodeRevision}}.Encode(),
		}
		out.Code.Location = u.String()
	}
	return &response{status: http.StatusOK, json: out}, nil
}

// downloadCode serves the deployment package GetFunction's Code.Location
// points to (GET /2015-03-31/functions/ARN/code?CodeRevision=..., not an AWS
// operation).
func (s *Service) downloadCode(req *request) (*response, error) {
	t, err := s.resolve(req.region, req.name, "")
	if err != nil {
		return nil, err
	}
	rev := req.r.URL.Query().Get("CodeRevision")
	s.mu.Lock()
	fn, err := s.find(t)
	if err == nil && (fn.code == nil || fn.st.CodeRevision != rev) {
		err = newError(errResourceNotFound, "The code revision %q of %s no longer exists; call GetFunction again.", rev, t.arn)
	}
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	code := fn.code
	code.inflight++
	s.mu.Unlock()
	defer s.release(code)
	b, err := os.ReadFile(code.zipPath())
	if err != nil {
		return nil, err
	}
	return &response{status: http.StatusOK, header: http.Header{"Content-Type": {"application/zip"}}, body: b}, nil
}

func (s *Service) getFunctionConfiguration(req *request) (*response, error) {
	qualifier, err := s.nameParam("GetFunctionConfiguration", req, true)
	if err != nil {
		return nil, err
	}
	t, err := s.resolveRequest(req, qualifier)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, err := s.find(t)
	if err != nil {
		return nil, err
	}
	return &response{status: http.StatusOK, json: s.configuration(fn, t.qualified)}, nil
}

// listPageSize is the most functions ListFunctions returns at once.
const listPageSize = 50

func (s *Service) listFunctions(req *request) (*response, error) {
	q := req.r.URL.Query()
	params := map[string]any{}
	for _, name := range []string{"MasterRegion", "FunctionVersion", "Marker"} {
		if q.Has(name) {
			params[name] = q.Get(name)
		}
	}
	maxItems := listPageSize
	if q.Has("MaxItems") {
		v := q.Get("MaxItems")
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, invalidParam("MaxItems must be an integer, not %q.", v)
		}
		params["MaxItems"] = json.Number(v)
		maxItems = min(n, listPageSize)
	}
	if err := s.apiModel().validateParams("ListFunctions", params); err != nil {
		return nil, err
	}
	out := listFunctionsResponse{Functions: []functionConfiguration{}}
	if q.Has("MasterRegion") {
		return &response{status: http.StatusOK, json: out}, nil // no Lambda@Edge replicas exist
	}
	marker := q.Get("Marker")
	s.mu.Lock()
	defer s.mu.Unlock()
	byName := s.funcs[req.region]
	names := make([]string, 0, len(byName))
	for name := range byName {
		if name > marker {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if len(names) > maxItems {
		next := names[maxItems-1]
		out.NextMarker = &next
		names = names[:maxItems]
	}
	all := q.Get("FunctionVersion") == "ALL" // only $LATEST exists: it, qualified
	for _, name := range names {
		out.Functions = append(out.Functions, asListed(s.configuration(byName[name], all)))
	}
	return &response{status: http.StatusOK, json: out}, nil
}

func (s *Service) deleteFunction(req *request) (*response, error) {
	qualifier, err := s.nameParam("DeleteFunction", req, true)
	if err != nil {
		return nil, err
	}
	if r, ok := parseRef(req.name); ok && r.qualifier != "" && qualifier != "" && r.qualifier != qualifier {
		// Checked first, as AWS does (recorded: LocalStack's
		// test_function_name_and_qualifier_validation,
		// latest_version_with_additional_qualifier).
		return nil, errQualifierMismatch
	}
	if r, ok := parseRef(req.name); ok && (r.qualifier == latest || (r.qualifier == "" && qualifier == latest)) {
		return nil, invalidParam("$LATEST version cannot be deleted without deleting the function.")
	}
	if r, ok := parseRef(req.name); ok && (r.qualifier != "" || qualifier != "") {
		q := r.qualifier
		if q == "" {
			q = qualifier
		}
		if q != latest && (r.qualifier == "" || qualifier == "" || r.qualifier == qualifier) {
			return s.deleteVersion(req, strings.TrimSuffix(req.name, ":"+r.qualifier))
		}
	}
	t, err := s.resolveRequest(req, qualifier)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	fn, err := s.find(t)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	delete(s.funcs[t.region], t.name)
	var trash string
	if fn.code != nil {
		s.forget(t.region, t.name)
		fn.code.retired = true
		if fn.code.inflight == 0 {
			trash = s.toTrash(s.functionDir(t.region, t.name))
		}
	}
	s.mu.Unlock()
	s.removeAll(trash)
	s.cfg.Runner.Reset(s.arn(t.region, t.name))
	s.log.Info("deleted function", "region", t.region, "function", t.name)
	return &response{status: http.StatusNoContent}, nil
}

// deleteVersion deletes a version other than $LATEST. Only $LATEST
// exists, so there is nothing to delete: AWS answers such a delete of an
// existing function with success (it is idempotent) and that of a missing
// function with the unqualified "Function not found" (recorded: LocalStack's
// test_delete_on_nonexisting_version).
func (s *Service) deleteVersion(req *request, unqualified string) (*response, error) {
	t, err := s.resolveFrom(req.region, unqualified, "")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.find(t); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

func (s *Service) updateFunctionCode(req *request) (*response, error) {
	if _, err := s.nameParam("UpdateFunctionCode", req, false); err != nil {
		return nil, err
	}
	body, err := readBody(req, maxCodeRequestBytes, codeRequestTooLarge("UpdateFunctionCode"))
	if err != nil {
		return nil, err
	}
	var in updateFunctionCodeRequest
	if err := s.decodeRequest("UpdateFunctionCode", body, &in); err != nil {
		return nil, err
	}
	if in.Publish != nil && *in.Publish {
		return nil, unsupported("Publish (function versions)")
	}
	t, err := s.resolveRequest(req, "")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	fn, err := s.find(t)
	var runtime string
	if err == nil {
		err = checkUpdatable(fn, in.RevisionID)
		runtime = fn.st.Runtime
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	pkg, err := s.prepareCode(req.r.Context(), &in.functionCode, runtime)
	if err != nil {
		return nil, err
	}
	if in.DryRun != nil && *in.DryRun {
		os.RemoveAll(pkg.staged)
		s.mu.Lock()
		defer s.mu.Unlock()
		fn, err := s.find(t)
		if err != nil {
			return nil, err
		}
		return &response{status: http.StatusOK, json: s.configuration(fn, false)}, nil
	}

	s.mu.Lock()
	fn, err = s.find(t)
	if err == nil {
		err = checkUpdatable(fn, in.RevisionID)
	}
	if err != nil {
		s.mu.Unlock()
		os.RemoveAll(pkg.staged)
		return nil, err
	}
	if providedRuntime(fn.st.Runtime) && !providedRuntime(runtime) {
		makeBootstrapExecutable(filepath.Join(pkg.staged, taskDir)) // the runtime changed meanwhile
	}
	code, rev, err := s.commitRevision(t.region, t.name, pkg.staged)
	if err != nil {
		s.mu.Unlock()
		os.RemoveAll(pkg.staged)
		return nil, err
	}
	old, oldSt := fn.code, fn.st
	fn.code = code
	fn.st.CodeRevision = rev
	fn.st.CodeSize, fn.st.CodeSha256 = pkg.size, pkg.sha256
	if len(in.Architectures) > 0 {
		fn.st.Architectures = slices.Clone(in.Architectures)
	}
	if in.SourceKMSKeyArn != nil {
		fn.st.SourceKMSKeyArn = *in.SourceKMSKeyArn
	}
	s.touch(&fn.st)
	if err := s.saveState(fn); err != nil {
		fn.code, fn.st = old, oldSt
		s.mu.Unlock()
		s.removeAll(s.toTrashLocked(code.dir))
		return nil, err
	}
	trash := s.retire(old)
	out := asUpdated(s.configuration(fn, false))
	s.mu.Unlock()
	s.removeAll(trash)
	s.cfg.Runner.Reset(s.arn(t.region, t.name))
	s.log.Info("updated function code", "region", t.region, "function", t.name)
	return &response{status: http.StatusOK, json: out}, nil
}

// toTrashLocked is toTrash for callers that do not hold s.mu.
func (s *Service) toTrashLocked(dir string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.toTrash(dir)
}

// checkUpdatable refuses to update a local function's code and enforces the
// optional RevisionId precondition. Callers hold s.mu.
func checkUpdatable(fn *function, revisionID *string) error {
	if fn.local != nil {
		return invalidParam("Function %s runs from the local directory %s (--function); edit the files there: firehose-local does not support UpdateFunctionCode for it.",
			fn.st.Name, fn.local.dir)
	}
	return checkRevision(fn, revisionID)
}

func checkRevision(fn *function, revisionID *string) error {
	if revisionID != nil && *revisionID != fn.st.RevisionID {
		return newError(errPreconditionFailed, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	return nil
}

func (s *Service) updateFunctionConfiguration(req *request) (*response, error) {
	if _, err := s.nameParam("UpdateFunctionConfiguration", req, false); err != nil {
		return nil, err
	}
	body, err := readBody(req, maxCodeRequestBytes, codeRequestTooLarge("UpdateFunctionConfiguration"))
	if err != nil {
		return nil, err
	}
	var in updateFunctionConfigurationRequest
	if err := s.decodeRequest("UpdateFunctionConfiguration", body, &in); err != nil {
		return nil, err
	}
	t, err := s.resolveRequest(req, "")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	fn, err := s.find(t)
	if err == nil {
		err = checkRevision(fn, in.RevisionID)
	}
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	st := fn.st
	st.Architectures = slices.Clone(st.Architectures)
	if err := s.apiModel().applyConfig(&st, &in.configMembers); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if err := checkRunnable(&st); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if fn.code != nil && providedRuntime(st.Runtime) && !providedRuntime(fn.st.Runtime) {
		makeBootstrapExecutable(fn.code.taskDir())
	}
	s.touch(&st)
	old := fn.st
	fn.st = st
	if err := s.saveState(fn); err != nil {
		fn.st = old
		s.mu.Unlock()
		return nil, err
	}
	out := asUpdated(s.configuration(fn, false))
	s.mu.Unlock()
	s.cfg.Runner.Reset(s.arn(t.region, t.name))
	s.log.Info("updated function configuration", "region", t.region, "function", t.name)
	return &response{status: http.StatusOK, json: out}, nil
}

// release ends a use of a code revision taken for an invocation or a
// download, removing the revision if it was retired meanwhile.
func (s *Service) release(code *codeRevision) {
	if code == nil {
		return
	}
	s.mu.Lock()
	code.inflight--
	trash := ""
	if code.retired && code.inflight == 0 {
		trash = s.toTrash(code.dir)
	}
	s.mu.Unlock()
	s.removeAll(trash)
}
