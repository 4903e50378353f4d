package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/lambdarunner"
)

// envFlags collects repeated --env KEY=VALUE.
type envFlags map[string]string

func (e envFlags) String() string { return "" }

func (e envFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE")
	}
	e[k] = val
	return nil
}

// invokeCommand runs a function once with an event and prints its result
// (stdout) and its log, START to REPORT (stderr). With FUNCTION it asks a
// running server through the Lambda API; with --dir it runs the function
// itself, no server needed. It exits 1 when the function fails.
func invokeCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("firehose-local invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	event := fs.String("event", "", "file holding the event JSON (- for standard input; default {})")
	endpoint := fs.String("endpoint", defaultEndpoint(getenv), "the running firehose-local (env "+EnvPrefix+"ENDPOINT)")
	region := fs.String("region", "us-east-1", "region of the function")
	dir := fs.String("dir", "", "run the function in this directory instead of asking a server")
	runtime := fs.String("runtime", "", "with --dir: the runtime, e.g. python3.12, nodejs20.x, provided.al2023")
	handler := fs.String("handler", "", "with --dir: the handler, e.g. app.handler")
	timeout := fs.Duration("timeout", 3*time.Second, "with --dir: the function timeout")
	env := envFlags{}
	fs.Var(env, "env", "with --dir: an environment variable KEY=VALUE (repeatable)")
	firehose := fs.Bool("firehose", false, "check the answer against the transform contract as a delivery stream would, and exit 1 when the stream would treat it as a failure (default: when the event is a Firehose transform event, as `firehose-local event` writes; --firehose=false turns it off)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: firehose-local invoke FUNCTION --event FILE [--endpoint URL]\n       firehose-local invoke --dir DIR --runtime RUNTIME --handler HANDLER --event FILE\n\n")
		fs.PrintDefaults()
	}
	name, err := parseOperand(fs, args)
	if err != nil {
		return operandExit(stderr, "invoke", err)
	}
	payload := []byte("{}")
	if *event != "" {
		var err error
		if *event == "-" {
			payload, err = io.ReadAll(os.Stdin)
		} else {
			payload, err = os.ReadFile(*event)
		}
		if err != nil {
			fmt.Fprintln(stderr, "firehose-local invoke:", err)
			return 1
		}
	}
	// The transform contract is checked for a Firehose event, or on request.
	ids, isFirehose := firehoseEventIDs(payload)
	check := isFirehose
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "firehose" {
			check = *firehose
		}
	})
	if check && !isFirehose {
		fmt.Fprintln(stderr, "firehose-local invoke: --firehose needs a Firehose transform event ({\"deliveryStreamArn\":…,\"records\":[{\"recordId\":…,\"data\":…}]}; `firehose-local event` writes one)")
		return 2
	}
	if !check {
		ids = nil
	}
	ctx := context.Background()
	if *dir != "" {
		if *runtime == "" || *handler == "" {
			fmt.Fprintln(stderr, "firehose-local invoke: --dir needs --runtime and --handler")
			return 2
		}
		abs, err := filepath.Abs(*dir)
		if err != nil {
			fmt.Fprintln(stderr, "firehose-local invoke:", err)
			return 1
		}
		if name == "" {
			name = filepath.Base(abs)
		}
		return invokeLocal(ctx, &lambdarunner.Function{Name: name, Runtime: *runtime, Handler: *handler, CodeDir: abs,
			Timeout: *timeout, Env: env, Region: *region, Account: emulator.Account}, payload, ids, stdout, stderr)
	}
	if name == "" {
		fs.Usage()
		return 2
	}
	return invokeRemote(ctx, *endpoint, *region, clientCredentials(getenv), name, payload, ids, stdout, stderr)
}

func invokeLocal(ctx context.Context, fn *lambdarunner.Function, payload []byte, ids []string, stdout, stderr io.Writer) int {
	if !lambdarunner.SupportedRuntime(fn.Runtime) {
		fmt.Fprintf(stderr, "firehose-local invoke: unsupported runtime %q\n", fn.Runtime)
		return 2
	}
	r := lambdarunner.New(lambdarunner.Options{Concurrency: 1})
	defer r.Close()
	res, err := r.Invoke(ctx, fn, payload, lambdarunner.InvokeOptions{})
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local invoke:", err)
		return 1
	}
	_, _ = stderr.Write(res.Log)
	return printResult(stdout, stderr, res.Payload, res.FunctionError, ids)
}

// invokeRemote calls the server's Lambda Invoke API with a SigV4-signed
// request (creds: the AWS environment variables, else a dummy pair; see
// clientCredentials), plain net/http: the Lambda SDK client would cost every
// start of the binary a millisecond of package initialisation.
func invokeRemote(ctx context.Context, endpoint, region string, creds aws.Credentials, name string, payload []byte, ids []string, stdout, stderr io.Writer) int {
	u := strings.TrimSuffix(endpoint, "/") + "/2015-03-31/functions/" + url.PathEscape(name) + "/invocations"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local invoke:", err)
		return 2
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	req.Header.Set("X-Amz-Log-Type", "Tail")
	sum := sha256.Sum256(payload)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "lambda", region, time.Now()); err != nil {
		fmt.Fprintln(stderr, "firehose-local invoke: signing:", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local invoke:", err)
		return 1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		fmt.Fprintln(stderr, "firehose-local invoke: reading the response:", err)
		return 1
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Message  string `json:"message"`
			MessageU string `json:"Message"`
		}
		_ = json.Unmarshal(body, &e)
		msg := e.Message + e.MessageU
		if msg == "" {
			msg = strings.TrimSpace(string(body))
		}
		fmt.Fprintf(stderr, "firehose-local invoke: %s (HTTP %d): %s\n", resp.Header.Get("X-Amzn-ErrorType"), resp.StatusCode, msg)
		return 1
	}
	if lr := resp.Header.Get("X-Amz-Log-Result"); lr != "" {
		if log, err := base64.StdEncoding.DecodeString(lr); err == nil {
			_, _ = stderr.Write(log)
		}
	}
	return printResult(stdout, stderr, body, resp.Header.Get("X-Amz-Function-Error"), ids)
}

// printResult prints the function's answer on stdout. With ids (the
// records of a Firehose event) it also checks the answer against the
// transform contract and prints the verdicts on stderr. The exit code is 1
// when the function failed, or the stream would treat the answer as a
// failure.
func printResult(stdout, stderr io.Writer, payload []byte, functionError string, ids []string) int {
	_, _ = stdout.Write(payload)
	if len(payload) > 0 && payload[len(payload)-1] != '\n' {
		_, _ = stdout.Write([]byte("\n"))
	}
	if ids != nil && !checkContract(stderr, payload, functionError, ids) {
		return 1
	}
	if functionError != "" {
		return 1
	}
	return 0
}
