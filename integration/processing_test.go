package integration_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

const fnARNPrefix = "arn:aws:lambda:us-east-1:000000000000:function:"

// zipFiles builds a deployment package; mode 0755 marks executables.
func zipFiles(t *testing.T, files map[string]string, exec ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o644)
		for _, e := range exec {
			if e == name {
				h.SetMode(0o755)
			}
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	goTransformOnce sync.Once
	goTransformPath string
	goTransformErr  error
)

// goTransform builds testdata/gotransform, an aws-lambda-go handler, as a
// Linux bootstrap.
func goTransform(t *testing.T) string {
	t.Helper()
	goTransformOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gotransform")
		if err != nil {
			goTransformErr = err
			return
		}
		goTransformPath = filepath.Join(dir, "bootstrap")
		cmd := exec.Command("go", "build", "-o", goTransformPath, "./testdata/gotransform")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			goTransformErr = err
			goTransformPath = string(out)
		}
	})
	if goTransformErr != nil {
		t.Fatalf("building the Go transform: %v\n%s", goTransformErr, goTransformPath)
	}
	return goTransformPath
}

func createFunction(t *testing.T, env *emulatortest.Env, name, runtime, handler string, zipped []byte, vars map[string]string) {
	t.Helper()
	in := &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: ltypes.Runtime(runtime), Handler: aws.String(handler),
		Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Code: &ltypes.FunctionCode{ZipFile: zipped},
		Timeout: aws.Int32(10),
	}
	if vars != nil {
		in.Environment = &ltypes.Environment{Variables: vars}
	}
	if _, err := env.Lambda.CreateFunction(context.Background(), in); err != nil {
		t.Fatalf("CreateFunction %s: %v", name, err)
	}
}

func pythonTransform(t *testing.T, env *emulatortest.Env, name string, vars map[string]string) {
	createFunction(t, env, name, "python3.12", "app.handler", zipFiles(t, map[string]string{"app.py": "testdata/pytransform/app.py"}), vars)
}

// transformDest is an S3 destination with a Lambda processor.
func transformDest(fn string, retries string) *types.ExtendedS3DestinationConfiguration {
	d := s3Dest()
	d.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
	d.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
		Type: types.ProcessorTypeLambda,
		Parameters: []types.ProcessorParameter{
			{ParameterName: types.ProcessorParameterNameLambdaArn, ParameterValue: aws.String(fn)},
			{ParameterName: types.ProcessorParameterNameLambdaNumberOfRetries, ParameterValue: aws.String(retries)},
			{ParameterName: types.ProcessorParameterNameBufferSizeInMb, ParameterValue: aws.String("1")},
			{ParameterName: types.ProcessorParameterNameBufferIntervalInSeconds, ParameterValue: aws.String("60")},
		}}}}
	return d
}

type errorDoc struct {
	RawData                string `json:"rawData"`
	ErrorCode              string `json:"errorCode"`
	ErrorMessage           string `json:"errorMessage"`
	AttemptsMade           int    `json:"attemptsMade"`
	ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
	AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
	LambdaARN              string `json:"lambdaARN"`
}

// split separates data objects from error documents.
func split(t *testing.T, objs []object) (data string, errs []errorDoc, errKeys []string) {
	t.Helper()
	for _, o := range objs {
		if strings.HasPrefix(o.key, "errors/") {
			errKeys = append(errKeys, o.key)
			for _, line := range strings.Split(strings.TrimSuffix(string(o.body), "\n"), "\n") {
				var d errorDoc
				if err := json.Unmarshal([]byte(line), &d); err != nil {
					t.Fatalf("error document %q: %v", line, err)
				}
				errs = append(errs, d)
			}
			continue
		}
		data += string(o.body)
	}
	return data, errs, errKeys
}

func rawOf(t *testing.T, d errorDoc) string {
	b, err := base64.StdEncoding.DecodeString(d.RawData)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The result contract, with real handlers in each language: Ok records are
// delivered transformed and in order, Dropped ones vanish, ProcessingFailed
// ones become error documents with their original data.
func TestTransformResultsEachRuntime(t *testing.T) {
	runtimes := []struct {
		name, runtime, handler string
		zip                    func(t *testing.T) []byte
	}{
		{"go", "provided.al2023", "bootstrap", func(t *testing.T) []byte {
			return zipFiles(t, map[string]string{"bootstrap": goTransform(t)}, "bootstrap")
		}},
		{"python", "python3.12", "app.handler", func(t *testing.T) []byte {
			return zipFiles(t, map[string]string{"app.py": "testdata/pytransform/app.py"})
		}},
		{"node", "nodejs20.x", "index.handler", func(t *testing.T) []byte {
			return zipFiles(t, map[string]string{"index.mjs": "testdata/nodetransform/index.mjs"})
		}},
	}
	for _, rt := range runtimes {
		t.Run(rt.name, func(t *testing.T) {
			clock := emulator.NewFakeClock(t0)
			env := newEnv(t, emulator.Config{Clock: clock})
			createFunction(t, env, "upper", rt.runtime, rt.handler, rt.zip(t), nil)
			createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"upper", "3"))
			putBatch(t, env.Firehose, "s", []byte("a\n"), []byte("drop me\n"), []byte("fail me\n"))
			clock.Advance(10 * time.Second)
			putBatch(t, env.Firehose, "s", []byte("b\n"))
			env.Flush(t, "s")
			data, errs, errKeys := split(t, objects(t, env, "deliveries"))
			if data != "A\nB\n" {
				t.Fatalf("delivered %q, want %q", data, "A\nB\n")
			}
			if len(errs) != 1 || rawOf(t, errs[0]) != "fail me\n" || errs[0].ErrorCode != "Lambda.ProcessingFailedStatus" ||
				errs[0].ErrorMessage != "ProcessingFailed status set for record" || errs[0].AttemptsMade != 1 ||
				errs[0].LambdaARN != fnARNPrefix+"upper" || errs[0].ArrivalTimestamp != t0.UnixMilli() {
				t.Fatalf("error documents = %+v", errs)
			}
			if !strings.HasPrefix(errKeys[0], "errors/processing-failed/s-1-2026-11-25-10-30-15-") {
				t.Fatalf("error object key %q", errKeys[0])
			}
		})
	}
}

// Every way a function's answer can break the contract sends the whole
// batch to the error output with Firehose's error code.
func TestTransformResponseValidation(t *testing.T) {
	cases := []struct{ mode, code string }{
		{"missing", "Lambda.MissingRecordId"},
		{"duplicate", "Lambda.DuplicatedRecordId"},
		{"extra", "Lambda.JsonProcessingException"},
		{"badb64", "Lambda.JsonProcessingException"},
		{"badresult", "Lambda.JsonProcessingException"},
		{"nonjson", "Lambda.JsonProcessingException"},
		{"oversize", "Lambda.FunctionError"},
		{"raise", "Lambda.FunctionError"},
	}
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	pythonTransform(t, env, "py", nil)
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			stream := "s-" + c.mode
			createStream(t, env.Firehose, stream, transformDest(fnARNPrefix+"py", "0"))
			putBatch(t, env.Firehose, stream, []byte("mode:"+c.mode), []byte("x\n"))
			env.Flush(t, stream)
			var mine []object
			for _, o := range objects(t, env, "deliveries") {
				if strings.Contains(o.key, "/"+stream+"-") {
					mine = append(mine, o)
				}
			}
			data, errs, _ := split(t, mine)
			if data != "" || len(errs) != 2 {
				t.Fatalf("data %q, %d error documents; want none and 2", data, len(errs))
			}
			for _, d := range errs {
				if d.ErrorCode != c.code || d.AttemptsMade != 1 {
					t.Fatalf("error document %+v, want code %s after 1 attempt", d, c.code)
				}
			}
			if rawOf(t, errs[0]) != "mode:"+c.mode || rawOf(t, errs[1]) != "x\n" {
				t.Fatalf("rawData not the original records: %+v", errs)
			}
		})
	}
}

// A failed invocation is retried NumberOfRetries times, counted exactly,
// before the batch goes to the error output.
func TestTransformRetriesCounted(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	countFile := filepath.Join(t.TempDir(), "count")
	pythonTransform(t, env, "counted", map[string]string{"COUNT_FILE": countFile})
	createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"counted", "2"))
	putBatch(t, env.Firehose, "s", []byte("mode:count"))
	env.Flush(t, "s")
	b, _ := os.ReadFile(countFile)
	if string(b) != "xxx" {
		t.Fatalf("function invoked %d times, want 3 (1 + NumberOfRetries 2)", len(b))
	}
	_, errs, _ := split(t, objects(t, env, "deliveries"))
	if len(errs) != 1 || errs[0].ErrorCode != "Lambda.FunctionError" || errs[0].AttemptsMade != 3 ||
		errs[0].ErrorMessage != "The Lambda function was successfully invoked but it returned an error result." {
		t.Fatalf("error documents = %+v", errs)
	}
}

// A LambdaArn that does not resolve is a processing failure, as on AWS.
func TestTransformFunctionNotFound(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"nobody", "1"))
	putBatch(t, env.Firehose, "s", []byte("lost?\n"))
	env.Flush(t, "s")
	data, errs, _ := split(t, objects(t, env, "deliveries"))
	if data != "" || len(errs) != 1 || errs[0].ErrorCode != "Lambda.ResourceNotFound" || errs[0].AttemptsMade != 2 || rawOf(t, errs[0]) != "lost?\n" {
		t.Fatalf("data %q, error documents %+v", data, errs)
	}
}

// The processor buffers by its own interval, in front of the destination.
func TestTransformProcessorInterval(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	pythonTransform(t, env, "py", nil)
	dest := transformDest(fnARNPrefix+"py", "0")
	dest.BufferingHints = hints(1, 60)
	createStream(t, env.Firehose, "s", dest)
	putBatch(t, env.Firehose, "s", []byte("late\n"))
	clock.Advance(59 * time.Second)
	waitDelivered(t, env)
	clock.Advance(time.Second) // the processor's 60 s: the function runs
	waitDelivered(t, env)
	if objs := objects(t, env, "deliveries"); len(objs) != 0 {
		t.Fatalf("delivered before the destination interval: %v", objs[0].key)
	}
	clock.Advance(60 * time.Second) // the destination's 60 s
	waitDelivered(t, env)
	data, _, _ := split(t, objects(t, env, "deliveries"))
	if data != "LATE\n" {
		t.Fatalf("delivered %q", data)
	}
}

func TestTransformGoPanicIsAFunctionError(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	createFunction(t, env, "gopanic", "provided.al2023", "bootstrap", zipFiles(t, map[string]string{"bootstrap": goTransform(t)}, "bootstrap"), nil)
	createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"gopanic", "1"))
	putBatch(t, env.Firehose, "s", []byte("panic now"))
	env.Flush(t, "s")
	_, errs, _ := split(t, objects(t, env, "deliveries"))
	if len(errs) != 1 || errs[0].ErrorCode != "Lambda.FunctionError" || errs[0].AttemptsMade != 2 {
		t.Fatalf("error documents = %+v", errs)
	}
	// The function still works afterwards (its process was replaced).
	putBatch(t, env.Firehose, "s", []byte("fine\n"))
	env.Flush(t, "s")
	data, _, _ := split(t, objects(t, env, "deliveries"))
	if data != "FINE\n" {
		t.Fatalf("after the panic: delivered %q", data)
	}
}

// Transformed records keep their arrival times: the object key's hour and
// timestamp are the first record's arrival, not the time the function ran
// (a build that stamped the processing time once went unnoticed).
func TestTransformedRecordsKeepArrivalTimes(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	pythonTransform(t, env, "py", nil)
	createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"py", "0"))
	putBatch(t, env.Firehose, "s", []byte("a\n"))
	clock.Advance(2*time.Hour + 7*time.Minute) // processed and delivered in another hour
	putBatch(t, env.Firehose, "s", []byte("b\n"))
	env.Flush(t, "s")
	objs := objects(t, env, "deliveries")
	if len(objs) != 1 {
		t.Fatalf("%d objects, want 1", len(objs))
	}
	want := t0.UTC().Format("2006/01/02/15/") + "s-1-" + t0.UTC().Format("2006-01-02-15-04-05-")
	if !strings.HasPrefix(objs[0].key, want) {
		t.Fatalf("object key %q, want the first arrival's: %s…", objs[0].key, want)
	}
	if data, _, _ := split(t, objs); data != "A\nB\n" {
		t.Fatalf("delivered %q", data)
	}
}

// A function that runs past its timeout is Firehose's timeout failure; a
// function whose own error message merely reads like one is a function
// error (the runner reports the kind of failure, its text is not parsed).
func TestTransformTimeoutIsTypedNotParsed(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	pythonTransform(t, env, "py", nil)
	if _, err := env.Lambda.UpdateFunctionConfiguration(context.Background(), &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("py"), Timeout: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	for mode, want := range map[string]string{
		"sleep":     "Firehose encountered timeout errors when calling AWS Lambda. The maximum supported function timeout is 5 minutes.",
		"lookalike": "The Lambda function was successfully invoked but it returned an error result.",
	} {
		stream := "s-" + mode
		createStream(t, env.Firehose, stream, transformDest(fnARNPrefix+"py", "0"))
		putBatch(t, env.Firehose, stream, []byte("mode:"+mode))
		env.Flush(t, stream)
		var mine []object
		for _, o := range objects(t, env, "deliveries") {
			if strings.Contains(o.key, "/"+stream+"-") {
				mine = append(mine, o)
			}
		}
		_, errs, _ := split(t, mine)
		if len(errs) != 1 || errs[0].ErrorCode != "Lambda.FunctionError" || errs[0].ErrorMessage != want {
			t.Errorf("%s: error documents %+v, want Lambda.FunctionError %q", mode, errs, want)
		}
	}
}
