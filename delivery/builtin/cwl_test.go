package builtin

import (
	"testing"
)

// controlMessage is the health check CloudWatch Logs sends when a filter
// is created (spec §3.2).
const controlMessage = `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1680683189085,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`

func TestExtractMessages(t *testing.T) {
	tests := []struct {
		name, record, want string
	}{
		{"spec example", `{"messageType":"DATA_MESSAGE","owner":"111111111111","logGroup":"CloudTrail/logs","logStream":"111111111111_CloudTrail/logs_us-east-1",
 "subscriptionFilters":["Destination"],
 "logEvents":[{"id":"31953106606966983378809025079804211143289615424298221568","timestamp":1432826855000,"message":"{\"eventVersion\":\"1.03\"}"},{"id":"31953106606966983378809025079804211143289615424298221569","timestamp":1432826855000,"message":"second"}]}`,
			"{\"eventVersion\":\"1.03\"}\nsecond\n"},
		{"control message", controlMessage, ""},
		{"no events", `{"messageType":"DATA_MESSAGE","logEvents":[]}`, ""},
		{"escapes", `{"messageType":"DATA_MESSAGE","logEvents":[{"message":"a\tb\nc \u00e9 \ud83d\ude00 \"q\" \\"}]}`, "a\tb\nc é 😀 \"q\" \\\n"},
		{"members in any order", `{"logEvents":[{"timestamp":1,"message":"m","id":"x","extractedFields":{"a":[1,{"b":null}]}}],"owner":"o","messageType":"DATA_MESSAGE"}`, "m\n"},
		{"whitespace", " \n{ \"messageType\" : \"DATA_MESSAGE\" , \"logEvents\" : [ { \"message\" : \"m\" } , { \"message\" : \"\" } ] }\n", "m\n\n"},
		{"escaped key", `{"message\u0054ype":"DATA_MESSAGE","logEvents":[{"m\u0065ssage":"m"}]}`, "m\n"},
		{"repeated logEvents", `{"messageType":"DATA_MESSAGE","logEvents":[{"message":"first"}],"logEvents":[{"message":"last"}]}`, "last\n"},
		{"repeated message", `{"messageType":"DATA_MESSAGE","logEvents":[{"message":"a","message":"b"}]}`, "b\n"},
	}
	for _, tt := range tests {
		got, f := ExtractMessages([]byte("keep|"), []byte(tt.record))
		if f != nil {
			t.Errorf("%s: %v", tt.name, f)
			continue
		}
		if string(got) != "keep|"+tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got[5:], tt.want)
		}
	}
}

func TestExtractMessagesFailures(t *testing.T) {
	const prefix = "The record is not a CloudWatch Logs subscription message: "
	for record, why := range map[string]string{
		``:                                       "it is not a JSON object",
		`[]`:                                     "it is not a JSON object",
		"\x1f\x8b\x08\x00":                       "it is not a JSON object",
		`{}`:                                     "it has no messageType",
		`{"logEvents":[]}`:                       "it has no messageType",
		`{"messageType":"DATA_MESSAGE"}`:         "it has no logEvents",
		`{"messageType":"OTHER","logEvents":[]}`: "its messageType is neither DATA_MESSAGE nor CONTROL_MESSAGE",
		`{"messageType":1,"logEvents":[]}`:       "its messageType is not a string",
		`{"messageType":"DATA_MESSAGE","logEvents":{}}`:                                              "its logEvents is not an array of events with a string message",
		`{"messageType":"DATA_MESSAGE","logEvents":[{"id":"x"}]}`:                                    "its logEvents is not an array of events with a string message",
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":1}]}`:                                 "its logEvents is not an array of events with a string message",
		`{"messageType":"DATA_MESSAGE","logEvents":["m"]}`:                                           "its logEvents is not an array of events with a string message",
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"m",}]}`:                              "its logEvents is not an array of events with a string message",
		`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"m"}]`:                                "it is not valid JSON",
		`{"messageType":"DATA_MESSAGE","logEvents":[]}{"messageType":"DATA_MESSAGE","logEvents":[]}`: "it is not one JSON object",
		`{"messageType":"DATA_MESSAGE","owner":x,"logEvents":[]}`:                                    "it is not valid JSON",
	} {
		got, f := ExtractMessages([]byte("keep"), []byte(record))
		if f == nil {
			t.Errorf("%q: no failure, got %q", record, got)
			continue
		}
		if f.Code != CodeCloudWatchLogsFailed || f.OutputType != "processing-failed" || f.Message != prefix+why+"." {
			t.Errorf("%q: %+v, want %q", record, f, why)
		}
		if string(got) != "keep" {
			t.Errorf("%q: dst = %q", record, got)
		}
	}
}

func TestCloudWatchLogsProcess(t *testing.T) {
	for _, v := range []string{"false", "False", "FALSE"} {
		plan, err := ParseProcessing(processing(pDecomp, proc("CloudWatchLogProcessing", "DataMessageExtraction", v)), false)
		if err != nil {
			t.Fatal(err)
		}
		if got, f := plan.CloudWatchLogs.Process(nil, []byte(controlMessage)); f != nil || string(got) != controlMessage {
			t.Errorf("%s: %q, %v", v, got, f)
		}
	}
	c := &CloudWatchLogs{Extract: true}
	if got, f := c.Process(nil, []byte(`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"m"}]}`)); f != nil || string(got) != "m\n" {
		t.Errorf("extract: %q, %v", got, f)
	}
}

// TestCloudWatchLogsChain runs a gzip'd subscription record through
// Decompression and CloudWatchLogProcessing as a plan would.
func TestCloudWatchLogsChain(t *testing.T) {
	plan, err := ParseProcessing(processing(pCWL, pDecomp), false)
	if err != nil {
		t.Fatal(err)
	}
	record := gzipProgram(t, cwlPayload(3), "-6")
	data, f := plan.Decompression.Decompress(nil, record)
	if f != nil {
		t.Fatal(f)
	}
	out, f := plan.CloudWatchLogs.Process(nil, data)
	if f != nil {
		t.Fatal(f)
	}
	if want := "line \nline x\nline xx\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}
