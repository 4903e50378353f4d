package integration_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"

	"github.com/firehose-local/firehose-local/emulator/emulatortest"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// procKiB reads a "Vm...: N kB" line of /proc/PID/status.
func procKiB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// resetPeakRSS makes VmHWM start again from the current VmRSS.
func resetPeakRSS(t *testing.T, pid int) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		testtool.Missing(t, fmt.Sprintf("resetting the peak RSS (/proc/PID/clear_refs): %v", err), "Linux")
	}
}

// stalledUpload is a request whose headers announce a large body, of which
// only the first bytes are sent.
type stalledUpload struct {
	name     string
	method   string
	path     string
	header   http.Header
	length   int64
	service  string // the SigV4 service, for signed requests
	response *http.Response
	body     string
	answered time.Duration // from the first byte sent to the response
	closed   bool          // the server closed the connection after it
}

// send writes the request and its first bytes on a new connection and
// waits, within wait, for the response and the end of the connection.
func (u *stalledUpload) send(t *testing.T, host string, first int, wait time.Duration) error {
	c, err := net.Dial("tcp", host)
	if err != nil {
		return err
	}
	defer c.Close()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", u.method, u.path, host, u.length)
	for k, vs := range u.header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	b.Write(bytes.Repeat([]byte("x"), first))
	start := time.Now()
	_ = c.SetDeadline(start.Add(wait))
	if _, err := c.Write(b.Bytes()); err != nil {
		return err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: u.method})
	if err != nil {
		return fmt.Errorf("no response after %v: %w", time.Since(start), err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	u.response, u.body, u.answered = resp, resp.Header.Get("X-Amzn-ErrorType")+" "+string(body), time.Since(start)
	_, err = br.ReadByte()
	u.closed = err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
	return nil
}

// sendAll sends every upload at once, each on its connection.
func sendAll(t *testing.T, host string, uploads []*stalledUpload, first int, wait time.Duration) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(uploads))
	for i, u := range uploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = u.send(t, host, first, wait)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", uploads[i].name, err)
		}
	}
}

// The routes a stalled upload is sent to, announcing about each API's
// limit: Lambda's code upload (70,167,211 bytes), Firehose and CloudWatch
// Logs (8 MiB), an S3 object (5 GiB).
func bigRoutes() []stalledUpload {
	jsonHeader := func(target string) http.Header {
		return http.Header{"X-Amz-Target": {target}, "Content-Type": {"application/x-amz-json-1.1"}}
	}
	return []stalledUpload{
		{name: "lambda", method: "POST", path: "/2015-03-31/functions", header: http.Header{"Content-Type": {"application/json"}}, length: 70167211, service: "lambda"},
		{name: "firehose", method: "POST", path: "/", header: jsonHeader("Firehose_20150804.PutRecordBatch"), length: 8 << 20, service: "firehose"},
		{name: "logs", method: "POST", path: "/", header: jsonHeader("Logs_20140328.PutLogEvents"), length: 8 << 20, service: "logs"},
		{name: "s3", method: "PUT", path: "/bucket/key", header: http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}, length: 5 << 30, service: "s3"},
	}
}

// signUpload signs u's headers as the SDK would, over a payload that is
// never sent whole.
func signUpload(t *testing.T, u *stalledUpload, host, key, secret, service string, at time.Time) {
	t.Helper()
	req, err := http.NewRequest(u.method, "http://"+host+u.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = u.header.Clone()
	req.ContentLength = u.length
	hash := strings.Repeat("0", 64)
	if service == "s3" {
		hash = "UNSIGNED-PAYLOAD"
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, req, hash, service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	u.header = req.Header
}

func binaryHealthy(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/_local/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health: %d", resp.StatusCode)
	}
}

// The attack on the binary with --auth sigv4: connections without
// valid credentials announce bodies of up to each API's limit (70 MB for
// Lambda, 5 GiB for S3) and stall after 64 KiB. Each is refused with its
// API's 4xx at once, before its body is read, and its connection closed;
// the process's peak RSS grows by a few MiB at most (it used to
// preallocate every announced length: 1 GiB for fifteen connections), and
// health stays 200.
func TestBinaryStalledUnauthenticatedUploads(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		testtool.Missing(t, "/proc", "Linux")
	}
	file := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(file, []byte("[default]\naws_access_key_id = AKIDBIN\naws_secret_access_key = bin-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, nil, "--auth", "sigv4", "--credentials", file)
	pid := p.cmd.Process.Pid
	u, _ := url.Parse(p.url)
	now := time.Now()
	problems := []struct {
		name string
		set  func(u *stalledUpload)
	}{
		{"unsigned", func(*stalledUpload) {}},
		{"unknown key", func(up *stalledUpload) { signUpload(t, up, u.Host, "AKIDNOBODY", "secret", up.service, now) }},
		{"bad date", func(up *stalledUpload) {
			signUpload(t, up, u.Host, "AKIDBIN", "bin-secret", up.service, now)
			up.header.Set("X-Amz-Date", now.UTC().Format(time.RFC1123))
		}},
		{"other service's scope", func(up *stalledUpload) {
			other := map[string]string{"lambda": "s3", "s3": "lambda", "firehose": "logs", "logs": "firehose"}[up.service]
			signUpload(t, up, u.Host, "AKIDBIN", "bin-secret", other, now)
		}},
	}
	round := func() []*stalledUpload {
		var uploads []*stalledUpload
		for range 2 {
			for _, pr := range problems {
				for _, rt := range bigRoutes() {
					up := rt
					up.name = rt.name + ", " + pr.name
					up.header = rt.header.Clone()
					pr.set(&up)
					uploads = append(uploads, &up)
				}
			}
		}
		return uploads
	}
	// One round first, not measured: the server's first connections
	// and error responses grow its heap a little once.
	sendAll(t, u.Host, round(), 64<<10, 10*time.Second)
	binaryHealthy(t, p.url)

	before := procKiB(t, pid, "VmRSS")
	resetPeakRSS(t, pid)
	uploads := round()
	sendAll(t, u.Host, uploads, 64<<10, 10*time.Second)
	peak := procKiB(t, pid, "VmHWM")
	binaryHealthy(t, p.url)

	for _, up := range uploads {
		status := up.response.StatusCode
		if status != 400 && status != 403 || !up.closed || up.answered > 5*time.Second {
			t.Errorf("%s: %d %s after %v, connection closed: %v; want 400 or 403 at once, then closed",
				up.name, status, up.body, up.answered.Round(time.Millisecond), up.closed)
		}
	}
	growth := peak - before
	t.Logf("%d stalled unauthenticated uploads announcing %.1f GB: VmRSS %d KiB before, peak %d KiB (+%d KiB)",
		len(uploads), announced(uploads)/1e9, before, peak, growth)
	if growth > 8<<10 {
		t.Errorf("peak RSS grew by %d KiB, want at most 8 MiB", growth)
	}
}

func announced(uploads []*stalledUpload) float64 {
	var n int64
	for _, u := range uploads {
		n += u.length
	}
	return float64(n)
}

// open writes the request and its first bytes on a new connection and
// leaves it open.
func (u *stalledUpload) open(t *testing.T, host string, first int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", u.method, u.path, host, u.length)
	for k, vs := range u.header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	b.Write(bytes.Repeat([]byte("x"), first))
	if _, err := c.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	return c
}

// bodyBytesInFlight scrapes firehose_local_request_body_bytes_in_flight
// with a signed GET /metrics.
func bodyBytesInFlight(t *testing.T, base, key, secret string) int64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		req, emptySHA256, "firehose", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "firehose_local_request_body_bytes_in_flight "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int64(n)
		}
	}
	t.Fatalf("GET /metrics: %d, no firehose_local_request_body_bytes_in_flight", resp.StatusCode)
	return 0
}

// waitBodyBytes polls the in-flight gauge until it is want, for at most
// ten seconds.
func waitBodyBytes(t *testing.T, base, key, secret string, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := bodyBytesInFlight(t, base, key, secret)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("request body bytes in flight: %d, want %d", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Signed uploads announcing each API's limit (70 MB for a Lambda code
// upload, 8 MiB for Firehose and CloudWatch Logs) that stall after 64 KiB
// and are dropped, round after round: the server holds what arrived, not
// what was announced, and its peak RSS grows by a few MiB at most.
// (Allocating announced lengths once made the second round's buffers, on
// reused memory that must be zeroed, cost their full size.)
func TestBinaryStalledSignedUploadsHoldWhatArrived(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		testtool.Missing(t, "/proc", "Linux")
	}
	file := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(file, []byte("[default]\naws_access_key_id = AKIDBIN\naws_secret_access_key = bin-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const first = 64 << 10
	p := startBinary(t, nil, "--auth", "sigv4", "--credentials", file)
	pid := p.cmd.Process.Pid
	u, _ := url.Parse(p.url)
	round := func() {
		var conns []net.Conn
		for range 5 {
			for _, rt := range bigRoutes()[:3] { // the APIs whose bodies are read whole
				up := rt
				up.header = rt.header.Clone()
				signUpload(t, &up, u.Host, "AKIDBIN", "bin-secret", up.service, time.Now())
				conns = append(conns, up.open(t, u.Host, first))
			}
		}
		waitBodyBytes(t, p.url, "AKIDBIN", "bin-secret", int64(len(conns))*first)
		binaryHealthy(t, p.url)
		for _, c := range conns {
			c.Close()
		}
		waitBodyBytes(t, p.url, "AKIDBIN", "bin-secret", 0)
	}
	round() // not measured: the first connections grow the heap a little once
	before := procKiB(t, pid, "VmRSS")
	resetPeakRSS(t, pid)
	for range 3 {
		round()
	}
	peak := procKiB(t, pid, "VmHWM")
	growth := peak - before
	t.Logf("3 rounds of 15 stalled signed uploads announcing %.0f MB each round: VmRSS %d KiB before, peak %d KiB (+%d KiB)",
		5*float64(70167211+2*(8<<20))/1e6, before, peak, growth)
	if growth > 8<<10 {
		t.Errorf("peak RSS grew by %d KiB, want at most 8 MiB", growth)
	}
}

// With valid credentials, stalled uploads are read, within the body budget
// (--max-body-bytes-in-flight 1MiB here): those past it are refused at once
// with their API's throttling error; the others are answered when their
// read deadline passes (--body-read-timeout 1s plus 1 s per 256 KiB
// announced) and their connections closed. Peak RSS grows by little more
// than the budget; health stays 200, and a valid call passes afterwards.
func TestBinaryStalledSignedUploads(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		testtool.Missing(t, "/proc", "Linux")
	}
	file := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(file, []byte("[default]\naws_access_key_id = AKIDBIN\naws_secret_access_key = bin-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const budget, announce, first = 1 << 20, 1 << 20, 300 << 10
	const timeout = time.Second
	p := startBinary(t, nil, "--auth", "sigv4", "--credentials", file,
		"--max-body-bytes-in-flight", "1MiB", "--body-read-timeout", timeout.String())
	pid := p.cmd.Process.Pid
	u, _ := url.Parse(p.url)
	binaryHealthy(t, p.url)

	throttle := map[string]string{"lambda": "TooManyRequestsException", "firehose": "ServiceUnavailableException", "logs": "ThrottlingException"}
	var uploads []*stalledUpload
	for range 2 {
		for _, rt := range bigRoutes()[:3] { // the APIs whose bodies are read whole
			up := rt
			up.header = rt.header.Clone()
			up.length = announce
			signUpload(t, &up, u.Host, "AKIDBIN", "bin-secret", up.service, time.Now())
			uploads = append(uploads, &up)
		}
	}
	before := procKiB(t, pid, "VmRSS")
	resetPeakRSS(t, pid)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sendAll(t, u.Host, uploads, first, 20*time.Second)
	}()
	// Health answers while they stall.
	binaryHealthy(t, p.url)
	<-done
	peak := procKiB(t, pid, "VmHWM")

	deadline := timeout + time.Duration(announce)*time.Second/(256<<10)
	throttled, expired := 0, 0
	for _, up := range uploads {
		status := up.response.StatusCode
		switch {
		case !up.closed:
			t.Errorf("%s: %d %s, and the connection stays open", up.name, status, up.body)
		case strings.Contains(up.body, throttle[up.name]):
			throttled++
			if up.answered > timeout {
				t.Errorf("%s: throttled after %v, want at once", up.name, up.answered)
			}
		case status == 400 && up.answered >= deadline-100*time.Millisecond && up.answered < deadline+5*time.Second:
			expired++
		default:
			t.Errorf("%s: %d %s after %v; want %s at once, or 400 after the %v deadline", up.name, status, up.body, up.answered, throttle[up.name], deadline)
		}
	}
	// At most three 300 KiB bodies fit in 1 MiB.
	if throttled < len(uploads)-3 || expired > 3 {
		t.Errorf("%d throttled, %d held until their deadline; want at most 3 held", throttled, expired)
	}
	growth := peak - before
	t.Logf("%d stalled signed uploads of %d KiB sent: %d throttled, %d expired; VmRSS %d KiB before, peak %d KiB (+%d KiB)",
		len(uploads), first>>10, throttled, expired, before, peak, growth)
	if growth > budget>>10+8<<10 {
		t.Errorf("peak RSS grew by %d KiB, want at most the budget and 8 MiB", growth)
	}
	binaryHealthy(t, p.url)
	cfg := emulatortest.Config(p.url, "us-east-1")
	cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIDBIN", "bin-secret", "")
	cfg.RetryMaxAttempts = 1
	if _, err := firehose.NewFromConfig(cfg).ListDeliveryStreams(context.Background(), &firehose.ListDeliveryStreamsInput{}); err != nil {
		t.Fatalf("a valid call afterwards: %v", err)
	}
}
