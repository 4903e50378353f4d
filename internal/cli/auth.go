package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// parseCredentialsFile reads an AWS shared credentials file: [profile]
// sections with aws_access_key_id and aws_secret_access_key. Every profile
// with a key pair is accepted; other keys (aws_session_token, region, ...)
// are ignored, and so are profiles with neither key.
func parseCredentialsFile(data []byte) (map[string]string, error) {
	creds := map[string]string{}
	type pair struct{ id, secret string }
	var order []string
	profiles := map[string]*pair{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: unterminated section header %q", n, line)
			}
			section = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line[1:len(line)-1]), "profile "))
			if _, ok := profiles[section]; !ok {
				profiles[section] = &pair{}
				order = append(order, section)
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want KEY = VALUE, got %q", n, line)
		}
		if section == "" {
			return nil, fmt.Errorf("line %d: %q is outside any [profile] section", n, strings.TrimSpace(k))
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "aws_access_key_id":
			profiles[section].id = strings.TrimSpace(v)
		case "aws_secret_access_key":
			profiles[section].secret = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, name := range order {
		p := profiles[name]
		switch {
		case p.id == "" && p.secret == "":
			continue
		case p.id == "":
			return nil, fmt.Errorf("profile [%s] has aws_secret_access_key but no aws_access_key_id", name)
		case p.secret == "":
			return nil, fmt.Errorf("profile [%s] has aws_access_key_id but no aws_secret_access_key", name)
		}
		if old, ok := creds[p.id]; ok && old != p.secret {
			return nil, fmt.Errorf("profile [%s]: access key %s appears twice with different secrets", name, p.id)
		}
		creds[p.id] = p.secret
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("no profile has both aws_access_key_id and aws_secret_access_key")
	}
	return creds, nil
}

func loadCredentialsFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseCredentialsFile(b)
}

// envCredentials are the credentials of AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, if the first two are set.
func envCredentials(getenv func(string) string) (aws.Credentials, bool) {
	c := aws.Credentials{
		AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		Source:          "environment",
	}
	return c, c.AccessKeyID != "" && c.SecretAccessKey != ""
}

// clientCredentials are what the client subcommands sign with: the
// environment's, or dummies for a server without --auth.
func clientCredentials(getenv func(string) string) aws.Credentials {
	if c, ok := envCredentials(getenv); ok {
		return c
	}
	return aws.Credentials{AccessKeyID: "firehose-local", SecretAccessKey: "firehose-local"}
}

// signAdminRequest signs a request to a /_local endpoint (empty body), as a
// server with --auth sigv4 requires.
func signAdminRequest(req *http.Request, getenv func(string) string) error {
	region := "us-east-1"
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", EnvPrefix + "REGION"} {
		if v := getenv(k); v != "" {
			region = v
			break
		}
	}
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	return v4.NewSigner().SignHTTP(req.Context(), clientCredentials(getenv), req, emptySHA256, "firehose", region, time.Now())
}

// postAdmin sends a signed POST with an empty body to a /_local endpoint of a
// running server (u) through client, copies the answer to stdout and returns
// the exit code: 0 for 200 OK, 1 otherwise. name is the subcommand, for the
// error messages ("firehose-local flush").
func postAdmin(name, u string, client *http.Client, getenv func(string) string, stdout, stderr io.Writer) int {
	req, err := http.NewRequest(http.MethodPost, u, nil)
	if err == nil {
		// A server with --auth sigv4 wants it signed (with AWS_* credentials).
		err = signAdminRequest(req, getenv)
	}
	if err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 1
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 1
	}
	return printAnswer(resp, stdout)
}

// printAnswer copies the server's answer to stdout and returns the exit
// code: 0 for 200 OK, 1 otherwise. It closes the body.
func printAnswer(resp *http.Response, stdout io.Writer) int {
	defer resp.Body.Close()
	_, _ = io.Copy(stdout, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// exposureWarning is the line printed when the server listens where other
// machines can reach it (addr, bound for listen) and requests are not
// authenticated; "" otherwise.
func exposureWarning(listen string, addr net.Addr, auth bool) string {
	if auth {
		return ""
	}
	tcp, ok := addr.(*net.TCPAddr)
	if ok && tcp.IP.IsLoopback() {
		return ""
	}
	shown := addr.String()
	if host, _, err := net.SplitHostPort(listen); err == nil && ok {
		shown = net.JoinHostPort(host, strconv.Itoa(tcp.Port))
		if host == "" {
			shown += " (every interface)"
		}
	}
	return fmt.Sprintf("firehose-local: WARNING: listening on %s, which is not a loopback address, without authentication: "+
		"anyone who can reach this port can read and change every stream, bucket, function and log group. "+
		"Use --auth sigv4 (credentials from --credentials FILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), "+
		"or --listen 127.0.0.1:PORT.", shown)
}
