package externals3

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	creds := write("credentials", `# a comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default-secret

[dev]
aws_access_key_id=AKIDDEV
aws_secret_access_key=dev-secret
aws_session_token = dev-token
s3 =
  max_concurrent_requests = 20
`)
	config := write("config", `[default]
region = eu-west-1
[profile cfg]
aws_access_key_id = AKIDCFG
aws_secret_access_key = cfg-secret
[profile role]
role_arn = arn:aws:iam::123456789012:role/r
source_profile = default
[profile sso]
sso_session = my-sso
`)
	for _, c := range []struct {
		name, wantID, wantToken, wantErr string
		env                              map[string]string
	}{
		{name: "environment first", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "tok", "AWS_PROFILE": "dev"}, wantID: "AKIDENV", wantToken: "tok"},
		{name: "older variable names", env: map[string]string{"AWS_ACCESS_KEY": "AKIDOLD", "AWS_SECRET_KEY": "s"}, wantID: "AKIDOLD"},
		{name: "key ID without secret", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV"}, wantErr: "AWS_SECRET_ACCESS_KEY is not"},
		{name: "secret without key ID", env: map[string]string{"AWS_SECRET_ACCESS_KEY": "s"}, wantErr: "AWS_ACCESS_KEY_ID is not"},
		{name: "default profile", wantID: "AKIDDEFAULT"},
		{name: "AWS_PROFILE in the credentials file", env: map[string]string{"AWS_PROFILE": "dev"}, wantID: "AKIDDEV", wantToken: "dev-token"},
		{name: "AWS_DEFAULT_PROFILE", env: map[string]string{"AWS_DEFAULT_PROFILE": "dev"}, wantID: "AKIDDEV", wantToken: "dev-token"},
		{name: "static keys in the config file", env: map[string]string{"AWS_PROFILE": "cfg"}, wantID: "AKIDCFG"},
		{name: "assumed role refused by name", env: map[string]string{"AWS_PROFILE": "role"}, wantErr: `profile "role" in ` + config + " gets its credentials through role_arn"},
		{name: "SSO refused by name", env: map[string]string{"AWS_PROFILE": "sso"}, wantErr: "through sso_session"},
		{name: "missing profile", env: map[string]string{"AWS_PROFILE": "nope"}, wantErr: `AWS_PROFILE names profile "nope"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_CONFIG_FILE": config}
			for k, v := range c.env {
				env[k] = v
			}
			got, err := Resolve(func(k string) string { return env[k] })
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, c.wantErr)
				}
				return
			}
			if err != nil || got.AccessKeyID != c.wantID || got.SessionToken != c.wantToken || got.SecretAccessKey == "" {
				t.Fatalf("got %+v, %v; want key %s, token %q", got, err, c.wantID, c.wantToken)
			}
		})
	}
}

func TestResolveHomeAndNothing(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	get := func(k string) string { return env[k] }
	if _, err := Resolve(get); err == nil || !strings.Contains(err.Error(), "--s3-endpoint needs credentials") {
		t.Fatalf("no credentials anywhere: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[default]\naws_access_key_id = AKIDHOME\naws_secret_access_key = s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := Resolve(get); err != nil || got.AccessKeyID != "AKIDHOME" {
		t.Fatalf("~/.aws/credentials: %+v, %v", got, err)
	}
}
