package kinesis

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

const (
	defaultGetRecords = 10_000   // records per GetRecords call, the most the model allows
	maxGetRecordsSize = 10 << 20 // bytes of data and partition keys per GetRecords call
	maxPutRecordsSize = 10 << 20 // bytes of data and partition keys per PutRecords call
)

// router routes records to a stream's open shards by hash key.
type router struct {
	st     *stream
	lo, hi []hashKey // of each shard of st
}

func newRouter(st *stream) router {
	r := router{st: st, lo: make([]hashKey, len(st.Shards)), hi: make([]hashKey, len(st.Shards))}
	for i, sh := range st.Shards {
		r.lo[i], r.hi[i] = toHashKey(sh.start), toHashKey(sh.end)
	}
	return r
}

// route returns the index of the open shard whose hash key range holds the
// entry's hash key: the MD5 of its partition key, or its ExplicitHashKey.
func (r router) route(e *putEntry) (int, *awsjson.Error) {
	if e.badHash {
		return 0, invalidArgument("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", e.explicit)
	}
	for i, sh := range r.st.Shards {
		if !sh.Closed && !e.hash.less(r.lo[i]) && !r.hi[i].less(e.hash) {
			return i, nil
		}
	}
	err := awsjson.NewError(errInternal, "No open shard of stream %s holds hash key %s.", r.st.Name, e.hash.big())
	err.Status = http.StatusInternalServerError
	return 0, err
}

// cutoff is the arrival time (Unix ms) before which records are past the
// stream's retention period: gone.
func (s *Service) cutoff(st *stream) int64 {
	return s.nowMS() - int64(st.Retention)*3_600_000
}

// kept returns the index of the shard's oldest record still within
// retention.
func (sh *shard) kept(cutoff int64) int {
	return sort.Search(len(sh.records), func(i int) bool { return sh.records[i].Arrival >= cutoff })
}

// putEntry is a record to put, with its hash key computed.
type putEntry struct {
	key      string
	explicit string // the ExplicitHashKey, if hasExplicit
	data     []byte
	hash     hashKey
	// hasExplicit marks an ExplicitHashKey; badHash one out of range
	// (which route refuses).
	hasExplicit, badHash bool
}

// newEntry returns the entry of a record whose members the model checked
// (explicit is nil or a string).
func newEntry(key string, explicit any, data []byte) putEntry {
	e := putEntry{key: key, data: data}
	if x, ok := explicit.(string); ok {
		e.explicit, e.hasExplicit = x, true
		if h, in := explicitHash(x); in {
			e.hash = toHashKey(h)
		} else {
			e.badHash = true
		}
		return e
	}
	e.hash = partitionHashKey(key)
	return e
}

type putResult struct {
	SequenceNumber string `json:",omitempty"`
	ShardID        string `json:"ShardId,omitempty"`
	// A PutRecords entry a shard's limit refused has these instead.
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

// put adds records to a stream, committed before they are visible. Every
// record is put or none is: the entries the shards' limits refuse
// (Options.Limits) are taken out before (putAdmitted).
func (s *Service) put(st *stream, entries []putEntry) ([]putResult, *awsjson.Error) {
	c := st.clone()
	now := s.nowMS()
	rt := newRouter(c)
	added := make([][]*record, len(c.Shards)) // by shard index
	ids := make([]string, len(c.Shards))
	var order []int
	results := make([]putResult, len(entries))
	recs := make([]record, len(entries))
	enc := ""
	if c.Encryption == "KMS" {
		enc = "KMS"
	}
	for i := range entries {
		e := &entries[i]
		j, err := rt.route(e)
		if err != nil {
			return nil, err
		}
		sh := c.Shards[j]
		sh.Last++
		// Arrival times never go back within a shard (retention and
		// AT_TIMESTAMP search them), even if the wall clock does.
		arrival := now
		if n := len(sh.records); n > 0 {
			arrival = max(arrival, sh.records[n-1].Arrival)
		}
		if prev := added[j]; len(prev) > 0 {
			arrival = max(arrival, prev[len(prev)-1].Arrival)
		}
		r := &recs[i]
		*r = record{Counter: sh.Last, Key: e.key, Data: e.data, Arrival: arrival, Encryption: enc}
		if added[j] == nil {
			order = append(order, j)
			ids[j] = sh.id()
		}
		added[j] = append(added[j], r)
		results[i] = putResult{SequenceNumber: sh.seq(r.Counter), ShardID: ids[j]}
	}
	cut := s.cutoff(c)
	var chs []change
	trimmed := make([]int, len(c.Shards))
	for _, j := range order {
		sh := c.Shards[j]
		chs = append(chs, putRecords(c, sh, added[j]))
		if n := sh.kept(cut); n > 0 {
			trimmed[j] = n
			chs = append(chs, dropRecords(c, sh, sh.records[:n]))
		}
	}
	if err := s.save(c, chs...); err != nil {
		return nil, err
	}
	for _, j := range order {
		sh := c.Shards[j]
		// Appending in place is safe: whoever holds the shard's records
		// from before (a reader, the stream before this copy) holds a
		// slice that ends where these begin, and only the stream in
		// place, under the service's lock, appends.
		sh.records = append(sh.records[trimmed[j]:], added[j]...)
	}
	return results, nil
}

// decodeData decodes a Data member (checked by the model).
func decodeData(v any) []byte {
	b, _ := base64.StdEncoding.DecodeString(v.(string))
	return b
}

// putRequest is a PutRecord or PutRecords request, decoded: by the model
// (putRequestOf) or by the fast path (fastput.go).
type putRequest struct {
	name, arn string // StreamName, StreamARN ("": none)
	hasARN    bool
	entries   []putEntry
}

func putRequestOf(in map[string]any, entries []putEntry) *putRequest {
	arn, hasARN := in["StreamARN"].(string)
	return &putRequest{name: str(in, "StreamName"), arn: arn, hasARN: hasARN, entries: entries}
}

func (s *Service) putRecord(region string, in map[string]any) (any, *awsjson.Error) {
	// SequenceNumberForOrdering is honoured without being read: a
	// partition key's records always get increasing sequence numbers.
	e := newEntry(str(in, "PartitionKey"), in["ExplicitHashKey"], decodeData(in["Data"]))
	return s.putOne(region, putRequestOf(in, []putEntry{e}))
}

func (s *Service) putOne(region string, req *putRequest) (any, *awsjson.Error) {
	st, err := s.lookupBy(region, req.name, req.arn, req.hasARN)
	if err != nil {
		return nil, err
	}
	c := s.counters(st)
	c.putRecordAttempts.Add(1)
	entries := req.entries
	if refused, _ := s.admit(st, entries); refused[0] != nil {
		return nil, refused[0]
	}
	res, err := s.put(st, entries)
	if err != nil {
		return nil, err
	}
	c.putRecordSuccess.Add(1)
	s.putDone(st, entries)
	return struct {
		putResult
		EncryptionType string `json:",omitempty"`
	}{res[0], encryptionOf(st)}, nil
}

func encryptionOf(st *stream) string {
	if st.Encryption == "KMS" {
		return "KMS"
	}
	return ""
}

func (s *Service) putRecords(region string, in map[string]any) (any, *awsjson.Error) {
	list, _ := in["Records"].([]any)
	entries := make([]putEntry, len(list))
	for i, e := range list {
		m, _ := e.(map[string]any)
		entries[i] = newEntry(str(m, "PartitionKey"), m["ExplicitHashKey"], decodeData(m["Data"]))
	}
	return s.putMany(region, putRequestOf(in, entries))
}

func (s *Service) putMany(region string, req *putRequest) (any, *awsjson.Error) {
	st, err := s.lookupBy(region, req.name, req.arn, req.hasARN)
	if err != nil {
		return nil, err
	}
	entries := req.entries
	size := 0
	for _, e := range entries {
		size += len(e.data) + len(e.key)
	}
	if size > maxPutRecordsSize {
		return nil, invalidArgument("The records of a PutRecords request may total at most %d bytes, partition keys included; these total %d.", maxPutRecordsSize, size)
	}
	c := s.counters(st)
	c.putRecordsAttempts.Add(1)
	res, failed, err := s.putAdmitted(st, entries)
	if err != nil {
		return nil, err
	}
	if failed < len(entries) {
		c.putRecordsSuccess.Add(1)
	}
	return putRecordsOut{failed, res, encryptionOf(st)}, nil
}

func (s *Service) getShardIterator(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	sh, err := s.shardOf(st, str(in, "ShardId"))
	if err != nil {
		return nil, err
	}
	typ := str(in, "ShardIteratorType")
	seq, hasSeq := in["StartingSequenceNumber"].(string)
	ts, hasTime := timestamp(in, "Timestamp")
	bySeq := typ == "AT_SEQUENCE_NUMBER" || typ == "AFTER_SEQUENCE_NUMBER"
	switch {
	case bySeq && !hasSeq:
		return nil, invalidArgument("ShardIteratorType %s needs a StartingSequenceNumber.", typ)
	case !bySeq && hasSeq:
		return nil, invalidArgument("ShardIteratorType %s takes no StartingSequenceNumber.", typ)
	case typ == "AT_TIMESTAMP" && !hasTime:
		return nil, invalidArgument("ShardIteratorType AT_TIMESTAMP needs a Timestamp.")
	case typ != "AT_TIMESTAMP" && hasTime:
		return nil, invalidArgument("ShardIteratorType %s takes no Timestamp.", typ)
	}
	var after uint64
	switch typ {
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		c, ok := sh.counterOf(seq)
		if !ok {
			return nil, invalidArgument("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid.", seq, sh.id(), st.Name, s.opts.Account)
		}
		after = c
		if typ == "AT_SEQUENCE_NUMBER" && c > 0 {
			after = c - 1
		}
	case "TRIM_HORIZON":
		after = 0 // reads skip what retention trimmed
	case "LATEST":
		after = sh.Last
	case "AT_TIMESTAMP":
		after = sh.Last
		i := sort.Search(len(sh.records), func(i int) bool { return sh.records[i].Arrival >= ts })
		if i < len(sh.records) {
			after = sh.records[i].Counter - 1
		}
	}
	it := iterator{region: st.Region, stream: st.Name, streamCreated: st.Created, shard: sh.id(), after: after, created: s.nowMS()}
	return struct{ ShardIterator string }{it.encode()}, nil
}

type recordOut struct {
	SequenceNumber              string
	ApproximateArrivalTimestamp json.Number
	Data                        []byte
	PartitionKey                string
	EncryptionType              string `json:",omitempty"`
}

type childShard struct {
	ShardID      string `json:"ShardId"`
	ParentShards []string
	HashKeyRange hashKeyRange
}

// unread returns the shard's records after the counter after that
// retention keeps.
func (s *Service) unread(st *stream, sh *shard, after uint64) []*record {
	recs := sh.records[sh.kept(s.cutoff(st)):]
	i := sort.Search(len(recs), func(i int) bool { return recs[i].Counter > after })
	return recs[i:]
}

// take returns the first records of recs within limit records and
// maxGetRecordsSize bytes (at least one).
func take(recs []*record, limit int) []*record {
	size := 0
	for i, r := range recs {
		if i == limit {
			return recs[:i]
		}
		size += len(r.Data) + len(r.Key)
		if size > maxGetRecordsSize && i > 0 {
			return recs[:i]
		}
	}
	return recs
}

// GetRecords answers MillisBehindLatest as how old the last record
// returned is when records remain after it, and 0 once the reader has
// caught up.
func (s *Service) getRecords(_ string, in map[string]any) (any, *awsjson.Error) {
	it, st, sh, err := s.resolve(str(in, "ShardIterator"))
	if err != nil {
		return nil, err
	}
	if arn, ok := in["StreamARN"].(string); ok && arn != s.arn(st.Region, st.Name) {
		return nil, invalidArgument("StreamARN %s is not the stream of the ShardIterator (%s).", arn, s.arn(st.Region, st.Name))
	}
	s.counters(st).getAttempts.Add(1)
	if err := s.admitRead(st, sh); err != nil {
		return nil, err
	}
	all := s.unread(st, sh, it.after)
	got := take(all, int(integer(in, "Limit", defaultGetRecords)))
	s.readDone(st, sh, got)
	now := s.nowMS()
	out := struct {
		Records            []recordOut
		NextShardIterator  *string `json:",omitempty"`
		MillisBehindLatest int64
		ChildShards        []childShard `json:",omitempty"`
	}{Records: make([]recordOut, 0, len(got))}
	for _, r := range got {
		out.Records = append(out.Records, recordOut{sh.seq(r.Counter), epoch(r.Arrival), r.Data, r.Key, r.Encryption})
		it.after = r.Counter
	}
	if len(got) < len(all) {
		out.MillisBehindLatest = max(0, now-got[len(got)-1].Arrival)
	}
	if sh.Closed && it.after >= sh.Last {
		for _, c := range st.Shards {
			if c.Parent == sh.id() || c.Adjacent == sh.id() {
				parents := []string{c.Parent}
				if c.Adjacent != "" {
					parents = append(parents, c.Adjacent)
				}
				out.ChildShards = append(out.ChildShards, childShard{c.id(), parents, hashKeyRange{c.Start, c.End}})
			}
		}
		return out, nil
	}
	it.created = now
	next := it.encode()
	out.NextShardIterator = &next
	return out, nil
}
