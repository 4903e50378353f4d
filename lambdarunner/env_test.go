package lambdarunner

import (
	"strings"
	"testing"
)

// buildEnv starts from nothing: the host's variables (its AWS credentials
// first) never reach a function, whose credentials are the runner's.
func TestBuildEnvCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDHOST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "host-secret")
	t.Setenv("AWS_SESSION_TOKEN", "host-token")
	t.Setenv("HOST_ONLY", "x")
	fn := &Function{Name: "f", Runtime: "python3.12", Handler: "app.handler", Region: "us-east-1", Version: "$LATEST",
		Env: map[string]string{"AWS_SECRET_ACCESS_KEY": "configured", "MINE": "1"}}
	get := func(env []string) map[string]string {
		m := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		return m
	}
	env := get(buildEnv(fn, envParams{creds: Credentials{"ASIAFN", "fn-secret", ""}}))
	if env["AWS_ACCESS_KEY_ID"] != "ASIAFN" || env["AWS_SECRET_ACCESS_KEY"] != "fn-secret" || env["MINE"] != "1" {
		t.Fatalf("env %v", env)
	}
	for _, k := range []string{"AWS_SESSION_TOKEN", "HOST_ONLY", "HOME"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%q must not be set", k, v)
		}
	}
	r := New(Options{})
	defer r.Close()
	if r.creds.AccessKeyID != dummyAccessKeyID || r.creds.SessionToken != dummySessionToken {
		t.Fatalf("default credentials %+v", r.creds)
	}
}
