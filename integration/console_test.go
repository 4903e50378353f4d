package integration_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

var tickerRecord = regexp.MustCompile(`^\{"ticker_symbol":"[A-Z]+","sector":"[A-Z]+","change":-?\d+\.\d\d,"price":\d+\.\d\d\}$`)

// `firehose-local demo` sends ticker records through the API of a running
// server; after a flush they are in S3, one JSON object per line.
func TestConsoleDemoCommand(t *testing.T) {
	p := startBinary(t, nil)
	cfg := emulatortest.Config(p.url, "us-east-1")
	fh := firehose.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("deliveries")}); err != nil {
		t.Fatal(err)
	}
	createStream(t, fh, "ticker", s3Dest())

	cmd := exec.Command(firehoseBinary(t), "demo", "--stream", "ticker", "--rate", "50", "--duration", "1s", "--endpoint", p.url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	if want := "firehose-local demo: sent 50 records to ticker in 1s (50.0 records/s); 0 failed"; !strings.Contains(stdout.String(), want) {
		t.Fatalf("summary %q, want %q", stdout.String(), want)
	}

	out, err := exec.Command(firehoseBinary(t), "flush", "--stream", "ticker", "--endpoint", p.url).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"objects":1`) {
		t.Fatalf("flush: %v %s", err, out)
	}
	list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("deliveries")})
	if err != nil || len(list.Contents) != 1 {
		t.Fatalf("objects: %v %v", list, err)
	}
	get, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("deliveries"), Key: list.Contents[0].Key})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d records delivered, want 50", len(lines))
	}
	for _, l := range lines {
		if !tickerRecord.MatchString(l) {
			t.Fatalf("record %q", l)
		}
	}

	// A stream that does not exist: exit 1 at once, saying so.
	cmd = exec.Command(firehoseBinary(t), "demo", "--stream", "nope", "--endpoint", p.url)
	out, _ = cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "no delivery stream named nope") {
		t.Fatalf("missing stream: exit %d: %s", cmd.ProcessState.ExitCode(), out)
	}
}

// TestConsoleBrowser drives the console in headless Chromium
// (integration/browser/console.mjs with playwright-core): create a stream
// with the form, send demo data, stop it, flush, browse S3 to the object and
// find a ticker record in its preview, one line per record, and switch to
// the pretty-printed view and back. It saves a screenshot in a temporary
// directory; FIREHOSE_LOCAL_UPDATE_SCREENSHOT=1 writes it to
// docs/console.png instead, to update the documentation's picture on
// purpose.
func TestConsoleBrowser(t *testing.T) {
	node, chromium := requireBrowser(t)
	env := emulatortest.New(t, emulator.Config{})
	screenshot := filepath.Join(t.TempDir(), "console.png")
	if os.Getenv("FIREHOSE_LOCAL_UPDATE_SCREENSHOT") == "1" {
		var err error
		if screenshot, err = filepath.Abs(filepath.Join("..", "docs", "console.png")); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "console.mjs", env.URL, screenshot)
	cmd.Dir = "browser"
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("console.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("the browser run failed: %v", err)
	}
	if !strings.Contains(string(out), "ok: ") {
		t.Fatal("console.mjs did not report success")
	}
	png, err := os.ReadFile(screenshot)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s: %v", screenshot, err)
	}
}

// TestConsoleLineageBrowser drives the console's record lineage views in
// headless Chromium (integration/browser/lineage.mjs): records put through
// a Lambda transform, traced from the search box to their object, from the
// object and from the Lambda page to their invocation and records; and the
// Lambda page's log, opened, spans the table without resizing its columns.
func TestConsoleLineageBrowser(t *testing.T) {
	node, chromium := requireBrowser(t)
	env := newEnv(t, emulator.Config{})
	pythonTransform(t, env, "upper", nil)
	createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"upper", "0"))
	ids := putIDs(t, env.Firehose, "s", "a\n", "drop me\n", "fail me\n")
	env.Flush(t, "s")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{"lineage.mjs", env.URL}, ids...)...)
	cmd.Dir = "browser"
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("lineage.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("the browser run failed: %v", err)
	}
	if !strings.Contains(string(out), "ok: lineage views") {
		t.Fatal("lineage.mjs did not report success")
	}
}

// requireBrowser returns node and Chromium for the tests that drive a
// browser with integration/browser's playwright-core. Without them the
// test is skipped, unless FIREHOSE_LOCAL_REQUIRE_TOOLS=1 (as in CI),
// which makes a missing piece a failure.
func requireBrowser(t *testing.T) (node, chromium string) {
	t.Helper()
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium+" (apt-get install chromium)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(filepath.Join("browser", "node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "integration/browser/node_modules (npm ci --prefix integration/browser)")
	}
	if len(missing) > 0 {
		testtool.Missing(t, strings.Join(missing, ", "), "")
	}
	return node, chromium
}
