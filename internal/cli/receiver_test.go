package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

// `firehose-local receiver --splunk --token T` is a HEC: it refuses other
// tokens with HEC's answer, accepts raw data on a channel with an ackId,
// and prints one JSON line per request.
func TestReceiverCommandSplunk(t *testing.T) {
	pr, pw := io.Pipe()
	sig := make(chan os.Signal, 1)
	var stderr strings.Builder
	exited := make(chan int, 1)
	go func() {
		exited <- receiverCommand([]string{"--splunk", "--listen", "127.0.0.1:0", "--token", "tok", "--records"},
			func(string) string { return "" }, pw, &stderr, sig)
		pw.Close()
	}()
	next := testtool.Lines(t, pr, "the receiver", &stderr, 20*time.Second)
	first := next()
	url, ok := strings.CutPrefix(first, "firehose-local receiver listening on ")
	if !ok {
		t.Fatalf("first line %q", first)
	}
	send := func(token string) int {
		req, _ := http.NewRequest(http.MethodPost, url+"/services/collector/raw", strings.NewReader("hello"))
		req.Header.Set("Authorization", "Splunk "+token)
		req.Header.Set("X-Splunk-Request-Channel", "0f5a8c1e-7d2b-4c3e-9a41-2b6f0c9d7e11")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var line struct {
		Kind         string
		Status, Code int
		AckID        *int64
		Data         []string
	}
	if send("other") != 403 {
		t.Fatal("another token was accepted")
	}
	if err := json.Unmarshal([]byte(next()), &line); err != nil || line.Status != 403 || line.Code != 4 {
		t.Fatalf("line %+v %v", line, err)
	}
	if send("tok") != 200 {
		t.Fatal("the token was refused")
	}
	line.AckID = nil
	if err := json.Unmarshal([]byte(next()), &line); err != nil || line.Kind != "raw" || line.Status != 200 || line.AckID == nil ||
		len(line.Data) != 1 || line.Data[0] != "hello" {
		t.Fatalf("line %+v %v", line, err)
	}
	sig <- os.Interrupt
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the receiver did not stop")
	}
}
