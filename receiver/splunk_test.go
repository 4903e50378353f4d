package receiver

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

const channel = "0f5a8c1e-7d2b-4c3e-9a41-2b6f0c9d7e11"

// Each way a request breaks HEC's protocol gets HEC's status and code, as
// a Splunk indexer answers it.
func TestSplunkRefusals(t *testing.T) {
	srv := httptest.NewServer(NewSplunk(SplunkOptions{Token: "tok"}))
	defer srv.Close()
	auth := map[string]string{"Authorization": "Splunk tok", "X-Splunk-Request-Channel": channel}
	with := func(extra map[string]string) map[string]string {
		h := map[string]string{}
		for k, v := range auth {
			h[k] = v
		}
		for k, v := range extra {
			if v == "" {
				delete(h, k)
			} else {
				h[k] = v
			}
		}
		return h
	}
	cases := []struct {
		name   string
		path   string
		hdr    map[string]string
		body   string
		status int
		code   float64
	}{
		{"no token", "/services/collector/raw", with(map[string]string{"Authorization": ""}), "x", 401, 2},
		{"bearer", "/services/collector/raw", with(map[string]string{"Authorization": "Bearer tok"}), "x", 401, 3},
		{"wrong token", "/services/collector/raw", with(map[string]string{"Authorization": "Splunk other"}), "x", 403, 4},
		{"no channel", "/services/collector/raw", with(map[string]string{"X-Splunk-Request-Channel": ""}), "x", 400, 10},
		{"bad channel", "/services/collector/raw", with(map[string]string{"X-Splunk-Request-Channel": "not-a-guid"}), "x", 400, 11},
		{"empty raw", "/services/collector/raw", auth, "", 400, 5},
		{"not json", "/services/collector/event", auth, "plain", 400, 6},
		{"no event", "/services/collector/event", auth, `{"host":"h"}`, 400, 12},
		{"blank event", "/services/collector/event", auth, `{"event":""}`, 400, 13},
		{"second object bad", "/services/collector/event", auth, `{"event":1}{"time":"x","event":2}`, 400, 6},
		{"index not string", "/services/collector/event", auth, `{"event":1,"index":7}`, 400, 6},
		{"ack body", "/services/collector/ack", auth, `{"acks":"0"}`, 400, 6},
		{"unknown path", "/services/collector/health/nope", auth, "x", 404, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out, _ := post(t, srv.URL+c.path, c.hdr, []byte(c.body))
			if status != c.status || out["code"] != c.code {
				t.Fatalf("answered %d %v, want %d code %v", status, out, c.status, c.code)
			}
		})
	}
}

// The acknowledgement protocol: ackIds count up per channel, an ack is
// reported true once (then forgotten), unknown ackIds are false; the
// channel may come as a query parameter; a disabled-ack token gets no
// ackId and code 14 on the ack endpoint.
func TestSplunkAckProtocol(t *testing.T) {
	hec := NewSplunk(SplunkOptions{Ack: func(id int64, poll int) bool { return id == 0 || poll >= 2 }})
	srv := httptest.NewServer(hec)
	defer srv.Close()
	hdr := map[string]string{"Authorization": "Splunk any"}
	for i, want := range []float64{0, 1} {
		status, out, h := post(t, srv.URL+"/services/collector/event?channel="+channel, hdr, []byte(`{"event":"e"} {"event":{"k":"v"}}`))
		if status != 200 || out["code"] != float64(0) || out["text"] != "Success" || out["ackId"] != want || h.Get("Content-Type") != "application/json; charset=UTF-8" {
			t.Fatalf("send %d: %d %v", i, status, out)
		}
	}
	ack := func() map[string]any {
		status, out, _ := post(t, srv.URL+"/services/collector/ack?channel="+channel, hdr, []byte(`{"acks":[0,1,7]}`))
		if status != 200 {
			t.Fatalf("ack: %d %v", status, out)
		}
		return out["acks"].(map[string]any)
	}
	if got := ack(); got["0"] != true || got["1"] != false || got["7"] != false {
		t.Fatalf("first poll %v", got)
	}
	if got := ack(); got["0"] != false || got["1"] != true {
		t.Fatalf("second poll %v", got)
	}
	reqs := hec.Requests()
	if len(reqs) != 4 || len(reqs[0].Events) != 2 || string(reqs[0].Events[1]) != `{"event":{"k":"v"}}` || reqs[0].Channel != channel {
		t.Fatalf("requests %+v", reqs)
	}
	if n := len(hec.Acknowledged()); n != 2 {
		t.Fatalf("%d acknowledged", n)
	}

	off := httptest.NewServer(NewSplunk(SplunkOptions{AckDisabled: true}))
	defer off.Close()
	status, out, _ := post(t, off.URL+"/services/collector/event", hdr, []byte(`{"event":"e"}`))
	if _, has := out["ackId"]; status != 200 || has {
		t.Fatalf("ack disabled, send: %d %v", status, out)
	}
	if status, out, _ := post(t, off.URL+"/services/collector/ack?channel="+channel, hdr, []byte(`{"acks":[0]}`)); status != 400 || out["code"] != float64(14) {
		t.Fatalf("ack disabled, ack: %d %v", status, out)
	}
	// TokenDisabled: 403 code 1.
	dis := httptest.NewServer(NewSplunk(SplunkOptions{TokenDisabled: true}))
	defer dis.Close()
	if status, out, _ := post(t, dis.URL+"/services/collector/raw?channel="+channel, hdr, []byte("x")); status != http.StatusForbidden || out["code"] != float64(1) {
		t.Fatalf("disabled token: %d %v", status, out)
	}
}
