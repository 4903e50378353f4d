package integration_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// Replays of Lambda API answers recorded from AWS, from
// localstack/localstack's tests/aws/services/lambda_/test_lambda_api.py,
// its snapshots in test_lambda_api.snapshot.json and its validation dates
// in test_lambda_api.validation.json. Masked values (names, ARNs, hashes,
// dates, revision ids) are compared by form.

// lambdaRaw sends one Lambda REST request as botocore does and returns the
// status and the body.
func lambdaRaw(t *testing.T, env *emulatortest.Env, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+"/2015-03-31/functions"+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// jsonMembers decodes a JSON object into its members.
func jsonMembers(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

func memberNames(m map[string]json.RawMessage) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// echoZip is a deployment package holding handler.py, an echo function.
func echoZip(t *testing.T, body string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("handler.py")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte(body))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// The members AWS answered for a function's configuration in
// test_function_lifecycle.
var recordedConfigMembers = []string{"Architectures", "CodeSha256", "CodeSize", "Description", "Environment", "EphemeralStorage",
	"FunctionArn", "FunctionName", "Handler", "LastModified", "LoggingConfig", "MemorySize", "PackageType", "RevisionId", "Role",
	"Runtime", "RuntimeVersionConfig", "SnapStart", "State", "Timeout", "TracingConfig", "Version"}

// runtimeVersionForm is a RuntimeVersionConfig as AWS answers it (the
// recordings mask the 64 hex digits).
var runtimeVersionForm = regexp.MustCompile(`^\{"RuntimeVersionArn":"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}"\}$`)

var (
	lastModifiedForm = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`)
	uuidForm         = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	sha256Form       = regexp.MustCompile(`^[A-Za-z0-9+/]{43}=$`)
)

// checkConfig compares a FunctionConfiguration with the recorded one: the
// members (the recorded set plus extra), then each given value.
func checkConfig(t *testing.T, what string, m map[string]json.RawMessage, extra []string, values map[string]string) (runtimeVersion string) {
	t.Helper()
	want := slices.Sorted(slices.Values(append(slices.Clone(recordedConfigMembers), extra...)))
	if got := memberNames(m); !slices.Equal(got, want) {
		t.Fatalf("%s: members %v, recorded %v", what, got, want)
	}
	if !runtimeVersionForm.Match(m["RuntimeVersionConfig"]) {
		t.Fatalf("%s: RuntimeVersionConfig %s", what, m["RuntimeVersionConfig"])
	}
	var lm, rev, sum string
	_ = json.Unmarshal(m["LastModified"], &lm)
	_ = json.Unmarshal(m["RevisionId"], &rev)
	_ = json.Unmarshal(m["CodeSha256"], &sum)
	if !lastModifiedForm.MatchString(lm) || !uuidForm.MatchString(rev) || !sha256Form.MatchString(sum) {
		t.Fatalf("%s: LastModified %q RevisionId %q CodeSha256 %q", what, lm, rev, sum)
	}
	for k, v := range values {
		var got, exp any
		_ = json.Unmarshal(m[k], &got)
		if err := json.Unmarshal([]byte(v), &exp); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if mustJSON(got) != mustJSON(exp) {
			t.Errorf("%s: %s = %s, recorded %s", what, k, m[k], v)
		}
	}
	return string(m["RuntimeVersionConfig"])
}

// Recording: test_function_lifecycle (validated 2025-11-25): CreateFunction
// answers 201 with State Pending ("The function is being created.",
// Creating), no LastUpdateStatus, and the Environment {"Variables": {}} it
// was given; GetFunction then answers Active and Successful with Code
// {Location, RepositoryType S3}; UpdateFunctionConfiguration and
// UpdateFunctionCode answer LastUpdateStatus InProgress with AWS's reason;
// DeleteFunction 204; a second delete 404 "Function not found: <arn>".
// RuntimeVersionConfig is the same for each answer about python3.12 (the
// recording's <resource:2>), and another for python3.11 (<resource:3>).
func TestRecordedLambdaFunctionLifecycle(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	const arn = fnARNPrefix + "fn"
	common := map[string]string{"Architectures": `["x86_64"]`, "EphemeralStorage": `{"Size":512}`, "FunctionArn": `"` + arn + `"`,
		"FunctionName": `"fn"`, "Handler": `"handler.handler"`, "LoggingConfig": `{"LogFormat":"Text","LogGroup":"/aws/lambda/fn"}`,
		"PackageType": `"Zip"`, "SnapStart": `{"ApplyOn":"None","OptimizationStatus":"Off"}`, "TracingConfig": `{"Mode":"PassThrough"}`,
		"Version": `"$LATEST"`, "Role": `"arn:aws:iam::000000000000:role/r"`}
	with := func(kv ...string) map[string]string {
		m := maps(common)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	code, b := lambdaRaw(t, env, http.MethodPost, "", `{"FunctionName":"fn","Runtime":"python3.12","Handler":"handler.handler",`+
		`"Role":"arn:aws:iam::000000000000:role/r","MemorySize":256,"Timeout":5,"Environment":{"Variables":{}},"Code":{"ZipFile":"`+
		echoZip(t, "def handler(event, context):\n    return event\n")+`"}}`)
	if code != http.StatusCreated {
		t.Fatalf("CreateFunction: %d %s", code, b)
	}
	v312 := checkConfig(t, "create", jsonMembers(t, b), []string{"StateReason", "StateReasonCode"}, with("State", `"Pending"`,
		"StateReason", `"The function is being created."`, "StateReasonCode", `"Creating"`, "Environment", `{"Variables":{}}`,
		"MemorySize", `256`, "Timeout", `5`, "Runtime", `"python3.12"`, "Description", `""`))

	code, b = lambdaRaw(t, env, http.MethodGet, "/fn", "")
	if code != http.StatusOK {
		t.Fatalf("GetFunction: %d %s", code, b)
	}
	get := jsonMembers(t, b)
	if got := memberNames(get); !slices.Equal(got, []string{"Code", "Configuration"}) {
		t.Fatalf("GetFunction members %v, recorded Code, Configuration", got)
	}
	if c := jsonMembers(t, get["Code"]); !slices.Equal(memberNames(c), []string{"Location", "RepositoryType"}) || string(c["RepositoryType"]) != `"S3"` {
		t.Fatalf("Code %s, recorded {Location, RepositoryType: S3}", get["Code"])
	}
	if v := checkConfig(t, "get", jsonMembers(t, get["Configuration"]), []string{"LastUpdateStatus"}, with("State", `"Active"`,
		"LastUpdateStatus", `"Successful"`, "Environment", `{"Variables":{}}`, "MemorySize", `256`, "Timeout", `5`)); v != v312 {
		t.Fatalf("RuntimeVersionConfig %s in GetFunction, recorded the same as CreateFunction's (%s)", v, v312)
	}

	code, b = lambdaRaw(t, env, http.MethodPut, "/fn/configuration", `{"Runtime":"python3.11","Description":"Changed-Description",`+
		`"MemorySize":512,"Timeout":10,"Environment":{"Variables":{"ENV_A":"a"}}}`)
	if code != http.StatusOK {
		t.Fatalf("UpdateFunctionConfiguration: %d %s", code, b)
	}
	inProgress := []string{"LastUpdateStatus", "LastUpdateStatusReason", "LastUpdateStatusReasonCode"}
	updated := with("State", `"Active"`, "LastUpdateStatus", `"InProgress"`, "LastUpdateStatusReason", `"The function is being created."`,
		"LastUpdateStatusReasonCode", `"Creating"`, "Environment", `{"Variables":{"ENV_A":"a"}}`, "MemorySize", `512`, "Timeout", `10`,
		"Runtime", `"python3.11"`, "Description", `"Changed-Description"`)
	v311 := checkConfig(t, "update configuration", jsonMembers(t, b), inProgress, updated)
	if v311 == v312 {
		t.Fatalf("python3.11 and python3.12 have the same RuntimeVersionConfig %s; recorded: two", v311)
	}

	code, b = lambdaRaw(t, env, http.MethodGet, "/fn", "")
	if code != http.StatusOK {
		t.Fatalf("GetFunction: %d %s", code, b)
	}
	if v := checkConfig(t, "get after the update", jsonMembers(t, jsonMembers(t, b)["Configuration"]), []string{"LastUpdateStatus"},
		with("State", `"Active"`, "LastUpdateStatus", `"Successful"`, "Environment", `{"Variables":{"ENV_A":"a"}}`, "MemorySize", `512`)); v != v311 {
		t.Fatalf("RuntimeVersionConfig %s in GetFunction, recorded the same as UpdateFunctionConfiguration's (%s)", v, v311)
	}

	code, b = lambdaRaw(t, env, http.MethodPut, "/fn/code", `{"ZipFile":"`+echoZip(t, "def handler(event, context):\n    return 2\n")+`"}`)
	if code != http.StatusOK {
		t.Fatalf("UpdateFunctionCode: %d %s", code, b)
	}
	if v := checkConfig(t, "update code", jsonMembers(t, b), inProgress, updated); v != v311 {
		t.Fatalf("RuntimeVersionConfig %s after UpdateFunctionCode, recorded the same as before (%s)", v, v311)
	}

	code, b = lambdaRaw(t, env, http.MethodDelete, "/fn", "")
	if code != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("DeleteFunction: %d %s, recorded 204", code, b)
	}
	_, err := env.Lambda.DeleteFunction(context.Background(), &lambda.DeleteFunctionInput{FunctionName: aws.String("fn")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+arn)
}

func maps(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Recordings: test_ops_on_nonexisting_fn (validated 2025-11-25),
// test_ops_on_nonexisting_version (2025-11-25),
// test_ops_with_arn_qualifier_mismatch (2025-11-25),
// test_delete_on_nonexisting_version (2025-11-25) and
// test_get_function_wrong_region (2025-11-25), for the operations
// firehose-local serves: each error's code and message.
func TestRecordedLambdaErrors(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	createFunction(t, env, "i-exist", "python3.12", "handler.handler", zipFiles(t, map[string]string{"handler.py": "testdata/pyenv/app.py"}), nil)
	c := env.Lambda
	const missing = fnARNPrefix + "i-dont-exist"

	// test_ops_on_nonexisting_fn
	_, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("i-dont-exist")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+missing)
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("i-dont-exist")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+missing)
	_, err = c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("i-dont-exist")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+missing)

	// test_ops_on_nonexisting_version
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("i-exist"), Qualifier: aws.String("1221")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+fnARNPrefix+"i-exist:1221")
	_, err = c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("i-exist"), Qualifier: aws.String("1221")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+fnARNPrefix+"i-exist:1221")

	// test_ops_with_arn_qualifier_mismatch
	some := fnARNPrefix + "some-function"
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(some + ":1"), Qualifier: aws.String("$LATEST")})
	wantExactError(t, err, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
	_, err = c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(some + ":1"), Qualifier: aws.String("$LATEST")})
	wantExactError(t, err, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
	_, err = c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(some + ":1"), Qualifier: aws.String("$LATEST")})
	wantExactError(t, err, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(some + ":$LATEST"), Qualifier: aws.String("$LATEST")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+some+":$LATEST")
	_, err = c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(some + ":$LATEST"), Qualifier: aws.String("$LATEST")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+some+":$LATEST")
	_, err = c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(some + ":$LATEST"), Qualifier: aws.String("$LATEST")})
	wantExactError(t, err, "InvalidParameterValueException", "$LATEST version cannot be deleted without deleting the function.")

	// test_get_function_wrong_region
	wrong := "arn:aws:lambda:eu-central-1:000000000000:function:i-exist"
	const unreachable = "Functions from 'eu-central-1' are not reachable in this region ('us-east-1')"
	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(wrong)})
	wantExactError(t, err, "ResourceNotFoundException", unreachable)
	_, err = c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(wrong)})
	wantExactError(t, err, "ResourceNotFoundException", unreachable)
	_, err = c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(wrong)})
	wantExactError(t, err, "ResourceNotFoundException", unreachable)
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(wrong)})
	wantExactError(t, err, "ResourceNotFoundException", unreachable)

	// test_delete_on_nonexisting_version: deleting a version that does
	// not exist succeeds, twice; once the function is gone, both forms
	// answer the unqualified ARN.
	for range 2 {
		if _, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("i-exist"), Qualifier: aws.String("1233")}); err != nil {
			t.Fatalf("DeleteFunction of version 1233: %v; recorded: success", err)
		}
	}
	if _, err := c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("i-exist")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("i-exist")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+fnARNPrefix+"i-exist")
	_, err = c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("i-exist"), Qualifier: aws.String("1233")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+fnARNPrefix+"i-exist")
}

// recordedRuntimes is the runtime list of AWS's refusal of an unknown
// runtime, in AWS's order, as recorded on 2026-01-12.
const recordedRuntimes = "[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, " +
	"python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, " +
	"nodejs18.x, provided.al2, java8.al2]"

// Recordings: test_create_lambda_exceptions and
// test_update_lambda_exceptions (validated 2026-01-12), and
// test_invalid_invoke (validated 2025-11-25): the refusals' codes and
// messages.
func TestRecordedLambdaRequestErrors(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	c := env.Lambda
	zipped := zipFiles(t, map[string]string{"handler.py": "testdata/pyenv/app.py"})
	const role = "arn:aws:iam::000000000000:role/lambda"
	create := func(mod func(*lambda.CreateFunctionInput)) error {
		in := &lambda.CreateFunctionInput{FunctionName: aws.String("invalid-function"), Handler: aws.String("index.handler"),
			Code: &ltypes.FunctionCode{ZipFile: zipped}, PackageType: ltypes.PackageTypeZip, Role: aws.String(role), Runtime: ltypes.RuntimePython312}
		mod(in)
		_, err := c.CreateFunction(ctx, in)
		return err
	}
	err := create(func(in *lambda.CreateFunctionInput) { in.Role = aws.String("r1") })
	wantExactError(t, err, "ValidationException", `1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
	for _, rt := range []string{"non-existent-runtime", "PYTHON3.9"} {
		err = create(func(in *lambda.CreateFunctionInput) { in.Runtime = ltypes.Runtime(rt) })
		wantExactError(t, err, "InvalidParameterValueException", "Value "+rt+" at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "+recordedRuntimes+" or be a valid ARN")
	}
	err = create(func(in *lambda.CreateFunctionInput) {
		in.Architectures = []ltypes.Architecture{ltypes.ArchitectureX8664, ltypes.ArchitectureArm64}
	})
	wantExactError(t, err, "ValidationException", "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1")
	err = create(func(in *lambda.CreateFunctionInput) { in.Architectures = []ltypes.Architecture{"X86_64"} })
	wantExactError(t, err, "ValidationException", "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")
	err = create(func(in *lambda.CreateFunctionInput) {
		in.Code.ZipFile = []byte("this is not a zipfile, just a random string")
		in.Runtime = ltypes.RuntimePython39
	})
	wantExactError(t, err, "InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.")

	createFunction(t, env, "fn", "python3.12", "handler.handler", zipped, nil)
	_, err = c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Role: aws.String("r1")})
	wantExactError(t, err, "ValidationException", `1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
	for _, rt := range []string{"non-existent-runtime", "PYTHON3.9"} {
		_, err = c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Runtime: ltypes.Runtime(rt)})
		wantExactError(t, err, "InvalidParameterValueException", "Value "+rt+" at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "+recordedRuntimes+" or be a valid ARN")
	}

	// test_invalid_invoke.
	bad := "arn:aws:lambda:us-east-1:123400000000@function:myfn"
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(bad)})
	wantExactError(t, err, "ValidationException", "1 validation error detected: Value '"+bad+"' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "+
		`(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`)
}

// Recordings: localstack/localstack,
// tests/aws/services/lambda_/test_lambda.py, its snapshots in
// test_lambda.snapshot.json and validation dates in
// test_lambda.validation.json: Invoke's answers.
// test_invocation_type_request_response[python3.10] (2025-11-24): 200,
// ExecutedVersion $LATEST, the payload; test_invocation_type_event
// (2025-11-24): 202, no ExecutedVersion, an empty payload;
// test_invocation_type_dry_run (2023-04-26): 204, an empty payload;
// test_invocation_type_no_return_payload[python-RequestResponse]
// (2025-11-24): the payload "null"; test_invocation_with_logs[python3.10]
// (2025-11-24): LogResult holds START, the function's line, END and
// REPORT in Lambda's format; test_lambda_handler_error (2025-11-24) and
// test_lambda_runtime_error (2025-11-24): FunctionError Unhandled and the
// error document {errorMessage, errorType, requestId, stackTrace}, the
// requestId empty when the module fails at import;
// test_lambda_invoke_with_timeout (2025-11-25): FunctionError Unhandled,
// {errorType: Sandbox.Timedout, errorMessage: "RequestId: <id> Error: Task
// timed out after 1.00 seconds"}; test_invoke_exceptions (2025-11-24):
// "Function not found: <arn>:$LATEST".
func TestRecordedLambdaInvoke(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	c := env.Lambda
	code := zipFiles(t, map[string]string{"functions.py": "testdata/recorded_lambda/functions.py", "startup.py": "testdata/recorded_lambda/startup_error.py"})
	for _, h := range []string{"echo", "none", "fails", "sleeps"} {
		createFunction(t, env, h, "python3.12", "functions."+h, code, nil)
	}
	createFunction(t, env, "startup", "python3.12", "startup.handler", code, nil)
	if _, err := c.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("sleeps"), Timeout: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status          int
		executedVersion string
		functionError   string
		payload         string
		logResult       string
	}
	invoke := func(name, invType, logType, payload string) answer {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/2015-03-31/functions/"+name+"/invocations", bytes.NewReader([]byte(payload)))
		if invType != "" {
			req.Header.Set("X-Amz-Invocation-Type", invType)
		}
		if logType != "" {
			req.Header.Set("X-Amz-Log-Type", logType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, resp.Header.Get("X-Amz-Executed-Version"), resp.Header.Get("X-Amz-Function-Error"), string(b), resp.Header.Get("X-Amz-Log-Result")}
	}

	if a := invoke("echo", "RequestResponse", "", "{}"); a.status != 200 || a.executedVersion != "$LATEST" || a.functionError != "" || a.payload != "{}" {
		t.Errorf("RequestResponse: %+v; recorded 200, $LATEST, {}", a)
	}
	if a := invoke("echo", "Event", "", "{}"); a.status != 202 || a.executedVersion != "" || a.payload != "" {
		t.Errorf("Event: %+v; recorded 202, no ExecutedVersion, empty payload", a)
	}
	if a := invoke("echo", "DryRun", "", "{}"); a.status != 204 || a.payload != "" {
		t.Errorf("DryRun: %+v; recorded 204, empty payload", a)
	}
	if a := invoke("none", "RequestResponse", "", "{}"); a.status != 200 || a.executedVersion != "$LATEST" || a.payload != "null" {
		t.Errorf("no return value: %+v; recorded payload null", a)
	}

	a := invoke("echo", "", "Tail", "{}")
	raw, err := base64.StdEncoding.DecodeString(a.logResult)
	if a.status != 200 || a.executedVersion != "$LATEST" || a.payload != "{}" || err != nil {
		t.Fatalf("LogType Tail: %+v %v", a, err)
	}
	logRE := regexp.MustCompile(`^START RequestId: ([0-9a-f-]{36}) Version: \$LATEST\n` + `\{\}\n` + `END RequestId: ([0-9a-f-]{36})\n` +
		`REPORT RequestId: ([0-9a-f-]{36})\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?\n$`)
	if m := logRE.FindStringSubmatch(string(raw)); m == nil || m[1] != m[2] || m[2] != m[3] {
		t.Errorf("log tail %q; recorded START, {}, END, REPORT lines", raw)
	}

	errorDoc := func(what string, a answer, message string, requestID *regexp.Regexp, lastFrame string) {
		t.Helper()
		if a.status != 200 || a.functionError != "Unhandled" || a.executedVersion != "$LATEST" {
			t.Fatalf("%s: %+v; recorded 200, FunctionError Unhandled, $LATEST", what, a)
		}
		m := jsonMembers(t, []byte(a.payload))
		var msg, typ, id string
		var stack []string
		_ = json.Unmarshal(m["errorMessage"], &msg)
		_ = json.Unmarshal(m["errorType"], &typ)
		_ = json.Unmarshal(m["requestId"], &id)
		_ = json.Unmarshal(m["stackTrace"], &stack)
		if got := memberNames(m); !slices.Equal(got, []string{"errorMessage", "errorType", "requestId", "stackTrace"}) {
			t.Fatalf("%s: members %v, recorded errorMessage, errorType, requestId, stackTrace", what, got)
		}
		if msg != message || typ != "Exception" || !requestID.MatchString(id) || len(stack) == 0 || !regexp.MustCompile(lastFrame).MatchString(stack[len(stack)-1]) {
			t.Fatalf("%s: %s", what, a.payload)
		}
	}
	errorDoc("handler error", invoke("fails", "", "", "{}"), "Handler fails", uuidForm,
		`^  File "[^"]*functions\.py", line \d+, in fails\n    raise Exception\("Handler fails"\)\n$`)
	errorDoc("error at import", invoke("startup", "", "", "{}"), "Runtime startup fails", regexp.MustCompile(`^$`),
		`^  File "[^"]*startup\.py", line 1, in <module>\n    raise Exception\("Runtime startup fails"\)\n$`)

	a = invoke("sleeps", "", "", `{"wait": 2}`)
	if a.status != 200 || a.functionError != "Unhandled" || a.executedVersion != "$LATEST" {
		t.Fatalf("timeout: %+v", a)
	}
	m := jsonMembers(t, []byte(a.payload))
	if got := memberNames(m); !slices.Equal(got, []string{"errorMessage", "errorType"}) || string(m["errorType"]) != `"Sandbox.Timedout"` ||
		!regexp.MustCompile(`^"RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds"$`).Match(m["errorMessage"]) {
		t.Fatalf("timeout payload %s; recorded {errorType: Sandbox.Timedout, errorMessage: RequestId: <id> Error: Task timed out after 1.00 seconds}", a.payload)
	}

	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("doesnotexist")})
	wantExactError(t, err, "ResourceNotFoundException", "Function not found: "+fnARNPrefix+"doesnotexist:$LATEST")
}

// Recording: test_function_name_and_qualifier_validation (validated
// 2025-11-25), for GetFunction, DeleteFunction and Invoke: each refusal's
// code and its one error (the recording keeps the error of the
// "1 validation error detected" message, or the whole message).
func TestRecordedLambdaNameValidation(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	c := env.Lambda
	const pattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`
	badName := func(v string) string {
		return "1 validation error detected: Value '" + v + "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: " + pattern
	}
	const arn = "arn:aws:lambda:us-east-1:000000000000:function:my-function"
	cases := []struct {
		id, name, qualifier string
		code                string
		get, del, inv       string
	}{
		{id: "invalid_characters_in_function_name", name: "my-function!", code: "ValidationException"},
		{id: "function_name_is_single_invalid", name: "*", code: "ValidationException"},
		{id: "invalid_account_id_in_partial_arn", name: "invalid-account:function:my-function", code: "ValidationException"},
		{id: "missing_region_in_arn", name: "arn:aws:lambda::000000000000:function:my-function", code: "ValidationException"},
		{id: "missing_account_id_in_arn", name: "arn:aws:lambda:us-east-1::function:my-function", code: "ValidationException"},
		{id: "misspelled_latest_in_arn", name: arn + ":$LATES", code: "ValidationException"},
		{id: "partial_arn_with_extra_qualifier", name: "function:my-function:$LATEST:extra", code: "ValidationException"},
		{id: "invalid_characters_in_qualifier", name: "my-function", qualifier: "invalid!", code: "ValidationException",
			get: `1 validation error detected: Value 'invalid!' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+`},
		{id: "latest_version_with_additional_qualifier", name: arn + ":$LATEST", qualifier: "1", code: "InvalidParameterValueException",
			get: "The derived qualifier from the function name does not match the specified qualifier."},
		{id: "lowercase_latest_qualifier", name: arn, qualifier: "$latest", code: "ResourceNotFoundException",
			get: "Function not found: " + arn + ":$latest", del: "Function not found: " + arn, inv: "Function not found: " + arn + ":$latest"},
		{id: "incomplete_arn", name: "arn:aws:lambda:us-east-1:000000000000:function", code: "ResourceNotFoundException",
			get: "Function not found: arn:aws:lambda:us-east-1:000000000000:function:function", inv: "Function not found: arn:aws:lambda:us-east-1:000000000000:function:function:$LATEST"},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			get := tc.get
			if get == "" {
				get = badName(tc.name)
			}
			del, inv := tc.del, tc.inv
			if del == "" {
				del = get
			}
			if inv == "" {
				inv = get
			}
			var q *string
			if tc.qualifier != "" {
				q = aws.String(tc.qualifier)
			}
			_, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(tc.name), Qualifier: q})
			wantExactError(t, err, tc.code, get)
			_, err = c.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(tc.name), Qualifier: q})
			wantExactError(t, err, tc.code, del)
			_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(tc.name), Qualifier: q})
			wantExactError(t, err, tc.code, inv)
		})
	}
}

// Recording: test_list_functions (validated 2025-11-25): ListFunctions
// describes each function without State, LastUpdateStatus or
// RuntimeVersionConfig; with
// FunctionVersion ALL each version is listed with a qualified FunctionArn
// (here only $LATEST exists); an unknown FunctionVersion is refused.
func TestRecordedLambdaListFunctions(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	zipped := zipFiles(t, map[string]string{"handler.py": "testdata/pyenv/app.py"})
	for _, n := range []string{"fn-1", "fn-2"} {
		code, b := lambdaRaw(t, env, http.MethodPost, "", `{"FunctionName":"`+n+`","Runtime":"python3.12","Handler":"handler.handler",`+
			`"Role":"arn:aws:iam::000000000000:role/r","Timeout":30,"Environment":{"Variables":{}},"Code":{"ZipFile":"`+base64.StdEncoding.EncodeToString(zipped)+`"}}`)
		if code != http.StatusCreated {
			t.Fatalf("CreateFunction: %d %s", code, b)
		}
	}
	members := []string{"Architectures", "CodeSha256", "CodeSize", "Description", "Environment", "EphemeralStorage", "FunctionArn", "FunctionName",
		"Handler", "LastModified", "LoggingConfig", "MemorySize", "PackageType", "RevisionId", "Role", "Runtime", "SnapStart", "Timeout",
		"TracingConfig", "Version"}
	for _, q := range []string{"", "?FunctionVersion=ALL"} {
		code, b := lambdaRaw(t, env, http.MethodGet, "/"+q, "")
		if code != http.StatusOK {
			t.Fatalf("ListFunctions%s: %d %s", q, code, b)
		}
		var l []map[string]json.RawMessage
		_ = json.Unmarshal(jsonMembers(t, b)["Functions"], &l)
		if len(l) != 2 {
			t.Fatalf("ListFunctions%s: %d functions", q, len(l))
		}
		for i, f := range l {
			if got := memberNames(f); !slices.Equal(got, members) {
				t.Fatalf("ListFunctions%s: members %v, recorded %v", q, got, members)
			}
			want := fnARNPrefix + []string{"fn-1", "fn-2"}[i]
			if q != "" {
				want += ":$LATEST"
			}
			if string(f["FunctionArn"]) != mustJSON(want) || string(f["Version"]) != `"$LATEST"` || string(f["Environment"]) != `{"Variables":{}}` {
				t.Fatalf("ListFunctions%s: %s", q, mustJSON(f))
			}
		}
	}
	_, err := env.Lambda.ListFunctions(context.Background(), &lambda.ListFunctionsInput{FunctionVersion: "invalid"})
	wantExactError(t, err, "ValidationException", "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]")
}

// Recordings: test_large_environment_variables_fails (validated
// 2025-11-25) and test_lambda_envvars_near_limit_succeeds (2025-11-25): an
// Environment whose JSON is 4,097 bytes is refused, quoting it; one of
// 4,096 bytes is accepted and echoed.
func TestRecordedLambdaEnvironmentLimit(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	zipped := zipFiles(t, map[string]string{"handler.py": "testdata/pyenv/app.py"})
	create := func(name string, vars map[string]string) (*lambda.CreateFunctionOutput, error) {
		return env.Lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: ltypes.RuntimePython312,
			Handler: aws.String("handler.handler"), Role: aws.String("arn:aws:iam::000000000000:role/r"), Code: &ltypes.FunctionCode{ZipFile: zipped},
			Environment: &ltypes.Environment{Variables: vars}})
	}
	big := strings.Repeat("x", 4097-len(`{"LARGE_VAR":""}`))
	_, err := create("too-large", map[string]string{"LARGE_VAR": big})
	wantExactError(t, err, "InvalidParameterValueException", `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {"LARGE_VAR":"`+big+`"}`)
	out, err := create("near-limit", map[string]string{"LARGE_VAR": big[1:]})
	if err != nil || len(out.Environment.Variables["LARGE_VAR"]) != 4080 {
		t.Fatalf("4,096 bytes of environment: %v; recorded: accepted", err)
	}

	// test_large_environment_fails_multiple_keys (validated 2025-11-25):
	// the quoted string keeps the variables in the request's order
	// (SMALL_VAR, then LARGE_VAR, as boto3 sent them). The SDK for Go
	// sends a map in no set order, so the request is sent as boto3 sends
	// it.
	large := strings.Repeat("x", 4064)
	code, b := lambdaRaw(t, env, http.MethodPost, "", `{"FunctionName":"multi-key","Runtime":"python3.12","Handler":"handler.handler",`+
		`"Role":"arn:aws:iam::000000000000:role/r","Environment":{"Variables":{"SMALL_VAR":"ok","LARGE_VAR":"`+large+`"}},"Code":{"ZipFile":"`+
		echoZip(t, "def handler(event, context):\n    return event\n")+`"}}`)
	var e struct{ Type, Message string }
	if code != http.StatusBadRequest || json.Unmarshal(b, &e) != nil || e.Message != `Lambda was unable to configure your environment variables because `+
		`the environment variables you have provided exceeded the 4KB limit. String measured: {"SMALL_VAR":"ok","LARGE_VAR":"`+large+`"}` {
		t.Fatalf("CreateFunction with 4,097 bytes of environment in two keys: %d %s", code, b)
	}
}

// storedZip is a deployment package holding handler.py (an echo function)
// padded with '#' to size bytes, stored without compression, as Python's
// zipfile writes by default (LocalStack's create_lambda_archive).
func storedZip(t *testing.T, size int) []byte {
	t.Helper()
	code := []byte("def handler(event, context):\n    return event\n")
	code = append(code, bytes.Repeat([]byte("#"), size-len(code))...)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "handler.py", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(code)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wantStatus checks the HTTP status of an SDK error.
func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%v: want HTTP status %d", err, status)
	}
}

// Recordings: test_oversized_zipped_create_lambda (validated 2025-11-25):
// a zip of just over 52,428,800 bytes sent in CreateFunction is refused
// with 413 RequestEntityTooLargeException "Zipped size must be smaller
// than 52428800 bytes" (its request, about 69.9 MB of JSON, is within
// the request limit); test_oversized_request_create_lambda (validated
// 2025-11-25): a zip 1,024 bytes under that and an environment variable
// of 18,786,987 bytes make a request over the limit: 413
// RequestEntityTooLargeException "Request must be smaller than 70167211
// bytes for the CreateFunction operation".
func TestRecordedLambdaSizeLimits(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	const zipped, request = 52428800, 70167211
	create := func(zip []byte, vars map[string]string) error {
		_, err := env.Lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("big"), Runtime: ltypes.RuntimePython312,
			Handler: aws.String("handler.handler"), Role: aws.String("arn:aws:iam::000000000000:role/r"), Code: &ltypes.FunctionCode{ZipFile: zip},
			Timeout: aws.Int32(10), Environment: &ltypes.Environment{Variables: vars}})
		return err
	}
	err := create(storedZip(t, zipped), nil)
	wantExactError(t, err, "RequestEntityTooLargeException", "Zipped size must be smaller than 52428800 bytes")
	wantStatus(t, err, http.StatusRequestEntityTooLarge)

	err = create(storedZip(t, zipped-1024), map[string]string{"largeKey": strings.Repeat("#", request-zipped+1024*1024)})
	wantExactError(t, err, "RequestEntityTooLargeException", "Request must be smaller than 70167211 bytes for the CreateFunction operation")
	wantStatus(t, err, http.StatusRequestEntityTooLarge)
}
