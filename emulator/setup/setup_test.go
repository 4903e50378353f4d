package setup

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// Entries come out in creation order whatever their order in the file, and
// each names its place.
func TestLoadOrdersAndNamesEntries(t *testing.T) {
	spec, err := Load(`{"deliveryStreams":[{"DeliveryStreamName":"s"}],"glueTables":[{"DatabaseName":"d","TableInput":{"Name":"t"}}],
		"buckets":[{"Bucket":"b1"},{"Bucket":"b2"}],"functions":[{"Name":"dir-fn","Dir":"x","Runtime":"python3.12"}],"logGroups":[{"logGroupName":"g"}],
		"glueDatabases":[{"DatabaseInput":{"Name":"d"}}],"kinesisStreams":[{"StreamName":"k"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range spec.Entries {
		got = append(got, e.Where())
	}
	want := "buckets[0] (b1) buckets[1] (b2) logGroups[0] (g) functions[0] (dir-fn) kinesisStreams[0] (k) glueDatabases[0] (d) glueTables[0] (t) deliveryStreams[0] (s)"
	if strings.Join(got, " ") != want {
		t.Errorf("order:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if e := (Entry{Kind: Buckets, File: "f.json", Index: 3, Input: []byte(`{}`)}); e.Where() != "f.json: buckets[3]" {
		t.Errorf("Where of an entry without a name: %q", e.Where())
	}
}

// The three error shapes of the APIs on the port read as one.
func TestParseError(t *testing.T) {
	for _, tc := range []struct {
		header     http.Header
		body, want string
	}{
		{nil, `{"__type":"ResourceInUseException","message":"Firehose s under accountId 000000000000 already exists"}`, "ResourceInUseException: Firehose s under"},
		{nil, `{"__type":"com.amazonaws.glue#AlreadyExistsException","Message":"Database already exists."}`, "AlreadyExistsException: Database already exists."},
		{http.Header{"X-Amzn-Errortype": {"ResourceConflictException:http://internal.amazon.com/coral/"}}, `{"Type":"User","message":"Function already exist: f"}`, "ResourceConflictException: Function already exist: f"},
		{nil, `<?xml version="1.0"?><Error><Code>BucketAlreadyOwnedByYou</Code><Message>yours</Message></Error>`, "BucketAlreadyOwnedByYou: yours"},
		{nil, `plain text`, "HTTP 409: plain text"},
	} {
		err := parseError(&http.Response{StatusCode: 409, Header: tc.header}, []byte(tc.body))
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %q, want %q", tc.body, err, tc.want)
		}
	}
	if !exists(&APIError{Code: "BucketAlreadyOwnedByYou"}) || exists(&APIError{Code: "ValidationException"}) || exists(errors.New("x")) {
		t.Error("exists misreads the codes")
	}
}

// An empty directory declares nothing; a missing one is an error.
func TestLoadDirectories(t *testing.T) {
	dir := t.TempDir()
	spec, err := Load(dir)
	if err != nil || !spec.Empty() {
		t.Errorf("empty directory: %+v %v", spec, err)
	}
	if _, err := Load(dir + "/missing"); err == nil {
		t.Error("a missing directory loads")
	}
}
