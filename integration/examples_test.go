package integration_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.yaml.in/yaml/v3"

	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// The examples under examples/ run here against the built binary: the
// pytest and Vitest suites as they are, the compose file and the GitHub
// Actions workflow (no Docker engine or GitHub here) parsed, their
// firehose-local service's environment given to the binary, their health
// check run, and their application's commands run against it.

// examplePython is a python3 that has both boto3 and pytest: the one on
// PATH, or Debian's (python3-pytest and python3-boto3 install there).
func examplePython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(py); err == nil && exec.Command(p, "-c", "import boto3, pytest").Run() == nil {
			return p
		}
	}
	testtool.Missing(t, "a python3 with boto3 and pytest", "apt-get install python3-boto3 python3-pytest")
	return ""
}

func TestExamplePytest(t *testing.T) {
	python := examplePython(t)
	cmd := exec.Command(python, "-m", "pytest", "-v", "-p", "no:cacheprovider", "examples/pytest")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "FIREHOSE_LOCAL_BIN="+firehoseBinary(t), "PYTHONDONTWRITEBYTECODE=1") // no __pycache__ in the work tree
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pytest: %v\n%s", err, out)
	}
	// Both tests ran (none skipped or deselected).
	if !strings.Contains(string(out), "2 passed") || strings.Contains(string(out), "skipped") {
		t.Fatalf("pytest did not pass both tests:\n%s", out)
	}
}

func TestExampleVitest(t *testing.T) {
	npx := testtool.LookPath(t, "npx", "apt-get install nodejs npm")
	dir := filepath.Join("..", "examples", "vitest")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "vitest", "package.json")); err != nil {
		testtool.Missing(t, "examples/vitest/node_modules", "npm ci --prefix examples/vitest")
	}
	cmd := exec.Command(npx, "--no-install", "vitest", "run")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FIREHOSE_LOCAL_BIN="+firehoseBinary(t), "CI=1", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("vitest: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`Tests\s+2 passed \(2\)`).Match(out) {
		t.Fatalf("vitest did not pass both tests:\n%s", out)
	}
}

// serviceUnderTest starts the binary with a container's environment, the
// listen address replaced by a free loopback port, and no arguments (a
// GitHub Actions service takes none; the compose file gives none). Then it
// checks that every bucket and delivery stream of FIREHOSE_LOCAL_INIT exists.
func serviceUnderTest(t *testing.T, env map[string]string) *proc {
	t.Helper()
	var vars []string
	for k, v := range env {
		if !strings.HasPrefix(k, "FIREHOSE_LOCAL_") {
			t.Fatalf("service variable %s: not firehose-local's", k)
		}
		if k != "FIREHOSE_LOCAL_LISTEN" {
			vars = append(vars, k+"="+v)
		}
	}
	if env["FIREHOSE_LOCAL_INIT"] == "" {
		t.Fatal("the service has no FIREHOSE_LOCAL_INIT")
	}
	sort.Strings(vars)
	p := startBinaryArgs(t, append(vars, "FIREHOSE_LOCAL_LISTEN=127.0.0.1:0"))

	var init struct {
		Buckets         []struct{ Bucket string }
		DeliveryStreams []struct{ DeliveryStreamName string }
	}
	if err := json.Unmarshal([]byte(env["FIREHOSE_LOCAL_INIT"]), &init); err != nil {
		t.Fatalf("FIREHOSE_LOCAL_INIT: %v", err)
	}
	if len(init.Buckets) == 0 || len(init.DeliveryStreams) == 0 {
		t.Fatalf("FIREHOSE_LOCAL_INIT declares no bucket or no delivery stream: %+v", init)
	}
	region := env["FIREHOSE_LOCAL_REGION"]
	if region == "" {
		region = "us-east-1"
	}
	cfg := emulatortest.Config(p.url, region)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	fh := firehose.NewFromConfig(cfg)
	ctx := context.Background()
	for _, b := range init.Buckets {
		if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b.Bucket)}); err != nil {
			t.Errorf("bucket %s: %v", b.Bucket, err)
		}
	}
	for _, d := range init.DeliveryStreams {
		out, err := fh.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(d.DeliveryStreamName)})
		if err != nil || out.DeliveryStreamDescription.DeliveryStreamStatus != types.DeliveryStreamStatusActive {
			t.Errorf("delivery stream %s: %v", d.DeliveryStreamName, err)
		}
	}
	return p
}

// checkHealthCommand runs a health check command (argv, its program
// firehose-local) as the container would, against p; then, with p stopped,
// checks that the same command fails.
func checkHealthCommand(t *testing.T, p *proc, env map[string]string, argv []string) {
	t.Helper()
	if len(argv) == 0 || argv[0] != "firehose-local" {
		t.Fatalf("health check %q: want firehose-local's own", argv)
	}
	run := func() ([]byte, error) {
		cmd := exec.Command(firehoseBinary(t), argv[1:]...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "FIREHOSE_LOCAL_ENDPOINT=" + p.url}
		for k, v := range env {
			if k != "FIREHOSE_LOCAL_LISTEN" {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
		}
		return cmd.CombinedOutput()
	}
	if out, err := run(); err != nil {
		t.Fatalf("health check %q: %v\n%s", argv, err, out)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM: exit %d\n%s", code, p.stderr)
	}
	if out, err := run(); err == nil {
		t.Fatalf("health check %q passed with the server stopped:\n%s", argv, out)
	}
}

// runScript runs an application's shell command with env in a new
// directory, its endpoint (host) replaced by p's, and returns its output.
func runScript(t *testing.T, argv []string, host string, env map[string]string, p *proc) string {
	t.Helper()
	testtool.LookPath(t, "curl", "apt-get install curl")
	bin := awsCLIv2Dir(t)
	for i := range argv {
		argv[i] = strings.ReplaceAll(argv[i], host, p.url)
	}
	// The compose app waits for the object: a stream that never delivers
	// would keep it waiting.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%q: %v\n%s\nserver: %s", argv, err, out, p.stderr)
	}
	return string(out)
}

// awsCLIv2Dir is a directory holding aws, the AWS CLI version 2 (the
// examples' images and runners have it; Debian's awscli is version 2, a
// pip-installed one on PATH may be version 1, which lacks
// --cli-binary-format).
func awsCLIv2Dir(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"aws", "/usr/bin/aws"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if out, err := exec.Command(p, "--version").CombinedOutput(); err == nil && strings.HasPrefix(string(out), "aws-cli/2.") {
			dir := t.TempDir()
			if err := os.Symlink(p, filepath.Join(dir, "aws")); err != nil {
				t.Fatal(err)
			}
			return dir
		}
	}
	testtool.Missing(t, "the AWS CLI version 2", "apt-get install awscli")
	return ""
}

func TestExampleDockerCompose(t *testing.T) {
	data, err := os.ReadFile("../examples/docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string
			Build       string
			Environment map[string]string
			Healthcheck struct{ Test []string }
			DependsOn   map[string]struct{ Condition string } `yaml:"depends_on"`
			Entrypoint  []string
			Command     []string
			WorkingDir  string `yaml:"working_dir"`
		}
	}
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatal(err)
	}
	fl, app := compose.Services["firehose-local"], compose.Services["app"]
	if fl.Image != "firehose-local" || fl.Build != ".." {
		t.Errorf("firehose-local: image %q build %q; want the default image built from the repository", fl.Image, fl.Build)
	}
	if fl.Environment["FIREHOSE_LOCAL_LISTEN"] != "0.0.0.0:4566" {
		t.Errorf("FIREHOSE_LOCAL_LISTEN = %q; want 0.0.0.0:4566, reachable from the app container", fl.Environment["FIREHOSE_LOCAL_LISTEN"])
	}
	if app.DependsOn["firehose-local"].Condition != "service_healthy" {
		t.Errorf("app depends_on: %+v; want firehose-local service_healthy", app.DependsOn)
	}
	if len(fl.Healthcheck.Test) < 2 || fl.Healthcheck.Test[0] != "CMD" {
		t.Fatalf("healthcheck test %q: want [CMD firehose-local health]", fl.Healthcheck.Test)
	}
	if len(app.Entrypoint) == 0 || len(app.Command) == 0 {
		t.Fatalf("app: entrypoint %q command %q", app.Entrypoint, app.Command)
	}

	p := serviceUnderTest(t, fl.Environment)
	out := runScript(t, append(append([]string{}, app.Entrypoint...), app.Command...), "http://firehose-local:4566", app.Environment, p)
	if !strings.Contains(out, "hello from compose") {
		t.Fatalf("the app did not print the delivered record:\n%s", out)
	}
	checkHealthCommand(t, p, fl.Environment, fl.Healthcheck.Test[1:])
}

func TestExampleGitHubActions(t *testing.T) {
	data, err := os.ReadFile("../examples/github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var workflow struct {
		Jobs map[string]struct {
			Services map[string]struct {
				Image   string
				Ports   []string
				Env     map[string]string
				Options string
			}
			Env   map[string]string
			Steps []struct {
				Name string
				Run  string
				Env  map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(data, &workflow); err != nil {
		t.Fatal(err)
	}
	job, ok := workflow.Jobs["test"]
	if !ok {
		t.Fatal("no job test")
	}
	svc, ok := job.Services["firehose-local"]
	if !ok {
		t.Fatal("no firehose-local service")
	}
	if !strings.HasSuffix(strings.Split(svc.Image, ":")[0], "/firehose-local") || len(svc.Ports) != 1 || svc.Ports[0] != "4566:4566" {
		t.Errorf("service image %q ports %q", svc.Image, svc.Ports)
	}
	m := regexp.MustCompile(`--health-cmd "([^"]+)"`).FindStringSubmatch(svc.Options)
	if m == nil {
		t.Fatalf("options %q: no --health-cmd", svc.Options)
	}
	if len(job.Steps) == 0 {
		t.Fatal("no steps")
	}

	p := serviceUnderTest(t, svc.Env)
	var out strings.Builder
	for _, step := range job.Steps {
		if step.Run == "" {
			continue
		}
		env := map[string]string{}
		for k, v := range job.Env {
			env[k] = v
		}
		for k, v := range step.Env {
			env[k] = v
		}
		// GitHub's default shell on Linux runners.
		out.WriteString(runScript(t, []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.Run}, "http://localhost:4566", env, p))
	}
	if !strings.Contains(out.String(), "hello from actions") {
		t.Fatalf("the steps did not print the delivered record:\n%s", out.String())
	}
	checkHealthCommand(t, p, svc.Env, strings.Fields(m[1]))
}
