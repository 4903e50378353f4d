package lineage

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// DefaultSize is how many records the index keeps unless told otherwise.
const DefaultSize = 1_000_000

// FromConfig is the index a server's configuration asks for: 0, the
// default size; negative, none.
func FromConfig(n int) *Index {
	if n == 0 {
		n = DefaultSize
	}
	return New(n)
}

// IDs maps RecordIds to sequence numbers and back: the Firehose service,
// which issues them.
type IDs interface {
	RecordSeq(id string) (uint64, bool)
	RecordID(seq uint64) string
	LastRecordSeq() uint64
}

// Prefix is where Handler answers.
const Prefix = "/_local/records"

// Handler serves
//
//	GET /_local/records/{RecordId}       one record (the id URL-encoded)
//	GET /_local/records?stream=NAME&state=failed[&region=R]
//	                                     recent records, newest first
//	GET /_local/records?bucket=B&key=K   the records of a written object
//	GET /_local/records?request=ID       the records of a Lambda invocation
//
// Lists and groups give at most limit (default 100) RecordIds.
//
// Unknown records answer 404 as a ResourceNotFoundException.
func Handler(x *Index, ids IDs) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, awsjson.NewError(awsjson.ErrInvalidArgument, "%s is not supported on %s; use GET.", r.Method, Prefix))
			return
		}
		if x == nil {
			writeError(w, awsjson.NewError(awsjson.ErrResourceNotFound, "Record lineage is off (--lineage-records 0)."))
			return
		}
		rest := strings.TrimPrefix(r.URL.EscapedPath(), Prefix)
		if rest != "" && rest[0] != '/' { // /_local/recordsX
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such admin endpoint: " + r.Method + " " + r.URL.Path})
			return
		}
		if rest != "" && rest != "/" {
			raw, err := url.PathUnescape(strings.TrimPrefix(rest, "/"))
			if err != nil {
				writeError(w, awsjson.NewError(awsjson.ErrInvalidArgument, "The RecordId in the path is not URL-encoded correctly."))
				return
			}
			rec, ok := x.find(ids, raw)
			if !ok {
				writeError(w, awsjson.NewError(awsjson.ErrResourceNotFound, "Record %s not found: it was never issued by this server, or has left the lineage index (the last %d records are kept).", quote(raw), x.Size()))
				return
			}
			writeJSON(w, http.StatusOK, rec)
			return
		}
		q := r.URL.Query()
		limit := 100
		if l := q.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 1 || n > 100000 {
				writeError(w, awsjson.NewError(awsjson.ErrInvalidArgument, "limit must be a number from 1 to 100000."))
				return
			}
			limit = n
		}
		switch {
		case q.Get("request") != "":
			g, ok := x.Request(q.Get("request"), limit, ids.RecordID)
			if !ok {
				writeError(w, awsjson.NewError(awsjson.ErrResourceNotFound, "No records of Lambda request %s are in the lineage index.", quote(q.Get("request"))))
				return
			}
			writeJSON(w, http.StatusOK, g)
		case q.Get("key") != "":
			g, ok := x.Object(q.Get("bucket"), q.Get("key"), limit, ids.RecordID)
			if !ok {
				writeError(w, awsjson.NewError(awsjson.ErrResourceNotFound, "No records of object s3://%s/%s are in the lineage index.", q.Get("bucket"), quote(q.Get("key"))))
				return
			}
			writeJSON(w, http.StatusOK, g)
		default:
			state := q.Get("state")
			switch state {
			case "", StateBuffered, StateDelivered, StateFailed, StateDropped:
			default:
				writeError(w, awsjson.NewError(awsjson.ErrInvalidArgument, "state must be buffered, delivered, failed or dropped."))
				return
			}
			recs := x.List(ids.LastRecordSeq(), q.Get("region"), q.Get("stream"), state, limit, ids.RecordID)
			writeJSON(w, http.StatusOK, map[string]any{
				"records": recs,
				"index":   map[string]any{"size": x.Size(), "memoryBytes": x.Memory()},
			})
		}
	})
}

// find looks a RecordId up.
func (x *Index) find(ids IDs, id string) (Record, bool) {
	seq, ok := ids.RecordSeq(id)
	if !ok {
		return Record{}, false
	}
	return x.Lookup(seq, id)
}

// quote shortens an untrusted string for an error message.
func quote(s string) string {
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strconv.Quote(s)
}

// writeError writes e in AWS's JSON error shape; a ResourceNotFoundException
// is a 404 here (this is a local endpoint, not an AWS API).
func writeError(w http.ResponseWriter, e *awsjson.Error) {
	if e.Type == awsjson.ErrResourceNotFound {
		e.Status = http.StatusNotFound
	}
	awsjson.WriteError(w, e, awsjson.MarshalError(e))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
