package delivery

import "testing"

func TestRewriteURL(t *testing.T) {
	rules := []EndpointRewrite{
		{From: "https://aws-kinesis-http-intake.logs.datadoghq.com/", To: "http://127.0.0.1:4567"},
		{From: "https://a.example/v1", To: "http://10.0.0.2:9000/local/"},
	}
	cases := map[string]string{
		"https://aws-kinesis-http-intake.logs.datadoghq.com":              "http://127.0.0.1:4567",
		"https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input?x=1": "http://127.0.0.1:4567/v1/input?x=1",
		"https://aws-kinesis-http-intake.logs.datadoghq.com.evil.org/":    "https://aws-kinesis-http-intake.logs.datadoghq.com.evil.org/",
		"https://a.example/v1/in":                                         "http://10.0.0.2:9000/local/in",
		"https://a.example/v10":                                           "https://a.example/v10",
		"https://a.example/v1?k=v":                                        "http://10.0.0.2:9000/local?k=v",
		"https://b.example/":                                              "https://b.example/",
	}
	for in, want := range cases {
		if got := rewriteURL(in, rules); got != want {
			t.Errorf("rewriteURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckEndpointURL(t *testing.T) {
	for _, ok := range []string{"https://example.com", "http://127.0.0.1:9", "http://localhost/x", "http://api.localhost",
		"http://10.0.0.1", "http://172.16.5.5", "http://192.168.1.1", "http://[::1]:8080", "http://[fd00::1]/"} {
		if err := CheckEndpointURL(ok, "u"); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://8.8.8.8/", "http://172.32.0.1/", "http://[2001:db8::1]/", "https://", "http:///x"} {
		if err := CheckEndpointURL(bad, "u"); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
