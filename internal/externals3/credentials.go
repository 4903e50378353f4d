package externals3

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// unsupportedKeys are profile settings that get credentials some other way
// than static keys (assumed roles, SSO, a process, a web identity, a
// console login): the AWS SDKs follow them, this client does not.
var unsupportedKeys = []string{"role_arn", "source_profile", "credential_source", "credential_process",
	"sso_session", "sso_start_url", "sso_account_id", "web_identity_token_file", "login_session"}

// Resolve finds static credentials the way the AWS CLI and SDKs look for
// them first: the AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN variables, then the profile named by AWS_PROFILE (or
// "default") in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
// ~/.aws/credentials), then in the shared config file (AWS_CONFIG_FILE,
// ~/.aws/config). A profile that gets its credentials another way is
// refused by name rather than skipped.
func Resolve(getenv func(string) string) (aws.Credentials, error) {
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" && secret == "" { // the older names the SDKs still read
		id, secret = getenv("AWS_ACCESS_KEY"), getenv("AWS_SECRET_KEY")
	}
	switch {
	case id != "" && secret != "":
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN"), Source: "environment"}, nil
	case id != "":
		return aws.Credentials{}, fmt.Errorf("--s3-endpoint: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
	case secret != "":
		return aws.Credentials{}, fmt.Errorf("--s3-endpoint: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
	}
	profile := getenv("AWS_PROFILE")
	if profile == "" {
		profile = getenv("AWS_DEFAULT_PROFILE")
	}
	named := profile != ""
	if !named {
		profile = "default"
	}
	home := getenv("HOME")
	files := []struct {
		path, env, section string
	}{
		{sharedFile(getenv("AWS_SHARED_CREDENTIALS_FILE"), home, "credentials"), "AWS_SHARED_CREDENTIALS_FILE", profile},
		{sharedFile(getenv("AWS_CONFIG_FILE"), home, "config"), "AWS_CONFIG_FILE", configSection(profile)},
	}
	found := false
	for _, f := range files {
		if f.path == "" {
			continue
		}
		keys, ok, err := readSection(f.path, f.section)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("--s3-endpoint: reading %s: %w", f.path, err)
		}
		if !ok {
			continue
		}
		found = true
		if keys["aws_access_key_id"] != "" && keys["aws_secret_access_key"] != "" {
			return aws.Credentials{AccessKeyID: keys["aws_access_key_id"], SecretAccessKey: keys["aws_secret_access_key"],
				SessionToken: keys["aws_session_token"], Source: f.path}, nil
		}
		for _, k := range unsupportedKeys {
			if keys[k] != "" {
				return aws.Credentials{}, fmt.Errorf("--s3-endpoint: profile %q in %s gets its credentials through %s, which firehose-local does not follow; give the profile aws_access_key_id and aws_secret_access_key, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", profile, f.path, k)
			}
		}
	}
	if named && !found {
		return aws.Credentials{}, fmt.Errorf("--s3-endpoint: AWS_PROFILE names profile %q, which is in neither the shared credentials file nor the config file", profile)
	}
	return aws.Credentials{}, fmt.Errorf("--s3-endpoint needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give the %q profile aws_access_key_id and aws_secret_access_key in ~/.aws/credentials", profile)
}

func sharedFile(set, home, name string) string {
	if set != "" {
		return set
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".aws", name)
}

// configSection is the profile's section in the config file: [default],
// or [profile NAME].
func configSection(profile string) string {
	if profile == "default" {
		return "default"
	}
	return "profile " + profile
}

// readSection returns the keys of one section of an AWS INI file, and
// whether the section is there. A missing file has no sections. Indented
// lines (the sub-settings of a key, such as s3's) are skipped.
func readSection(path, section string) (map[string]string, bool, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	keys := map[string]string{}
	in, found := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			name := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "["), "]"))
			in = strings.Join(strings.Fields(name), " ") == section
			found = found || in
			continue
		}
		if !in || raw[0] == ' ' || raw[0] == '\t' {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			keys[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return keys, found, sc.Err()
}
