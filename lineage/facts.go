package lineage

import "slices"

// Kinds of batch facts: where a batch of records sits.
const (
	BufProcessor   = "processor buffer"
	BufDestination = "destination buffer"
	BufErrorOutput = "error output"
	BufBackup      = "S3 backup buffer"
)

// fact is what is known of one batch, or of one Lambda invocation.
type fact struct {
	id     uint32
	stream uint32
	inv    *Invocation // an invocation's fact; nil for a batch
	batch  *Batch
}

func (f *fact) memory() int64 {
	n := int64(64)
	if b := f.batch; b != nil {
		n += int64(128 + 16*len(b.Processors) + len(b.Key) + len(b.Bucket) + len(b.Destination) + len(b.Partition) + 4*cap(b.ends) + 16*cap(b.seqs))
	}
	if v := f.inv; v != nil {
		n += int64(160 + 16*cap(v.seqs))
		for _, a := range v.Attempts {
			n += int64(64 + len(a.RequestID) + len(a.Error))
		}
	}
	return n
}

// Batch is where a batch of records sits or went.
type Batch struct {
	Buffer    string `json:"buffer"`              // BufProcessor, BufDestination, …
	Partition string `json:"partition,omitempty"` // its dynamic partitioning keys
	ErrorType string `json:"errorType,omitempty"` // an error-output object's type, e.g. processing-failed
	// Processors are the stream's data processors its records go through,
	// in the order they run.
	Processors []string `json:"processors,omitempty"`
	// Once written:
	Written     bool   `json:"written"`
	Destination string `json:"destination,omitempty"` // s3://bucket, or the HTTP endpoint
	Bucket      string `json:"bucket,omitempty"`
	Key         string `json:"key,omitempty"`
	At          int64  `json:"at,omitempty"` // Unix ms
	Converted   bool   `json:"converted,omitempty"`
	// Why it was not written, or what failed on the way (the last
	// delivery error).
	Error string `json:"error,omitempty"`
	// Dropped: its records were given up, as AWS gives them up (an HTTP
	// endpoint's 413, S3's 24-hour retry window); Error says why.
	Dropped bool `json:"dropped,omitempty"`

	ends []uint32 // record end offsets in the object's uncompressed body
	seqs runs     // its records
}

// Attempt is one call of a Lambda function for a batch.
type Attempt struct {
	RequestID string `json:"requestId,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Invocation is what a Lambda processor did with a batch.
type Invocation struct {
	Function   string    `json:"function"`
	Attempts   []Attempt `json:"attempts"`
	DurationMs int64     `json:"durationMs"`
	// Failure is the error code and message of a batch the function never
	// processed (every attempt failed); "" otherwise.
	Failure string `json:"failure,omitempty"`
	At      int64  `json:"at"` // Unix ms

	seqs runs
}

// runs are sequence numbers in order, kept as runs of consecutive ones: a
// batch's records mostly came in a few calls, each numbered consecutively.
type runs []run

type run struct {
	first uint64
	n     uint32
}

func toRuns(seqs []uint64) runs {
	var out runs
	for _, s := range seqs {
		if k := len(out) - 1; k >= 0 && out[k].n < 1<<32-1 &&
			(s == 0 && out[k].first == 0 || s != 0 && out[k].first != 0 && out[k].first+uint64(out[k].n) == s) {
			out[k].n++
			continue
		}
		out = append(out, run{s, 1})
	}
	return slices.Clip(out)
}

// each calls f with each sequence number (0: a record not tracked) and its
// index, in order, until f returns false.
func (r runs) each(f func(seq uint64, i int) bool) {
	i := 0
	for _, x := range r {
		for k := range uint64(x.n) {
			s := uint64(0)
			if x.first != 0 {
				s = x.first + k
			}
			if !f(s, i) {
				return
			}
			i++
		}
	}
}

// addFact stores f under a new ID, dropping the oldest fact.
func (x *Index) addFact(f *fact) uint32 {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.nextFact++
	if x.nextFact == 0 {
		x.nextFact = 1
	}
	f.id = x.nextFact
	i := int(f.id) % len(x.facts)
	if old := x.facts[i]; old != nil {
		if old.batch != nil && old.batch.Key != "" {
			k := old.batch.Bucket + "/" + old.batch.Key
			if x.byObject[k] == old.id {
				delete(x.byObject, k)
			}
		}
		if old.inv != nil {
			for _, a := range old.inv.Attempts {
				if x.byReq[a.RequestID] == old.id {
					delete(x.byReq, a.RequestID)
				}
			}
		}
	}
	x.facts[i] = f
	return f.id
}

// factLocked returns the fact id, if still kept.
func (x *Index) factLocked(id uint32) *fact {
	if id == 0 {
		return nil
	}
	f := x.facts[int(id)%len(x.facts)]
	if f == nil || f.id != id {
		return nil
	}
	return f
}

// NewBatch returns the fact of a new batch of stream, sitting in buffer.
func (x *Index) NewBatch(stream uint32, buffer, partition, errorType string, processors []string) uint32 {
	if x == nil {
		return 0
	}
	return x.addFact(&fact{stream: stream, batch: &Batch{Buffer: buffer, Partition: partition, ErrorType: errorType, Processors: processors}})
}

// Written records that the batch of fact id was written: to bucket/key
// (S3) or destination. ends are its records' end offsets, seqs the records
// (0 for records not tracked); converted: its records are Parquet rows.
func (x *Index) Written(id uint32, destination, bucket, key string, at int64, ends []int, seqs []uint64, converted bool) {
	if x == nil || id == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	f := x.factLocked(id)
	if f == nil {
		return
	}
	b := f.batch
	b.Written, b.Destination, b.Bucket, b.Key, b.At, b.Converted = true, destination, bucket, key, at, converted
	b.ends = make([]uint32, len(ends))
	for i, e := range ends {
		b.ends[i] = uint32(e)
	}
	b.seqs = toRuns(seqs)
	b.Error = ""
	if key != "" {
		x.byObject[bucket+"/"+key] = id
	}
}

// DeliveryError records why the batch of fact id was not (yet) written.
func (x *Index) DeliveryError(id uint32, reason string) {
	if x == nil || id == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if f := x.factLocked(id); f != nil {
		f.batch.Error = reason
	}
}

// NewDropped returns the fact of records of stream given up for reason.
func (x *Index) NewDropped(stream uint32, reason string, processors []string) uint32 {
	if x == nil {
		return 0
	}
	return x.addFact(&fact{stream: stream, batch: &Batch{Buffer: "none", Dropped: true, Error: reason, Processors: processors}})
}

// Invoked records one Lambda invocation (its attempts) for the records
// seqs and returns its fact.
func (x *Index) Invoked(stream uint32, inv Invocation, seqs []uint64) uint32 {
	if x == nil {
		return 0
	}
	inv.seqs = toRuns(seqs)
	id := x.addFact(&fact{stream: stream, inv: &inv})
	x.mu.Lock()
	for _, a := range inv.Attempts {
		if a.RequestID != "" {
			x.byReq[a.RequestID] = id
		}
	}
	x.mu.Unlock()
	return id
}
