package integration_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// tree lists every path under root, relative to it.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// apiCode is the error code of an SDK error ("" if none).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Names that look like paths (../, absolute, NUL bytes, very long) never
// make anything be written outside --data-dir: function names and regions
// are refused with Lambda's errors, zip entries refuse the package, and S3
// keys are only keys (stored and read back verbatim, or refused as too long).
func TestNamesCannotEscapeDataDir(t *testing.T) {
	parent := t.TempDir()
	dataDir := filepath.Join(parent, "data")
	if err := os.MkdirAll(filepath.Join(parent, "outside"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := emulatortest.New(t, emulator.Config{DataDir: dataDir})
	ctx := context.Background()
	role := aws.String("arn:aws:iam::000000000000:role/lambda")
	code := zipFiles(t, map[string]string{"app.py": "testdata/pyenv/app.py"})

	long := strings.Repeat("a", 300)
	t.Run("function names", func(t *testing.T) {
		for _, name := range []string{"../outside/evil", "..", ".", "a/../../b", "/tmp/evil", "evil\x00", "a\\..\\b",
			long, "arn:aws:lambda:us-east-1:000000000000:function:../x", "arn:aws:lambda:../..:000000000000:function:x"} {
			_, err := env.Lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name),
				Runtime: ltypes.RuntimePython312, Handler: aws.String("app.handler"), Role: role,
				Code: &ltypes.FunctionCode{ZipFile: code}})
			if c := apiCode(err); c != "ValidationException" && c != "InvalidParameterValueException" {
				t.Errorf("CreateFunction %q: %v", name, err)
			}
			_, err = env.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
			if c := apiCode(err); c != "ValidationException" && c != "ResourceNotFoundException" && c != "InvalidParameterValueException" {
				t.Errorf("GetFunction %q: %v", name, err)
			}
		}
	})

	t.Run("region from the signature", func(t *testing.T) {
		for _, region := range []string{"..", ".", "%2e%2e", "a..b", long} {
			req, _ := http.NewRequest("GET", env.URL+"/2015-03-31/functions/", nil)
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/"+region+"/lambda/aws4_request, SignedHeaders=host, Signature=0")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidParameterValueException" {
				t.Errorf("region %q: %d %s", region, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
			}
		}
	})

	t.Run("zip entries", func(t *testing.T) {
		for _, entry := range []string{"../outside/evil.py", "../../evil.py", "/tmp/evil.py", "a/../../evil.py",
			"evil\x00.py", `..\evil.py`, "C:/evil.py", strings.Repeat("d", 5000) + ".py"} {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			w, err := zw.Create(entry)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write([]byte("x = 1\n"))
			_ = zw.Close()
			_, err = env.Lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("zipped"),
				Runtime: ltypes.RuntimePython312, Handler: aws.String("app.handler"), Role: role,
				Code: &ltypes.FunctionCode{ZipFile: buf.Bytes()}})
			if apiCode(err) != "InvalidParameterValueException" || !strings.Contains(err.Error(), "Could not unzip uploaded file") {
				t.Errorf("entry %.40q: %v", entry, err)
			}
		}
	})

	t.Run("s3 keys", func(t *testing.T) {
		if _, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("keys")}); err != nil {
			t.Fatal(err)
		}
		keys := []string{"../../outside/evil", "../" + strings.Repeat("../", 20) + "etc/passwd", "/abs/path", "//double",
			"a\x00b", "..", ".", "%2e%2e/x", `..\..\win`, strings.Repeat("k", 1024)}
		for _, key := range keys {
			body := []byte("content of " + key)
			if _, err := env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("keys"), Key: aws.String(key),
				Body: bytes.NewReader(body)}); err != nil {
				t.Errorf("PutObject %.40q: %v", key, err)
				continue
			}
			out, err := env.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("keys"), Key: aws.String(key)})
			if err != nil {
				t.Errorf("GetObject %.40q: %v", key, err)
				continue
			}
			got, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if !bytes.Equal(got, body) {
				t.Errorf("GetObject %.40q = %q", key, got)
			}
		}
		list, err := env.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("keys")})
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, o := range list.Contents {
			listed = append(listed, aws.ToString(o.Key))
		}
		for _, key := range keys {
			// XML cannot carry a NUL: the listing shows U+FFFD in its place
			// (S3 lists such keys only with encoding-type=url).
			key = strings.ReplaceAll(key, "\x00", "\uFFFD")
			if !slices.Contains(listed, key) {
				t.Errorf("key %.40q not listed verbatim: %.200q", key, listed)
			}
		}
		_, err = env.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("keys"), Key: aws.String(strings.Repeat("k", 1025)),
			Body: strings.NewReader("x")})
		if apiCode(err) != "KeyTooLongError" {
			t.Errorf("1025-byte key: %v", err)
		}
		for _, bucket := range []string{"..", "a..b", long, "UPPER", "a\x00b"} {
			_, err := env.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
			if apiCode(err) != "InvalidBucketName" {
				t.Errorf("bucket %.40q: %v", bucket, err)
			}
		}
		_, err = env.S3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("keys"),
			Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("../../outside")}}}})
		if err != nil {
			t.Errorf("DeleteObjects: %v", err)
		}
	})

	t.Run("log groups", func(t *testing.T) {
		logs := cloudwatchlogs.NewFromConfig(env.AWS)
		// The model allows dots and slashes in log group names.
		if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("../../outside/group")}); err != nil {
			t.Fatal(err)
		}
		if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("../../outside/group"),
			LogStreamName: aws.String("../stream")}); err != nil {
			t.Fatal(err)
		}
	})

	if got := tree(t, filepath.Join(parent, "outside")); len(got) != 1 {
		t.Fatalf("files appeared outside the data directory: %v", got)
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "data" && e.Name() != "outside" {
			t.Errorf("%s appeared next to the data directory", e.Name())
		}
	}
	for _, p := range tree(t, dataDir) {
		if strings.Contains(p, "evil") || strings.Contains(p, "outside") {
			t.Errorf("a name became a path in the data directory: %s", p)
		}
	}
}
