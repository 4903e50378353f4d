package receiver

import "testing"

// No request body crashes the OpenSearch receiver: it is either a list of
// well-formed index actions or refused with a reason.
func FuzzParseBulk(f *testing.F) {
	f.Add([]byte("{\"index\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{\"a\":1}\n"))
	f.Add([]byte("{\"index\":{\"_index\":\"i\",\"_type\":\"t\"}}\n{}\n{\"index\":{}}\n"))
	f.Add([]byte("{\"delete\":{\"_index\":\"i\"}}\n\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req BulkRequest
		if err := parseBulk(body, &req); err != "" {
			return
		}
		if len(req.Actions) == 0 {
			t.Fatal("a body without actions was accepted")
		}
		for _, a := range req.Actions {
			if a.Action != "index" || a.Index == "" || len(a.Source) == 0 {
				t.Fatalf("accepted action %+v", a)
			}
		}
	})
}
