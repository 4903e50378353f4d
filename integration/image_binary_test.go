package integration_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// The binary run the way the default Docker image runs it, for machines
// where scripts/verify-image.sh (which runs the image itself) cannot run:
// a Python and a Node function from read-only directories, registered with
// FIREHOSE_LOCAL_FUNCTIONS, state with --data-dir, a record through each into
// S3, the HEALTHCHECK command, SIGTERM, and a restart on the same data
// directory with the functions given by --function instead.
func TestBinaryAsTheImageRunsIt(t *testing.T) {
	testtool.LookPath(t, "python3", "apt-get install python3")
	testtool.LookPath(t, "node", "apt-get install nodejs")
	functions := t.TempDir()
	for _, f := range []struct{ dir, src string }{
		{"upper", "testdata/pytransform/app.py"},
		{"upperjs", "testdata/nodetransform/index.mjs"},
	} {
		b, err := os.ReadFile(f.src)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(functions, f.dir)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f.src)), b, 0o444); err != nil {
			t.Fatal(err)
		}
		// Read-only, as `-v ./transform:/functions/upper:ro` mounts it.
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	}
	dataDir := t.TempDir()
	python := "upper=" + filepath.Join(functions, "upper") + ":python3.12:app.handler"
	node := "upperjs=" + filepath.Join(functions, "upperjs") + ":nodejs20.x:index.handler"
	// Configuration from the environment alone, as a CI service container
	// has it (the flag would win over the variable).
	p := startBinary(t, []string{"FIREHOSE_LOCAL_FUNCTIONS=" + python + ";" + node}, "--data-dir", dataDir)

	ctx := context.Background()
	cfg := emulatortest.Config(p.url, "us-east-1")
	fh := firehose.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ stream, fn string }{{"py", "upper"}, {"js", "upperjs"}} {
		d := transformDest(fnARNPrefix+s.fn, "0")
		d.Prefix = aws.String(s.stream + "/")
		createStream(t, fh, s.stream, d)
		putBatch(t, fh, s.stream, []byte("hello from "+s.stream+"\n"))
	}
	resp, err := http.Post(p.url+"/_local/flush", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("flush: %s", resp.Status)
	}
	// read returns every object's key and body, sorted by key.
	read := func() string {
		t.Helper()
		list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("deliveries")})
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, o := range list.Contents {
			get, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("deliveries"), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(get.Body)
			get.Body.Close()
			prefix, _, _ := strings.Cut(aws.ToString(o.Key), "/")
			all = append(all, prefix+": "+string(b))
		}
		sort.Strings(all)
		return strings.Join(all, "")
	}
	const want = "js: HELLO FROM JS\npy: HELLO FROM PY\n"
	if got := read(); got != want {
		t.Fatalf("objects: %q, want %q", got, want)
	}

	// The image's HEALTHCHECK: `firehose-local health`, its endpoint from
	// FIREHOSE_LOCAL_ENDPOINT.
	health := exec.Command(firehoseBinary(t), "health")
	health.Env = []string{"PATH=" + os.Getenv("PATH"), "FIREHOSE_LOCAL_ENDPOINT=" + p.url}
	if out, err := health.CombinedOutput(); err != nil || !strings.Contains(string(out), `"status":"ok"`) {
		t.Fatalf("firehose-local health: %v: %s", err, out)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d after SIGTERM: %s", code, p.stderr)
	}
	for _, line := range []string{"transformed 1 records for upper", "transformed 1 records in upperjs"} {
		if !strings.Contains(p.stderr.String(), line) {
			t.Errorf("%q not in the log:\n%s", line, p.stderr)
		}
	}

	// A new process on the same data directory, as a new container on the
	// same named volume, the functions given with --function: the streams
	// and the objects are there.
	p2 := startBinary(t, nil, "--data-dir", dataDir, "--function", python, "--function", node)
	cfg = emulatortest.Config(p2.url, "us-east-1")
	fh = firehose.NewFromConfig(cfg)
	s3c = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	list, err := fh.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(list.DeliveryStreamNames, " "); got != "js py" {
		t.Fatalf("streams after the restart: %q", got)
	}
	if got := read(); got != want {
		t.Fatalf("objects after the restart: %q, want %q", got, want)
	}
	if code := p2.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d after SIGTERM: %s", code, p2.stderr)
	}
}
