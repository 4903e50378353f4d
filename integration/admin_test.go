package integration_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/emulator"
)

// postFlush calls POST /_local/flush as a user would, and decodes the answer.
func postFlush(t *testing.T, url string) (int, []map[string]any) {
	t.Helper()
	res, err := http.Post(url+"/_local/flush", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out struct {
		Flushed []map[string]any `json:"flushed"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Flushed == nil {
		t.Fatalf("flush answered %d %s (%v)", res.StatusCode, body, err)
	}
	return res.StatusCode, out.Flushed
}

// The flush answer says what became of the records: with no streams an
// empty list (not null), and error-output objects counted apart from the
// delivered ones. The health answer lists every service on the port.
func TestLocalFlushAndHealthAnswers(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})

	if code, flushed := postFlush(t, env.URL); code != 200 || len(flushed) != 0 {
		t.Fatalf("flush with no streams: %d %v", code, flushed)
	}

	createFunction(t, env, "upper", "provided.al2023", "bootstrap",
		zipFiles(t, map[string]string{"bootstrap": goTransform(t)}, "bootstrap"), nil)
	createStream(t, env.Firehose, "s", transformDest(fnARNPrefix+"upper", "3"))
	putBatch(t, env.Firehose, "s", []byte("fail me\n"), []byte("fail me\n"))
	clock.Advance(time.Second)
	code, flushed := postFlush(t, env.URL)
	if code != 200 || len(flushed) != 1 || flushed[0]["stream"] != "s" ||
		flushed[0]["objects"] != 0.0 || flushed[0]["errorObjects"] != 1.0 {
		t.Fatalf("flush of records that all failed processing: %d %v", code, flushed)
	}
	if _, errs, _ := split(t, objects(t, env, "deliveries")); len(errs) != 2 {
		t.Fatalf("%d error documents, want 2", len(errs))
	}

	res, err := http.Get(env.URL + "/_local/health")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var health struct {
		Status   string            `json:"status"`
		Services map[string]string `json:"services"`
	}
	if err := json.NewDecoder(res.Body).Decode(&health); err != nil || health.Status != "ok" {
		t.Fatalf("health: %v %+v", err, health)
	}
	for _, svc := range []string{"firehose", "s3", "lambda", "logs", "kinesis", "glue"} {
		if health.Services[svc] != "running" {
			t.Errorf("health lists %s as %q: %v", svc, health.Services[svc], health.Services)
		}
	}
}
