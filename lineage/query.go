package lineage

import "time"

// States of a record.
const (
	StateBuffered  = "buffered"  // waiting in a buffer (Record.Buffer says which)
	StateDelivered = "delivered" // written to its destination
	StateFailed    = "failed"    // in the error output (written, or waiting to be)
	StateDropped   = "dropped"   // the Lambda function dropped it
	StateUnknown   = "unknown"   // its batch has left the index
)

// Record is what the index knows of one record, as GET /_local/records/{id}
// answers it.
type Record struct {
	RecordID string    `json:"recordId"`
	Stream   string    `json:"stream"`
	Region   string    `json:"region"`
	Arrival  time.Time `json:"arrival"`
	State    string    `json:"state"`
	// Reason is why a failed record failed: its error code, and what
	// failed (the invocation, the delivery).
	Reason string `json:"reason,omitempty"`
	// Invocation is the Lambda invocation that processed it; nil: none.
	Invocation *RecordInvocation `json:"invocation,omitempty"`
	// Where is the batch it sits in or was written in; nil: unknown.
	Where *RecordBatch `json:"where,omitempty"`
	// Backup is the S3 backup batch with its source copy; nil: none.
	Backup *RecordBatch `json:"backup,omitempty"`
}

// RecordInvocation is an invocation, with what it made of one record.
type RecordInvocation struct {
	Invocation
	Result string `json:"result"` // Ok, Dropped, ProcessingFailed; "" when the invocation failed
}

// RecordBatch is a batch, with one record's place in it.
type RecordBatch struct {
	Batch
	// Index is the record's index among the batch's records (with format
	// conversion, records that did not convert have no row in the object).
	Index int `json:"index"`
	// ByteRange is the record's bytes in the object's uncompressed body,
	// [start, end); nil when converted or not written.
	ByteRange []int `json:"byteRange,omitempty"`
}

// Lookup returns record seq, named id, if the index still has it.
func (x *Index) Lookup(seq uint64, id string) (Record, bool) {
	e, ok := x.get(seq)
	if !ok {
		return Record{}, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.recordLocked(e, id), true
}

func (x *Index) recordLocked(e entry, id string) Record {
	r := Record{RecordID: id, Arrival: time.UnixMilli(e.arrival).UTC()}
	if int(e.stream) < len(x.streams) {
		s := x.streams[e.stream]
		r.Stream, r.Region = s.Name, s.Region
	}
	code := x.codes[e.code]
	if f := x.factLocked(e.inv); f != nil {
		r.Invocation = &RecordInvocation{Invocation: *f.inv, Result: resultNames[e.result]}
	}
	r.Where = batchView(x.factLocked(e.where), e.idx)
	r.Backup = batchView(x.factLocked(e.backup), e.idx)
	if r.Backup != nil {
		r.Backup.Index, r.Backup.ByteRange = -1, nil
		b := x.factLocked(e.backup).batch
		b.seqs.each(func(s uint64, i int) bool {
			if s == e.seq {
				r.Backup.Index, r.Backup.ByteRange = i, byteRange(b, i)
				return false
			}
			return true
		})
	}
	r.State = x.stateLocked(e)
	switch r.State {
	case StateDropped:
		if r.Where != nil && r.Where.Dropped {
			r.Reason = r.Where.Error
		}
	case StateFailed:
		r.Reason = code
		if r.Reason == "" {
			r.Reason = r.Where.ErrorType
		}
		if r.Invocation != nil && r.Invocation.Failure != "" {
			r.Reason = r.Invocation.Failure
		}
	}
	return r
}

// stateLocked is the state of record e.
func (x *Index) stateLocked(e entry) string {
	if e.result == ResultDropped {
		return StateDropped
	}
	f := x.factLocked(e.where)
	if f == nil || f.batch == nil {
		return StateUnknown
	}
	switch b := f.batch; {
	case b.Dropped:
		return StateDropped
	case b.ErrorType != "":
		return StateFailed
	case b.Written:
		return StateDelivered
	}
	return StateBuffered
}

func batchView(f *fact, idx uint32) *RecordBatch {
	if f == nil || f.batch == nil {
		return nil
	}
	v := &RecordBatch{Batch: *f.batch, Index: int(idx)}
	if f.batch.Written && !f.batch.Converted {
		v.ByteRange = byteRange(f.batch, int(idx))
	}
	return v
}

func byteRange(b *Batch, i int) []int {
	if i >= len(b.ends) {
		return nil
	}
	start := 0
	if i > 0 {
		start = int(b.ends[i-1])
	}
	return []int{start, int(b.ends[i])}
}

// Failed lists up to limit of the most recent failed records (newest
// first), of stream if not "", looking back from seq last; id names a
// sequence number.
func (x *Index) Failed(last uint64, region, stream string, limit int, id func(uint64) string) []Record {
	return x.list(last, region, stream, limit, id, func(s string) bool { return s == StateFailed })
}

// List lists up to limit of the most recent records of stream in state
// ("" any), newest first.
func (x *Index) List(last uint64, region, stream, state string, limit int, id func(uint64) string) []Record {
	return x.list(last, region, stream, limit, id, func(s string) bool { return state == "" || s == state })
}

func (x *Index) list(last uint64, region, stream string, limit int, id func(uint64) string, keep func(state string) bool) []Record {
	out := []Record{}
	if x == nil {
		return out
	}
	var match map[uint32]bool // the streams of that name (in region, if given)
	if stream != "" {
		match = map[uint32]bool{}
		x.mu.Lock()
		for i, s := range x.streams {
			if s.Name == stream && (region == "" || s.Region == region) {
				match[uint32(i)] = true
			}
		}
		x.mu.Unlock()
		if len(match) == 0 {
			return out
		}
	}
	for seq := last; seq > 0 && last-seq < x.size && len(out) < limit; seq-- {
		e, ok := x.get(seq)
		if !ok || (match != nil && !match[e.stream]) {
			continue
		}
		x.mu.Lock()
		if keep(x.stateLocked(e)) {
			out = append(out, x.recordLocked(e, id(seq)))
		}
		x.mu.Unlock()
	}
	return out
}

// Group is the records of one object or one invocation.
type Group struct {
	Batch      *Batch      `json:"batch,omitempty"`
	Invocation *Invocation `json:"invocation,omitempty"`
	Stream     string      `json:"stream"`
	Region     string      `json:"region"`
	// Records are its records' IDs, in order (those still in the index),
	// up to the limit asked for; Total counts them all.
	Records []string `json:"records"`
	Total   int      `json:"total"`
	// Invocations are the request IDs of the invocations that processed
	// an object's records.
	Invocations []string `json:"invocations,omitempty"`
	// Objects are where an invocation's records went: s3://bucket/key.
	Objects []string `json:"objects,omitempty"`
}

// Object returns the records written in bucket/key (the IDs of the first
// limit).
func (x *Index) Object(bucket, key string, limit int, id func(uint64) string) (Group, bool) {
	if x == nil {
		return Group{}, false
	}
	x.mu.Lock()
	f := x.factLocked(x.byObject[bucket+"/"+key])
	if f == nil {
		x.mu.Unlock()
		return Group{}, false
	}
	b := *f.batch
	g := Group{Batch: &b}
	g.Stream, g.Region = x.streamOfLocked(f.stream)
	x.mu.Unlock()
	g.Invocations = x.collect(&g, b.seqs, limit, id, func(e entry, add func(string)) {
		if inv := x.factLocked(e.inv); inv != nil {
			for _, a := range inv.inv.Attempts {
				if a.RequestID != "" {
					add(a.RequestID)
				}
			}
		}
	})
	return g, true
}

// Request returns the records of the invocation with Lambda request ID
// req (the IDs of the first limit), and where they went.
func (x *Index) Request(req string, limit int, id func(uint64) string) (Group, bool) {
	if x == nil {
		return Group{}, false
	}
	x.mu.Lock()
	f := x.factLocked(x.byReq[req])
	if f == nil {
		x.mu.Unlock()
		return Group{}, false
	}
	inv := *f.inv
	g := Group{Invocation: &inv}
	g.Stream, g.Region = x.streamOfLocked(f.stream)
	x.mu.Unlock()
	g.Objects = x.collect(&g, inv.seqs, limit, id, func(e entry, add func(string)) {
		if w := x.factLocked(e.where); w != nil && w.batch.Key != "" {
			add("s3://" + w.batch.Bucket + "/" + w.batch.Key)
		}
	})
	return g, true
}

// collect adds the IDs of the records of seqs still in the index to g (the
// first limit; Total counts them all) and returns what related gives for
// them, each string once, in order. related runs with x.mu held.
func (x *Index) collect(g *Group, seqs runs, limit int, id func(uint64) string, related func(e entry, add func(string))) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	seqs.each(func(s uint64, _ int) bool {
		e, ok := x.get(s)
		if !ok {
			return true
		}
		if g.Total++; len(g.Records) < limit {
			g.Records = append(g.Records, id(s))
		}
		x.mu.Lock()
		related(e, add)
		x.mu.Unlock()
		return true
	})
	return out
}

func (x *Index) streamOfLocked(n uint32) (name, region string) {
	if int(n) < len(x.streams) {
		return x.streams[n].Name, x.streams[n].Region
	}
	return "", ""
}
