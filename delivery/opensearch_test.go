package delivery

import (
	"testing"
	"time"
)

func TestIndexName(t *testing.T) {
	ms := func(y int, m time.Month, d, h int) int64 {
		return time.Date(y, m, d, h, 30, 0, 0, time.UTC).UnixMilli()
	}
	cases := []struct {
		rotation string
		at       int64
		want     string
	}{
		{"NoRotation", ms(2016, 2, 25, 13), "i"},
		{"OneHour", ms(2016, 2, 25, 13), "i-2016-02-25-13"},
		{"OneDay", ms(2016, 2, 25, 13), "i-2016-02-25"},
		{"OneWeek", ms(2016, 2, 25, 13), "i-2016-w08"}, // AWS's example
		{"OneWeek", ms(2021, 1, 3, 0), "i-2021-w53"},   // ISO week 53 of 2020, calendar year 2021
		{"OneWeek", ms(2024, 12, 30, 0), "i-2024-w01"}, // ISO week 1 of 2025
		{"OneMonth", ms(2016, 2, 25, 13), "i-2016-02"},
		// Arrival in another zone is still read in UTC.
		{"OneDay", time.Date(2016, 2, 26, 1, 0, 0, 0, time.FixedZone("x", 5*3600)).UnixMilli(), "i-2016-02-25"},
	}
	for _, c := range cases {
		if got := indexName("i", c.rotation, c.at); got != c.want {
			t.Errorf("%s at %s: %s, want %s", c.rotation, time.UnixMilli(c.at).UTC(), got, c.want)
		}
	}
}

func TestDocumentLine(t *testing.T) {
	cases := map[string]string{
		`{"a":1}`:                 `{"a":1}`,
		"{\n  \"a\": [1, 2]\n}\n": `{"a":[1,2]}`,
		"not json":                "not json",
		"{\"s\":\"x\\ny\"}":       "{\"s\":\"x\\ny\"}", // an escaped newline is not a line break
	}
	for in, want := range cases {
		if got := documentLine([]byte(in)); string(got) != want {
			t.Errorf("documentLine(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"", " \n", "not\njson"} {
		if got := documentLine([]byte(in)); got != nil {
			t.Errorf("documentLine(%q) = %q, want nil (cannot be sent)", in, got)
		}
	}
}

func TestBulkURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://search-x.us-east-1.es.amazonaws.com":   "https://search-x.us-east-1.es.amazonaws.com/_bulk",
		"http://127.0.0.1:9200/":                        "http://127.0.0.1:9200/_bulk",
		"http://proxy.local:8080/opensearch/?debug=1#x": "http://proxy.local:8080/opensearch/_bulk",
	} {
		if got := bulkURL(in); got != want {
			t.Errorf("bulkURL(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestDomainEndpoint(t *testing.T) {
	if got := DomainEndpoint("arn:aws:es:eu-west-1:123456789012:domain/logs"); got != "https://logs.eu-west-1.es.localhost" {
		t.Fatalf("DomainEndpoint = %s", got)
	}
	for host, want := range map[string]string{
		"search-logs-abc.us-east-1.es.amazonaws.com": "us-east-1", "id.eu-west-2.aoss.amazonaws.com": "eu-west-2",
		"logs.ap-south-1.es.localhost": "ap-south-1", "127.0.0.1": "", "opensearch": "",
	} {
		if got := hostRegion(host); got != want {
			t.Errorf("hostRegion(%s) = %q, want %q", host, got, want)
		}
	}
}

// No bulk answer can crash delivery: each document gets an outcome, or the
// request a failure.
func FuzzParseBulkResponse(f *testing.F) {
	f.Add([]byte(`{"took":1,"errors":false,"items":[{"index":{"_index":"i","_id":"1","status":201}}]}`), 1)
	f.Add([]byte(`{"errors":true,"items":[{"index":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"x"}}},{"index":null}]}`), 2)
	f.Add([]byte(`{"items":[{"index":{},"create":{}}]}`), 1)
	f.Add([]byte(`[]`), 0)
	f.Fuzz(func(t *testing.T, data []byte, count int) {
		if count < 0 || count > 1000 {
			return
		}
		items, fail := parseBulkResponse(data, count, "OS.")
		if (fail == nil) == (items == nil) && count > 0 {
			t.Fatalf("items %v and failure %v", items, fail)
		}
		if fail == nil && len(items) != count {
			t.Fatalf("%d outcomes for %d documents", len(items), count)
		}
		for _, it := range items {
			if it != nil && (it.code == "" || it.message == "") {
				t.Fatalf("a failure without code or message: %+v", it)
			}
		}
	})
}
