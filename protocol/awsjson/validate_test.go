package awsjson

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Every constraint the model states on any shape is enforced: for each
// shape a value just outside the constraint is a violation, and one just
// inside is not.
func TestEveryModelConstraintIsEnforced(t *testing.T) {
	m := firehoseModel(t)
	checked := 0
	check := func(name string, s *Shape, val any, wantViolation bool, what string) {
		t.Helper()
		v := validator{m: m}
		if err := v.value(name, val, "x", false); err != nil {
			t.Errorf("%s (%s): unexpected error %v", name, what, err)
			return
		}
		if got := len(v.violations) > 0; got != wantViolation {
			t.Errorf("%s (%s): violation=%v, want %v (%v)", name, what, got, wantViolation, v.violations)
		}
		checked++
	}
	for name, s := range m.Shapes {
		switch s.Type {
		case "string":
			if len(s.Enum) > 0 {
				check(name, s, "NOT_AN_ENUM_VALUE", true, "enum")
				for _, e := range s.Enum {
					check(name, s, e, false, "enum value "+e)
				}
				continue
			}
			if s.Min != nil && *s.Min >= 1 {
				check(name, s, "", true, "min length")
			}
			if s.Max != nil {
				long := strings.Repeat("a", int(*s.Max)+1)
				check(name, s, long, true, "max length")
			}
			if s.Pattern != "" && !s.matchPattern("\x00 \n") {
				check(name, s, "\x00 \n", true, "pattern")
			}
		case "integer", "long":
			if s.Min != nil {
				check(name, s, json.Number(strconv.Itoa(int(*s.Min)-1)), true, "min")
				check(name, s, json.Number(strconv.Itoa(int(*s.Min))), false, "at min")
			}
			if s.Max != nil {
				check(name, s, json.Number(strconv.Itoa(int(*s.Max)+1)), true, "max")
				check(name, s, json.Number(strconv.Itoa(int(*s.Max))), false, "at max")
			}
		case "list":
			if s.Max != nil && m.Shapes[s.Member.Shape].Type == "string" {
				list := make([]any, int(*s.Max)+1)
				for i := range list {
					list[i] = "a"
				}
				v := validator{m: m}
				_ = v.value(name, list, "x", false)
				found := false
				for _, viol := range v.violations {
					found = found || strings.Contains(viol, "at 'x' failed to satisfy constraint: Member must have length less than or equal to")
				}
				if !found {
					t.Errorf("%s: list max not enforced: %v", name, v.violations)
				}
				checked++
			}
		}
	}
	if checked < 300 {
		t.Fatalf("only %d constraint checks ran; the model walk is broken", checked)
	}
	t.Logf("%d constraint checks", checked)
}

func TestValidationMessages(t *testing.T) {
	m := firehoseModel(t)
	cases := []struct {
		op, body, typ, msg string
	}{
		{"DescribeDeliveryStream", `{"DeliveryStreamName":"alph1a-osquery\n"}`, ErrValidation,
			"1 validation error detected: Value 'alph1a-osquery\n' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"PutRecordBatch", `{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="},{"Data":"` + strings.Repeat("A", 1365336) + `"}]}`, ErrValidation,
			"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024002 cap=1024002]' at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to 1024000"},
		{"TagDeliveryStream", `{"DeliveryStreamName":"s","Tags":[{"Key":"aws:x"},{"Key":"ok","Value":"bad*"}]}`, ErrValidation,
			"2 validation errors detected: Value 'aws:x' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$; Value 'bad*' at 'tags.2.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$"},
		{"CreateDeliveryStream", `{"DeliveryStreamName":"s","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"https://x","Name":"   "},"S3Configuration":{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::b"}}}`, ErrValidation,
			"Value '   ' at 'httpEndpointDestinationConfiguration.endpointConfiguration.name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!\\s*$).+"},
		{"ListDeliveryStreams", `{"Limit":true}`, ErrSerialization, "limit"},
		{"ListDeliveryStreams", `{"Limit":99999999999}`, ErrSerialization, "limit"},
		{"ListDeliveryStreams", `not json`, ErrSerialization, ""},
		{"ListDeliveryStreams", `{} {}`, ErrSerialization, ""},
		{"NoSuchOperation", `{}`, ErrUnknownOperation, ""},
	}
	for _, c := range cases {
		_, err := m.DecodeAndValidate(c.op, []byte(c.body))
		if err == nil || err.Type != c.typ || !strings.Contains(err.Message, c.msg) {
			t.Errorf("%s %.60s: got %v, want %s containing %q", c.op, c.body, err, c.typ, c.msg)
		}
	}
	if _, err := m.DecodeAndValidate("ListDeliveryStreams", nil); err != nil {
		t.Errorf("an empty body counts as {}: %v", err)
	}
	if _, err := m.DecodeAndValidate("ListDeliveryStreams", []byte(`{"Unknown":1,"Limit":5}`)); err != nil {
		t.Errorf("members outside the model are ignored, as AWS does: %v", err)
	}
}

func TestJavaLength(t *testing.T) {
	if n := JavaLength("a😀é"); n != 4 {
		t.Fatalf("javaLength = %d, want 4 (UTF-16 units)", n)
	}
}

// firehoseModel is botocore's Firehose model, as the repository holds it
// for the protocol package, to validate against.
func firehoseModel(t testing.TB) *Model {
	t.Helper()
	b, err := os.ReadFile("../models/firehose-2015-08-04.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseModel(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Java patterns may write a supplementary character as its two UTF-16
// surrogates (Glue's models do): it stands for the code point.
func TestSurrogatePairPattern(t *testing.T) {
	s := &Shape{Type: "string", Pattern: `[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*`, pat: new(pattern)}
	if p := s.compiled(); p.err != nil {
		t.Fatal(p.err)
	}
	for v, want := range map[string]bool{"plain": true, "emoji 😀": true, "tab\t": true, "nul\x00": false, "newline\n": false} {
		if got := s.matchPattern(v); got != want {
			t.Errorf("%q: match %v, want %v", v, got, want)
		}
	}
}

// With ListMembersAtList (Lambda), a list's bad string members are one
// violation at the list; without it, one per member.
func TestListMembersAtList(t *testing.T) {
	raw := `{"operations":{"Op":{"name":"Op","input":{"shape":"In"}}},"shapes":{
		"In":{"type":"structure","members":{"Architectures":{"shape":"List"}}},
		"List":{"type":"list","member":{"shape":"Arch"},"max":1,"min":1},
		"Arch":{"type":"string","enum":["x86_64","arm64"]}}}`
	m, err := ParseModel([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	const body = `{"Architectures":["X86_64"]}`
	_, verr := m.DecodeAndValidate("Op", []byte(body))
	if verr == nil || verr.Message != "1 validation error detected: Value 'X86_64' at 'architectures.1.member' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]" {
		t.Fatalf("per member: %v", verr)
	}
	m.ListMembersAtList = true
	// AWS Lambda's text, recorded (LocalStack's test_create_lambda_exceptions).
	_, verr = m.DecodeAndValidate("Op", []byte(body))
	if verr == nil || verr.Message != "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]" {
		t.Fatalf("at the list: %v", verr)
	}
	if _, verr := m.DecodeAndValidate("Op", []byte(`{"Architectures":["arm64"]}`)); verr != nil {
		t.Fatalf("valid: %v", verr)
	}
	if _, verr := m.DecodeAndValidate("Op", []byte(`{"Architectures":[1]}`)); verr == nil || verr.Type != ErrSerialization {
		t.Fatalf("a number: %v", verr)
	}
}

// Every pattern of every model the emulator embeds as it is compiles:
// patterns are compiled lazily, at the first value checked against them, so
// a pattern RE2 cannot take would otherwise only show up there (and pass
// every value). Lambda's model is rewritten before it is parsed and is
// checked in lambdaapi.
func TestEveryEmbeddedModelPatternCompiles(t *testing.T) {
	for _, path := range []string{
		"../models/firehose-2015-08-04.json",
		"../../kinesis/models/kinesis-2013-12-02.json",
		"../../cwlogs/models/logs-2014-03-28.json",
		"../../glue/models/glue-2017-03-31.json",
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseModel(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		n := 0
		for _, s := range m.Shapes {
			if s.Pattern != "" {
				n++
			}
		}
		if n == 0 {
			t.Fatalf("%s: no patterns", path)
		}
		if err := m.CompilePatterns(); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	// And one that does not compile is reported, by shape.
	m, err := ParseModel([]byte(`{"shapes":{"Bad":{"type":"string","pattern":"(?<=x)y"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CompilePatterns(); err == nil || !strings.Contains(err.Error(), "shape Bad") {
		t.Fatalf("CompilePatterns: %v", err)
	}
}

// ParseModel compiles no pattern; a shape's is compiled once, at its first
// check, and then kept.
func TestPatternsCompileOnFirstUse(t *testing.T) {
	m := firehoseModel(t)
	compiled := func() int {
		n := 0
		for _, s := range m.Shapes {
			if s.pat != nil && s.pat.re != nil {
				n++
			}
		}
		return n
	}
	if n := compiled(); n != 0 {
		t.Fatalf("%d patterns compiled by ParseModel", n)
	}
	s := m.Shapes["DeliveryStreamName"]
	if !s.matchPattern("my-stream") || s.matchPattern("bad name!") {
		t.Fatal("DeliveryStreamName's pattern")
	}
	re := s.pat.re
	if n := compiled(); n != 1 || re == nil {
		t.Fatalf("%d patterns compiled after one check", n)
	}
	s.matchPattern("again")
	if s.pat.re != re {
		t.Fatal("compiled again")
	}
}

// A structure's members keep the model's order, whatever their names and
// values hold.
func TestMembersKeepModelOrder(t *testing.T) {
	raw := `{"shapes":{"S":{"type":"structure","members":{
		"Zeta":{"shape":"T","note":"a } , \" [ value"},
		"Al\u0070ha":{"shape":"T","nested":{"x":[1,{"y":"}"}],"Fake":{"shape":"no"}}},
		"Mid":{"shape":"U"}}},
		"T":{"type":"string"},"U":{"type":"integer"}}}`
	m, err := ParseModel([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := orderedMembers{{"Zeta", "T"}, {"Alpha", "T"}, {"Mid", "U"}}
	if got := m.Shapes["S"].Members; !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
}
