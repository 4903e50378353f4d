package delivery

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestLocalhostNamesReachLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Host)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	// A name only RFC 6761 makes local: no resolver here knows it.
	target := "http://search-logs.us-east-1.es.localhost:" + u.Port() + "/"
	res, err := newEndpointClient().Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if want := "search-logs.us-east-1.es.localhost:" + u.Port(); string(body) != want {
		t.Fatalf("Host %q, want %q", body, want)
	}
	for addr, want := range map[string]string{
		"a.redshift.LOCALHOST.:5439": "127.0.0.1:5439",
		"localhost:80":               "127.0.0.1:80",
		"example.com:443":            "example.com:443",
		"notlocalhost:1":             "notlocalhost:1",
	} {
		if got := loopbackAddr(addr); got != want {
			t.Errorf("loopbackAddr(%q) = %q, want %q", addr, got, want)
		}
	}
}
