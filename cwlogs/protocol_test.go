package cwlogs_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/cwlogs"
)

// rawCall sends a JSON 1.1 request without the SDK.
func rawCall(t *testing.T, e *env, method, target, contentType string, body []byte) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, e.url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: response is not a JSON object: %q", target, b)
	}
	return resp.StatusCode, resp.Header, doc
}

const jsonType = "application/x-amz-json-1.1"

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	for _, tc := range []struct {
		name, method, target, contentType, body string
		status                                  int
		typ, msg                                string
	}{
		{"missing member", "POST", "Logs_20140328.CreateLogGroup", jsonType, `{}`, 400, "InvalidParameterException",
			"1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null"},
		{"empty body counts as {}", "POST", "Logs_20140328.CreateLogStream", jsonType, ``, 400, "InvalidParameterException", "2 validation errors detected"},
		{"not JSON", "POST", "Logs_20140328.CreateLogGroup", jsonType, `{"logGroupName":`, 400, "SerializationException", ""},
		{"not an object", "POST", "Logs_20140328.CreateLogGroup", jsonType, `[1]`, 400, "SerializationException", ""},
		{"wrong type", "POST", "Logs_20140328.CreateLogGroup", jsonType, `{"logGroupName": 5}`, 400, "SerializationException", "logGroupName"},
		{"fractional timestamp", "POST", "Logs_20140328.GetLogEvents", jsonType, `{"logGroupName":"g","logStreamName":"s","startTime":1.5}`, 400, "SerializationException", "startTime"},
		{"huge integer", "POST", "Logs_20140328.GetLogEvents", jsonType, `{"logGroupName":"g","logStreamName":"s","limit":99999999999}`, 400, "SerializationException", "limit"},
		{"content type", "POST", "Logs_20140328.DescribeLogGroups", "text/plain", `{}`, 400, "SerializationException", "Content-Type"},
		{"method", "GET", "Logs_20140328.DescribeLogGroups", jsonType, ``, 400, "UnknownOperationException", "POST"},
		{"unknown operation", "POST", "Logs_20140328.MakeCoffee", jsonType, `{}`, 400, "UnknownOperationException", "Logs_20140328.MakeCoffee"},
		{"operation not implemented", "POST", "Logs_20140328.DescribeMetricFilters", jsonType, `{}`, 400, "InvalidParameterException",
			"firehose-local does not support the CloudWatch Logs operation DescribeMetricFilters yet."},
		{"validated before refused", "POST", "Logs_20140328.DescribeMetricFilters", jsonType, `{"limit": 0}`, 400, "InvalidParameterException",
			"Member must have value greater than or equal to 1"},
		{"body too large", "POST", "Logs_20140328.PutLogEvents", jsonType, `{"x":"` + strings.Repeat("a", 9<<20) + `"}`, 413, "RequestEntityTooLargeException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, doc := rawCall(t, e, tc.method, tc.target, tc.contentType, []byte(tc.body))
			msg, _ := doc["message"].(string)
			if status != tc.status || doc["__type"] != tc.typ || !strings.Contains(msg, tc.msg) {
				t.Fatalf("%d %v, want %d %s containing %q", status, doc, tc.status, tc.typ, tc.msg)
			}
			if h.Get("Content-Type") != jsonType || h.Get("X-Amzn-Requestid") == "" || h.Get("X-Amzn-Errortype") != tc.typ {
				t.Fatalf("headers %v", h)
			}
		})
	}
}

// TestEveryOperation sends every operation of the model, empty and with
// junk, and checks that each gets a well-formed AWS answer: implemented
// ones a result or a client error, the others a refusal naming them.
func TestEveryOperation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	implemented := cwlogs.Operations()
	ops := cwlogs.Model().Operations
	if len(ops) < 100 {
		t.Fatalf("the model has %d operations", len(ops))
	}
	for _, op := range implemented {
		if _, ok := ops[op]; !ok {
			t.Errorf("implemented operation %s is not in the model", op)
		}
	}
	junk := []string{`{}`, `{"logGroupName":"g","logStreamName":"s","logGroupIdentifier":"g","limit":1,"nextToken":"x"}`,
		`{"logGroupName":null,"tags":{"a":null},"logEvents":[null]}`, `{"logGroupName":"` + strings.Repeat("é", 600) + `"}`}
	for op := range ops {
		for _, body := range junk {
			status, _, doc := rawCall(t, e, "POST", cwlogs.TargetPrefix+op, jsonType, []byte(body))
			typ, _ := doc["__type"].(string)
			if status >= 500 {
				t.Errorf("%s %s: %d %v", op, body, status, doc)
			}
			if status == 200 {
				if !slices.Contains(implemented, op) {
					t.Errorf("%s succeeded but is not implemented", op)
				}
				continue
			}
			msg, _ := doc["message"].(string)
			if typ == "" || msg == "" || typ == "UnknownOperationException" {
				t.Errorf("%s %s: %d %v", op, body, status, doc)
			}
			if !slices.Contains(implemented, op) && typ == "InvalidParameterException" &&
				!strings.Contains(msg, "validation error") && !strings.Contains(msg, "does not support the CloudWatch Logs operation "+op) {
				t.Errorf("%s: %v", op, doc)
			}
		}
	}
}
