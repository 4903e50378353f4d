package lambdaapi_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/google/uuid"

	"github.com/firehose-local/firehose-local/internal/testtool"
	"github.com/firehose-local/firehose-local/lambdaapi"
)

var lastModifiedRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`)

func TestCreateGetInvoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	zipBytes := pyZip(t)
	out, err := e.client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("echo"),
		Role:         aws.String(role),
		Runtime:      types.RuntimePython312,
		Handler:      aws.String("app.handler"),
		Code:         &types.FunctionCode{ZipFile: zipBytes},
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(zipBytes)
	checks := []struct {
		what      string
		got, want any
	}{
		{"FunctionName", aws.ToString(out.FunctionName), "echo"},
		{"FunctionArn", aws.ToString(out.FunctionArn), arn("us-east-1", "echo")},
		{"CodeSize", out.CodeSize, int64(len(zipBytes))},
		{"CodeSha256", aws.ToString(out.CodeSha256), base64.StdEncoding.EncodeToString(sum[:])},
		{"Version", aws.ToString(out.Version), "$LATEST"},
		{"Timeout", aws.ToInt32(out.Timeout), int32(3)},
		{"MemorySize", aws.ToInt32(out.MemorySize), int32(128)},
		{"PackageType", out.PackageType, types.PackageTypeZip},
		{"Architectures", out.Architectures, []types.Architecture{types.ArchitectureX8664}},
		{"EphemeralStorage", aws.ToInt32(out.EphemeralStorage.Size), int32(512)},
		{"LogFormat", out.LoggingConfig.LogFormat, types.LogFormatText},
		{"LogGroup", aws.ToString(out.LoggingConfig.LogGroup), "/aws/lambda/echo"},
		{"TracingConfig", out.TracingConfig.Mode, types.TracingModePassThrough},
		{"State", out.State, types.StatePending},
		{"StateReason", aws.ToString(out.StateReason), "The function is being created."},
		{"StateReasonCode", out.StateReasonCode, types.StateReasonCodeCreating},
		{"LastUpdateStatus", out.LastUpdateStatus, types.LastUpdateStatus("")},
		{"Runtime", out.Runtime, types.RuntimePython312},
		{"Handler", aws.ToString(out.Handler), "app.handler"},
		{"Role", aws.ToString(out.Role), role},
	}
	for _, c := range checks {
		if !equalJSON(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if !lastModifiedRE.MatchString(aws.ToString(out.LastModified)) {
		t.Errorf("LastModified %q", aws.ToString(out.LastModified))
	}
	if _, err := uuid.Parse(aws.ToString(out.RevisionId)); err != nil {
		t.Errorf("RevisionId %q: %v", aws.ToString(out.RevisionId), err)
	}

	got, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("echo")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Configuration.RevisionId) != aws.ToString(out.RevisionId) || aws.ToString(got.Code.RepositoryType) != "S3" {
		t.Fatalf("GetFunction: %+v %+v", got.Configuration, got.Code)
	}
	// Code.Location downloads the package.
	resp, err := http.Get(aws.ToString(got.Code.Location))
	if err != nil {
		t.Fatal(err)
	}
	dl, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(dl, zipBytes) {
		t.Fatalf("Code.Location %s: %d, %d bytes", aws.ToString(got.Code.Location), resp.StatusCode, len(dl))
	}
	cfg, err := e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("echo")})
	if err != nil || aws.ToString(cfg.CodeSha256) != aws.ToString(out.CodeSha256) {
		t.Fatalf("GetFunctionConfiguration: %v %v", cfg, err)
	}

	// RequestResponse with Tail logs.
	inv := e.invoke(&lambda.InvokeInput{
		FunctionName: aws.String("echo"),
		Payload:      []byte(`{"hello":"world","n":[1,2]}`),
		LogType:      types.LogTypeTail,
	})
	if inv.StatusCode != 200 || inv.FunctionError != nil || aws.ToString(inv.ExecutedVersion) != "$LATEST" {
		t.Fatalf("Invoke: status %d, function error %v, version %v", inv.StatusCode, inv.FunctionError, inv.ExecutedVersion)
	}
	if !equalJSON(json.RawMessage(inv.Payload), map[string]any{"echo": map[string]any{"hello": "world", "n": []int{1, 2}}}) {
		t.Fatalf("payload %s", inv.Payload)
	}
	logs, err := base64.StdEncoding.DecodeString(aws.ToString(inv.LogResult))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"START RequestId: ", "END RequestId: ", "REPORT RequestId: ", "handling"} {
		if !strings.Contains(string(logs), want) {
			t.Errorf("tail log lacks %q:\n%s", want, logs)
		}
	}
	if len(logs) > 4096 {
		t.Errorf("tail log is %d bytes, want at most 4096", len(logs))
	}
	// No Tail, no log; no payload means {}.
	inv = e.invoke(&lambda.InvokeInput{FunctionName: aws.String("echo")})
	if inv.LogResult != nil || !equalJSON(json.RawMessage(inv.Payload), map[string]any{"echo": map[string]any{}}) {
		t.Fatalf("Invoke without payload: %s, log %v", inv.Payload, inv.LogResult)
	}
}

func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var va, vb any
	_ = json.Unmarshal(ja, &va)
	_ = json.Unmarshal(jb, &vb)
	ja, _ = json.Marshal(va)
	jb, _ = json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

func TestInvokeTypesAndErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	e.create("failing", "fail")
	e.create("toucher", "touch")

	inv := e.invoke(&lambda.InvokeInput{FunctionName: aws.String("failing"), Payload: []byte(`{}`)})
	if inv.StatusCode != 200 || aws.ToString(inv.FunctionError) != "Unhandled" {
		t.Fatalf("function error: status %d, FunctionError %v", inv.StatusCode, inv.FunctionError)
	}
	var fe struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal(inv.Payload, &fe); err != nil || fe.ErrorType != "ValueError" || fe.ErrorMessage != "boom" {
		t.Fatalf("error payload %s", inv.Payload)
	}

	// A package without the handler's module is accepted; the failure shows
	// at invocation, as an init error.
	if _, err := e.client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("no-module"), Role: aws.String(role), Runtime: types.RuntimePython312,
		Handler: aws.String("missing.handler"), Code: &types.FunctionCode{ZipFile: pyZip(t)},
	}); err != nil {
		t.Fatal(err)
	}
	inv = e.invoke(&lambda.InvokeInput{FunctionName: aws.String("no-module")})
	if aws.ToString(inv.FunctionError) != "Unhandled" || !strings.Contains(string(inv.Payload), "Runtime.ImportModuleError") {
		t.Fatalf("missing module: %v %s", inv.FunctionError, inv.Payload)
	}

	// Event: 202 at once, run in the background.
	marker := filepath.Join(t.TempDir(), "ran")
	payload, _ := json.Marshal(map[string]string{"path": marker})
	inv = e.invoke(&lambda.InvokeInput{FunctionName: aws.String("toucher"), InvocationType: types.InvocationTypeEvent, Payload: payload})
	if inv.StatusCode != 202 || len(inv.Payload) != 0 {
		t.Fatalf("Event: status %d, payload %q", inv.StatusCode, inv.Payload)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(marker); err == nil && string(b) == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the Event invocation never ran")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// DryRun: 204, nothing runs.
	inv = e.invoke(&lambda.InvokeInput{FunctionName: aws.String("toucher"), InvocationType: types.InvocationTypeDryRun})
	if inv.StatusCode != 204 {
		t.Fatalf("DryRun: status %d", inv.StatusCode)
	}

	// Request errors.
	_, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("toucher"), Payload: []byte(`{not json`)})
	wantAPIError(t, err, "InvalidRequestContentException", 400, "Could not parse request body into json")
	big := append(append([]byte(`"`), bytes.Repeat([]byte("x"), 6<<20)...), '"')
	_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("toucher"), Payload: big})
	wantAPIError(t, err, "RequestTooLargeException", 413, "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
	mid := append(append([]byte(`"`), bytes.Repeat([]byte("x"), 2<<20)...), '"')
	_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("toucher"), InvocationType: types.InvocationTypeEvent, Payload: mid})
	wantAPIError(t, err, "RequestTooLargeException", 413, "byte payload is too large for the Event invocation type (limit 1048576 bytes)")
	_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arn("us-east-1", "nope"))
	_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("toucher"), ClientContext: aws.String("%%%")})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "Client context must be a valid Base64-encoded JSON object.")

	resp, body := e.raw(http.MethodPost, "/2015-03-31/functions/toucher/invocations",
		http.Header{"Content-Type": {"application/xml"}}, strings.NewReader(`{}`))
	if resp.StatusCode != 415 || resp.Header.Get("X-Amzn-ErrorType") != "UnsupportedMediaTypeException" {
		t.Fatalf("wrong content type: %d %s %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
	}
	resp, body = e.raw(http.MethodPost, "/2015-03-31/functions/toucher/invocations",
		http.Header{"X-Amz-Invocation-Type": {"Sometimes"}}, strings.NewReader(`{}`))
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "ValidationException" ||
		!strings.Contains(body, "at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set") {
		t.Fatalf("bad invocation type: %d %s", resp.StatusCode, body)
	}
}

func TestErrorWireFormat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	resp, body := e.raw(http.MethodGet, "/2015-03-31/functions/missing", nil, nil)
	if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "ResourceNotFoundException" ||
		resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	if _, err := uuid.Parse(resp.Header.Get("x-amzn-RequestId")); err != nil {
		t.Fatalf("x-amzn-RequestId %q", resp.Header.Get("x-amzn-RequestId"))
	}
	var b map[string]string
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	msg := "Function not found: " + arn("us-east-1", "missing")
	if b["Type"] != "User" || b["Message"] != msg || b["message"] != msg {
		t.Fatalf("body %s", body)
	}
	// Operations of the model firehose-local does not implement are named.
	_, err := e.client.PublishVersion(context.Background(), &lambda.PublishVersionInput{FunctionName: aws.String("missing")})
	wantAPIError(t, err, "UnknownOperationException", 400, "firehose-local does not support the Lambda operation PublishVersion yet.")
}

func TestNameForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	e.create("echo", "handler")
	full := arn("us-east-1", "echo")
	for _, name := range []string{
		"echo", full, full + ":$LATEST", account + ":function:echo", "us-east-1:" + account + ":function:echo",
		"echo:$LATEST", "function:echo",
	} {
		inv := e.invoke(&lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`1`)})
		if inv.FunctionError != nil || !equalJSON(json.RawMessage(inv.Payload), map[string]int{"echo": 1}) {
			t.Errorf("Invoke %s: %s", name, inv.Payload)
		}
		if _, err := e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)}); err != nil {
			t.Errorf("GetFunctionConfiguration %s: %v", name, err)
		}
	}
	inv := e.invoke(&lambda.InvokeInput{FunctionName: aws.String("echo"), Qualifier: aws.String("$LATEST"), Payload: []byte(`2`)})
	if inv.FunctionError != nil {
		t.Fatalf("?Qualifier=$LATEST: %s", inv.Payload)
	}
	q, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("echo"), Qualifier: aws.String("$LATEST")})
	if err != nil || aws.ToString(q.Configuration.FunctionArn) != full+":$LATEST" {
		t.Fatalf("qualified GetFunction: %v %v", q, err)
	}
	// Raw paths: the ARN percent-encoded and not.
	for _, p := range []string{
		"/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aecho/invocations",
		"/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:echo/invocations",
		"/2015-03-31/functions/echo%3A%24LATEST/invocations",
		"/2015-03-31/functions/echo/invocations?Qualifier=%24LATEST",
	} {
		resp, body := e.raw(http.MethodPost, p, nil, strings.NewReader(`3`))
		if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Executed-Version") != "$LATEST" || !strings.Contains(body, "3") {
			t.Errorf("POST %s: %d %s", p, resp.StatusCode, body)
		}
	}
	// Qualifiers other than $LATEST do not exist.
	_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo:prod")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+full+":prod")
	_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Qualifier: aws.String("1")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+full+":1")
	_, err = e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("echo"), Qualifier: aws.String("v2")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+full+":v2")
	_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo:prod"), Qualifier: aws.String("$LATEST")})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "The derived qualifier from the function name does not match the specified qualifier.")
	_, err = e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:111111111111:function:echo")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:111111111111:function:echo")
	_, err = e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("not a name!")})
	wantAPIError(t, err, "ValidationException", 400, "at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern")
}

func TestRegions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	eu := e.clientFor("eu-west-1")
	_, err := eu.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("regional"), Role: aws.String(role), Runtime: types.RuntimePython312,
		Handler: aws.String("app.handler"), Code: &types.FunctionCode{ZipFile: pyZip(t)},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := eu.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("regional")})
	if err != nil || aws.ToString(got.Configuration.FunctionArn) != arn("eu-west-1", "regional") {
		t.Fatalf("%v %v", got, err)
	}
	_, err = e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("regional")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, arn("us-east-1", "regional"))
	// A full ARN of another region is refused, as AWS refuses it.
	_, err = e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(arn("eu-west-1", "regional"))})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')")
	if _, err := eu.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(arn("eu-west-1", "regional"))}); err != nil {
		t.Fatal(err)
	}
	list, err := e.client.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil || len(list.Functions) != 0 {
		t.Fatalf("us-east-1 lists %v, %v", list, err)
	}
	res, err := e.svc.Invoke(ctx, "eu-west-1", "regional", []byte(`"eu"`))
	if err != nil || !strings.Contains(string(res.Payload), "eu") {
		t.Fatalf("Service.Invoke in eu-west-1: %s %v", res.Payload, err)
	}
}

func TestListFunctionsPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	names := []string{"a-fn", "b-fn", "c-fn", "d-fn", "e-fn"}
	for _, n := range names {
		e.create(n, "handler")
	}
	var got []string
	pages := 0
	p := lambda.NewListFunctionsPaginator(e.client, &lambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Functions) > 2 {
			t.Fatalf("page of %d", len(page.Functions))
		}
		for _, f := range page.Functions {
			got = append(got, aws.ToString(f.FunctionName))
		}
	}
	if strings.Join(got, ",") != strings.Join(names, ",") || pages != 3 {
		t.Fatalf("listed %v in %d pages", got, pages)
	}
	// Older clients list at /functions/ (trailing slash).
	resp, body := e.raw(http.MethodGet, "/2015-03-31/functions/?MaxItems=10", nil, nil)
	var out struct {
		Functions  []struct{ FunctionName string }
		NextMarker *string
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != 200 || len(out.Functions) != 5 || out.NextMarker != nil {
		t.Fatalf("GET /functions/: %d %s", resp.StatusCode, body)
	}
	_, err := e.client.ListFunctions(ctx, &lambda.ListFunctionsInput{MaxItems: aws.Int32(0)})
	wantAPIError(t, err, "ValidationException", 400, "at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")
}

func TestUpdateAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	created := e.create("fn", "env")
	upd, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"),
		Environment:  &types.Environment{Variables: map[string]string{"AA": "1", "BB": "2"}},
		Timeout:      aws.Int32(10),
		MemorySize:   aws.Int32(256),
		Description:  aws.String("first"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(upd.Timeout) != 10 || aws.ToInt32(upd.MemorySize) != 256 || aws.ToString(upd.Description) != "first" ||
		aws.ToString(upd.RevisionId) == aws.ToString(created.RevisionId) || len(upd.Environment.Variables) != 2 {
		t.Fatalf("after update: %+v", upd)
	}
	keys := []byte(`{"keys":["AA","BB","CCC"]}`)
	inv := e.invoke(&lambda.InvokeInput{FunctionName: aws.String("fn"), Payload: keys})
	if !equalJSON(json.RawMessage(inv.Payload), map[string]any{"AA": "1", "BB": "2", "CCC": nil}) {
		t.Fatalf("env: %s", inv.Payload)
	}
	// Environment replaces the whole map.
	upd, err = e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"),
		Environment:  &types.Environment{Variables: map[string]string{"CCC": "3"}},
	})
	if err != nil || len(upd.Environment.Variables) != 1 || aws.ToInt32(upd.Timeout) != 10 {
		t.Fatalf("%+v %v", upd, err)
	}
	inv = e.invoke(&lambda.InvokeInput{FunctionName: aws.String("fn"), Payload: keys})
	if !equalJSON(json.RawMessage(inv.Payload), map[string]any{"AA": nil, "BB": nil, "CCC": "3"}) {
		t.Fatalf("env after replacing: %s", inv.Payload)
	}
	// RevisionId precondition.
	_, err = e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"), RevisionId: created.RevisionId, Description: aws.String("x"),
	})
	wantAPIError(t, err, "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id")

	// New code takes effect at once.
	code := zipOf(t, map[string]string{"main.py": "def go(event, context):\n    return {'v': 2}\n"})
	uc, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: code, RevisionId: upd.RevisionId})
	if err != nil {
		t.Fatal(err)
	}
	if uc.CodeSize != int64(len(code)) || aws.ToString(uc.RevisionId) == aws.ToString(upd.RevisionId) {
		t.Fatalf("UpdateFunctionCode: %+v", uc)
	}
	if _, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"), Handler: aws.String("main.go"),
	}); err != nil {
		t.Fatal(err)
	}
	inv = e.invoke(&lambda.InvokeInput{FunctionName: aws.String("fn")})
	if !equalJSON(json.RawMessage(inv.Payload), map[string]int{"v": 2}) {
		t.Fatalf("after code update: %s %v", inv.Payload, aws.ToString(inv.FunctionError))
	}
	// The old revision's directory is gone; one revision remains.
	revs, _ := filepath.Glob(filepath.Join(e.codeDir, "us-east-1", "fn", "*", "task"))
	if len(revs) != 1 {
		t.Fatalf("code revisions on disk: %v", revs)
	}
	// DryRun validates without changing anything.
	dry, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: pyZip(t), DryRun: true})
	if err != nil || aws.ToString(dry.CodeSha256) != aws.ToString(uc.CodeSha256) {
		t.Fatalf("DryRun: %v %v", dry, err)
	}

	_, err = e.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("fn"), Qualifier: aws.String("$LATEST")})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "$LATEST version cannot be deleted without deleting the function.")
	del, err := e.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("fn")})
	if err != nil || del.StatusCode != 204 {
		t.Fatalf("DeleteFunction: %v %v", del, err)
	}
	_, err = e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arn("us-east-1", "fn"))
	_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fn")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arn("us-east-1", "fn"))
	_, err = e.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("fn")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found")
	_, err = e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: code})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found")
	if _, err := os.Stat(filepath.Join(e.codeDir, "us-east-1", "fn")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("function directory left behind: %v", err)
	}
	// The name is free again.
	e.create("fn", "handler")
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	e.create("taken", "handler")
	base := func() *lambda.CreateFunctionInput {
		return &lambda.CreateFunctionInput{
			FunctionName: aws.String("fn"), Role: aws.String(role), Runtime: types.RuntimePython312,
			Handler: aws.String("app.handler"), Code: &types.FunctionCode{ZipFile: pyZip(t)},
		}
	}
	cases := []struct {
		name   string
		mod    func(*lambda.CreateFunctionInput)
		code   string
		status int
		msg    string
	}{
		{"duplicate", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("taken") },
			"ResourceConflictException", 409, "Function already exist: taken"},
		{"bad name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("bad name") },
			"ValidationException", 400, "Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"long name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String(strings.Repeat("n", 65)) },
			"ValidationException", 400, "Member must have length less than or equal to 64"},
		{"bad role", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("my-role") },
			"ValidationException", 400, "Value 'my-role' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"timeout 0", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(0) },
			"ValidationException", 400, "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"timeout 901", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(901) },
			"ValidationException", 400, "Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"memory 64", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(64) },
			"ValidationException", 400, "at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"},
		{"memory 20000", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(20000) },
			"ValidationException", 400, "'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 10240"},
		{"handler with space", func(in *lambda.CreateFunctionInput) { in.Handler = aws.String("app handler") },
			"ValidationException", 400, "at 'handler' failed to satisfy constraint"},
		{"env key", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"1BAD": "x"}}
		}, "ValidationException", 400, "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+"},
		{"reserved env", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "x", "AWS_ACCESS_KEY_ID": "y", "OK": "z"}}
		}, "InvalidParameterValueException", 400, "contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_ACCESS_KEY_ID, AWS_REGION"},
		{"env too big", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"BIG": strings.Repeat("x", 4100)}}
		}, "InvalidParameterValueException", 400, "exceeded the 4KB limit"},
		{"unknown runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = "cobol85" },
			"InvalidParameterValueException", 400, "Value cobol85 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, "},
		{"runtime firehose-local cannot run", func(in *lambda.CreateFunctionInput) { in.Runtime = "java21" },
			"InvalidParameterValueException", 400, "The runtime parameter of java21 is not supported by firehose-local"},
		{"unsupported runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = types.RuntimeJava21 },
			"InvalidParameterValueException", 400, "The runtime parameter of java21 is not supported by firehose-local"},
		{"no handler", func(in *lambda.CreateFunctionInput) { in.Handler = nil },
			"InvalidParameterValueException", 400, "Runtime and Handler are mandatory parameters for functions created with deployment packages."},
		{"no code", func(in *lambda.CreateFunctionInput) { in.Code = &types.FunctionCode{} },
			"InvalidParameterValueException", 400, "Please provide a source for function code."},
		{"not a zip", func(in *lambda.CreateFunctionInput) { in.Code = &types.FunctionCode{ZipFile: []byte("plain text")} },
			"InvalidParameterValueException", 400, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"zip slip", func(in *lambda.CreateFunctionInput) {
			in.Code = &types.FunctionCode{ZipFile: zipOf(t, map[string]string{"app.py": pyApp, "../../escape.py": "x"})}
		}, "InvalidParameterValueException", 400, `the entry "../../escape.py" would be written outside the function's directory`},
		{"S3 key missing", func(in *lambda.CreateFunctionInput) {
			in.Code = &types.FunctionCode{S3Bucket: aws.String("code"), S3Key: aws.String("nope.zip")}
		}, "InvalidParameterValueException", 400, "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist."},
	}
	for _, tc := range cases {
		in := base()
		tc.mod(in)
		_, err := e.client.CreateFunction(ctx, in)
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, err, tc.code, tc.status, tc.msg) })
	}
	// Nothing escaped the code directory, nothing was left staged.
	filepath.WalkDir(filepath.Dir(e.codeDir), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "escape.py" {
			t.Errorf("zip slip wrote %s", p)
		}
		return nil
	})
	if entries, _ := os.ReadDir(filepath.Join(e.codeDir, ".staging")); len(entries) != 0 {
		t.Errorf("staging directories left: %v", entries)
	}
	list, _ := e.client.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if len(list.Functions) != 1 {
		t.Errorf("refused creations left functions: %d", len(list.Functions))
	}

	// Required members the SDK would check itself, sent raw.
	resp, body := e.raw(http.MethodPost, "/2015-03-31/functions", nil,
		strings.NewReader(`{"FunctionName":"fn","Runtime":"python3.12","Handler":"app.handler","Code":{"ZipFile":""}}`))
	if resp.StatusCode != 400 || !strings.Contains(body, "Value null at 'role' failed to satisfy constraint: Member must not be null") {
		t.Fatalf("missing Role: %d %s", resp.StatusCode, body)
	}
	resp, body = e.raw(http.MethodPost, "/2015-03-31/functions", nil, strings.NewReader(`{"FunctionName":`))
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidRequestContentException" {
		t.Fatalf("bad JSON: %d %s", resp.StatusCode, body)
	}
	resp, body = e.raw(http.MethodPost, "/2015-03-31/functions", nil, strings.NewReader(`{"FunctionName":"fn","Timeout":"ten"}`))
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidRequestContentException" {
		t.Fatalf("wrong type: %d %s", resp.StatusCode, body)
	}
}

func TestUnsupportedConfiguration(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	zipB64 := base64.StdEncoding.EncodeToString(pyZip(t))
	cases := []struct {
		member string // in the message
		extra  string // JSON members added to a valid CreateFunction body
	}{
		{"PackageType Image", `"PackageType":"Image"`},
		{"Code.ImageUri", `"Code":{"ImageUri":"000000000000.dkr.ecr.us-east-1.amazonaws.com/fn:latest"}`},
		{"Layers", `"Layers":["arn:aws:lambda:us-east-1:000000000000:layer:lib:1"]`},
		{"VpcConfig", `"VpcConfig":{"SubnetIds":["subnet-0123"],"SecurityGroupIds":["sg-0123"]}`},
		{"FileSystemConfigs", `"FileSystemConfigs":[{"Arn":"arn:aws:elasticfilesystem:us-east-1:000000000000:access-point/fsap-0123456789abcdef0","LocalMountPath":"/mnt/efs"}]`},
		{"DeadLetterConfig", `"DeadLetterConfig":{"TargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"}`},
		{"Publish", `"Publish":true`},
		{"CodeSigningConfigArn", `"CodeSigningConfigArn":"arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdefg"`},
		{"SnapStart.ApplyOn PublishedVersions", `"SnapStart":{"ApplyOn":"PublishedVersions"}`},
		{"TracingConfig.Mode Active", `"TracingConfig":{"Mode":"Active"}`},
		{"LoggingConfig.LogFormat JSON", `"LoggingConfig":{"LogFormat":"JSON"}`},
		{"LoggingConfig.LogGroup", `"LoggingConfig":{"LogGroup":"/custom/group"}`},
		{"ImageConfig", `"ImageConfig":{"Command":["x"]}`},
		{"TenancyConfig", `"TenancyConfig":{"TenantIsolationMode":"PER_TENANT"}`},
		{"DurableConfig", `"DurableConfig":{"ExecutionTimeout":60}`},
		{"CapacityProviderConfig", `"CapacityProviderConfig":{"LambdaManagedInstancesCapacityProviderConfig":{"CapacityProviderArn":"arn:aws:lambda:us-east-1:000000000000:capacity-provider:cp"}}`},
		{"PublishTo", `"PublishTo":"LATEST_PUBLISHED"`},
		{"Code.S3ObjectVersion", `"Code":{"S3Bucket":"code","S3Key":"fn.zip","S3ObjectVersion":"1"}`},
	}
	for _, tc := range cases {
		body := `{"FunctionName":"fn","Role":"` + role + `","Runtime":"python3.12","Handler":"app.handler","Code":{"ZipFile":"` + zipB64 + `"},` + tc.extra + `}`
		if strings.HasPrefix(tc.extra, `"Code"`) {
			body = `{"FunctionName":"fn","Role":"` + role + `","Runtime":"python3.12","Handler":"app.handler",` + tc.extra + `}`
		}
		resp, got := e.raw(http.MethodPost, "/2015-03-31/functions", nil, strings.NewReader(body))
		want := "firehose-local does not support " + tc.member
		if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidParameterValueException" || !strings.Contains(got, want) {
			t.Errorf("%s: %d %s %s, want %q", tc.member, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), got, want)
		}
	}
	e.create("fn", "handler")
	_, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"), Layers: []string{"arn:aws:lambda:us-east-1:000000000000:layer:lib:1"},
	})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "firehose-local does not support Layers yet.")
	_, err = e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: pyZip(t), Publish: true})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "firehose-local does not support Publish")
	_, err = e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ImageUri: aws.String("repo/fn:1")})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "firehose-local does not support ImageUri yet.")
}

func TestHarmlessFieldsEchoed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	kms := "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	out, err := e.client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName:     aws.String("described"),
		Role:             aws.String(role),
		Runtime:          types.RuntimePython312,
		Handler:          aws.String("app.handler"),
		Code:             &types.FunctionCode{ZipFile: pyZip(t)},
		Description:      aws.String("transforms records"),
		Tags:             map[string]string{"team": "data"},
		Architectures:    []types.Architecture{types.ArchitectureArm64},
		EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(1024)},
		TracingConfig:    &types.TracingConfig{Mode: types.TracingModePassThrough},
		KMSKeyArn:        aws.String(kms),
		VpcConfig:        &types.VpcConfig{},
		LoggingConfig:    &types.LoggingConfig{LogFormat: types.LogFormatText, LogGroup: aws.String("/aws/lambda/described")},
		SnapStart:        &types.SnapStart{ApplyOn: types.SnapStartApplyOnNone},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Description) != "transforms records" || out.Architectures[0] != types.ArchitectureArm64 ||
		aws.ToInt32(out.EphemeralStorage.Size) != 1024 || aws.ToString(out.KMSKeyArn) != kms {
		t.Fatalf("%+v", out)
	}
	got, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("described")})
	if err != nil || got.Tags["team"] != "data" || aws.ToString(got.Configuration.Description) != "transforms records" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestS3Code(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	e.putObject("code/fn.zip", pyZip(t))
	out, err := e.client.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String("from-s3"), Role: aws.String(role), Runtime: types.RuntimePython312,
		Handler: aws.String("app.handler"), Code: &types.FunctionCode{S3Bucket: aws.String("code"), S3Key: aws.String("fn.zip")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.CodeSize != int64(len(pyZip(t))) {
		t.Fatalf("CodeSize %d", out.CodeSize)
	}
	inv := e.invoke(&lambda.InvokeInput{FunctionName: aws.String("from-s3"), Payload: []byte(`"s3"`)})
	if !strings.Contains(string(inv.Payload), "s3") || inv.FunctionError != nil {
		t.Fatalf("%s", inv.Payload)
	}
	e.putObject("code/v2.zip", zipOf(t, map[string]string{"app.py": "def handler(e, c):\n    return 'v2'\n"}))
	if _, err := e.client.UpdateFunctionCode(context.Background(), &lambda.UpdateFunctionCodeInput{
		FunctionName: aws.String("from-s3"), S3Bucket: aws.String("code"), S3Key: aws.String("v2.zip"),
	}); err != nil {
		t.Fatal(err)
	}
	if inv := e.invoke(&lambda.InvokeInput{FunctionName: aws.String("from-s3")}); string(inv.Payload) != `"v2"` {
		t.Fatalf("after S3 update: %s", inv.Payload)
	}
}

func TestOversizedPackages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	// A request body over 70167211 bytes (50 MiB of base64 and 256 KiB).
	prefix := `{"FunctionName":"big","Role":"` + role + `","Runtime":"python3.12","Handler":"app.handler","Code":{"ZipFile":"`
	n := int64(70167211+1) - int64(len(prefix)) - 3
	body := io.MultiReader(strings.NewReader(prefix), io.LimitReader(repeatReader('A'), n), strings.NewReader(`"}}`))
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/2015-03-31/functions", body)
	req.ContentLength = 70167211 + 1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || resp.Header.Get("X-Amzn-ErrorType") != "RequestEntityTooLargeException" ||
		!strings.Contains(string(b), "Request must be smaller than 70167211 bytes for the CreateFunction operation") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}

	// A zip bomb: 250 MiB + 1 byte of zeros in a small zip.
	if testing.Short() {
		t.Skip("zip bomb skipped in -short mode")
	}
	start := time.Now()
	bomb := zipBomb(t, 262144000+1)
	t.Logf("zip bomb: %d bytes, built in %s", len(bomb), time.Since(start))
	_, err = e.client.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String("bomb"), Role: aws.String(role), Runtime: types.RuntimePython312,
		Handler: aws.String("app.handler"), Code: &types.FunctionCode{ZipFile: bomb},
	})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "Unzipped size must be smaller than 262144000 bytes")
	t.Logf("refused after %s", time.Since(start))
	if entries, _ := os.ReadDir(filepath.Join(e.codeDir, ".staging")); len(entries) != 0 {
		t.Errorf("staging directories left: %v", entries)
	}
}

// zipBomb builds a zip holding app.py and size zero bytes without
// compressing them all: the deflate stream repeats one independently
// compressed, byte-aligned 1 MiB block.
func zipBomb(t *testing.T, size int) []byte {
	t.Helper()
	const chunk = 1 << 20
	zeros := make([]byte, chunk)
	var block bytes.Buffer
	fw, _ := flate.NewWriter(&block, flate.BestCompression)
	fw.Write(zeros)
	fw.Flush() // ends byte-aligned, not final
	var tail bytes.Buffer
	fw, _ = flate.NewWriter(&tail, flate.BestCompression)
	fw.Write(zeros[:size%chunk])
	fw.Close() // final block

	var stream bytes.Buffer
	crc := crc32.NewIEEE()
	for i := 0; i < size/chunk; i++ {
		stream.Write(block.Bytes())
		crc.Write(zeros)
	}
	stream.Write(tail.Bytes())
	crc.Write(zeros[:size%chunk])

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("app.py")
	io.WriteString(w, pyApp)
	raw, err := zw.CreateRaw(&zip.FileHeader{
		Name: "zeros.bin", Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(stream.Len()), UncompressedSize64: uint64(size),
	})
	if err != nil {
		t.Fatal(err)
	}
	raw.Write(stream.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func TestRegisterLocal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.py"), "import os\ndef handler(event, context):\n    return {'v': 1, 'greeting': os.environ['GREETING']}\n")
	if err := e.svc.RegisterLocal("", "local-fn", dir, "python3.12", "app.handler", 5*time.Second, map[string]string{"GREETING": "hi"}); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Invoke(ctx, "us-east-1", "local-fn", []byte(`{}`))
	if err != nil || !equalJSON(json.RawMessage(res.Payload), map[string]any{"v": 1, "greeting": "hi"}) {
		t.Fatalf("first invoke: %s %v", res.Payload, err)
	}
	// Edit the handler: the next invocation runs the new code.
	writeFile(t, filepath.Join(dir, "app.py"), "import os\ndef handler(event, context):\n    return {'v': 2, 'greeting': os.environ['GREETING'] * 2}\n")
	res, err = e.svc.Invoke(ctx, "us-east-1", arn("us-east-1", "local-fn"), []byte(`{}`))
	if err != nil || !equalJSON(json.RawMessage(res.Payload), map[string]any{"v": 2, "greeting": "hihi"}) {
		t.Fatalf("after edit: %s %v", res.Payload, err)
	}
	// A new module in the directory is picked up too.
	writeFile(t, filepath.Join(dir, "other.py"), "def handler(event, context):\n    return 'other'\n")
	if _, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("local-fn"), Handler: aws.String("other.handler"),
	}); err != nil {
		t.Fatal(err)
	}
	inv := e.invoke(&lambda.InvokeInput{FunctionName: aws.String("local-fn")})
	if string(inv.Payload) != `"other"` {
		t.Fatalf("via the API: %s", inv.Payload)
	}
	cfg, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("local-fn")})
	if err != nil || aws.ToInt32(cfg.Configuration.Timeout) != 5 || !strings.HasPrefix(aws.ToString(cfg.Code.Location), "file://") {
		t.Fatalf("%+v %v", cfg, err)
	}
	_, err = e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("local-fn"), ZipFile: pyZip(t)})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "runs from the local directory")

	// Errors.
	if err := e.svc.RegisterLocal("", "bad", dir, "cobol85", "app.handler", 0, nil); err == nil || !strings.Contains(err.Error(), "cobol85") {
		t.Fatalf("unknown runtime: %v", err)
	}
	if err := e.svc.RegisterLocal("", "bad", filepath.Join(dir, "missing"), "python3.12", "app.handler", 0, nil); err == nil {
		t.Fatal("missing directory accepted")
	}
	if err := e.svc.RegisterLocal("", "bad", dir, "python3.12", "app.handler", 0, map[string]string{"AWS_REGION": "x"}); err == nil {
		t.Fatal("reserved variable accepted")
	}
	_, err = e.svc.Invoke(ctx, "us-east-1", "missing-fn", nil)
	if !errors.Is(err, lambdaapi.ErrFunctionNotFound) {
		t.Fatalf("Invoke of a missing function: %v", err)
	}
	_, err = e.svc.Invoke(ctx, "us-east-1", "local-fn:prod", nil)
	if !errors.Is(err, lambdaapi.ErrFunctionNotFound) {
		t.Fatalf("Invoke of a missing qualifier: %v", err)
	}
}

func TestProvidedBootstrapMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	// A zip made without Unix modes (as on Windows): bootstrap must still run.
	script := "#!/bin/sh\nset -e\napi=\"http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation\"\n" +
		"while true; do\n" +
		"  hdrs=$(mktemp)\n" +
		"  body=$(curl -sS -D \"$hdrs\" \"$api/next\")\n" +
		"  id=$(grep -i '^lambda-runtime-aws-request-id:' \"$hdrs\" | tr -d '\\r' | cut -d' ' -f2)\n" +
		"  curl -sS -X POST \"$api/$id/response\" -d \"{\\\"shell\\\": $body}\" >/dev/null\n" +
		"done\n"
	testtool.LookPath(t, "curl", "apt-get install curl")
	_, err := e.client.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String("shell"), Role: aws.String(role), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: zipOf(t, map[string]string{"bootstrap": script})},
	})
	if err != nil {
		t.Fatal(err)
	}
	inv := e.invoke(&lambda.InvokeInput{FunctionName: aws.String("shell"), Payload: []byte(`7`)})
	if inv.FunctionError != nil || !equalJSON(json.RawMessage(inv.Payload), map[string]int{"shell": 7}) {
		t.Fatalf("%s %v", inv.Payload, aws.ToString(inv.FunctionError))
	}
}

func TestPersistence(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	e.create("kept", "handler")
	e.create("deleted", "handler")
	if _, err := e.client.DeleteFunction(context.Background(), &lambda.DeleteFunctionInput{FunctionName: aws.String("deleted")}); err != nil {
		t.Fatal(err)
	}
	before, err := e.client.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String("kept")})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RegisterLocal("", "not-kept", t.TempDir(), "python3.12", "app.handler", 0, nil); err != nil {
		t.Fatal(err)
	}
	e.srv.Close()
	e.svc.Close()
	e.start() // same CodeDir
	after, err := e.client.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String("kept")})
	if err != nil || !equalJSON(after.Configuration, before.Configuration) {
		t.Fatalf("restored %+v, %v", after, err)
	}
	inv := e.invoke(&lambda.InvokeInput{FunctionName: aws.String("kept"), Payload: []byte(`"again"`)})
	if !strings.Contains(string(inv.Payload), "again") {
		t.Fatalf("%s", inv.Payload)
	}
	_, err = e.client.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String("not-kept")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "not-kept")
	_, err = e.client.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String("deleted")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "deleted")
	if entries, err := os.ReadDir(filepath.Join(e.codeDir, "us-east-1")); err != nil || len(entries) != 1 || entries[0].Name() != "kept" {
		t.Fatalf("function directories: %v %v", entries, err)
	}
}
