package kinesis

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/firehose-local/firehose-local/internal/md5x"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

const (
	defaultGetRecords = 10_000   // records per GetRecords call, the most the model allows
	maxGetRecordsSize = 10 << 20 // bytes of data and partition keys per GetRecords call
	maxPutRecordsSize = 10 << 20 // bytes of data and partition keys per PutRecords call
)

// router routes records to a stream's open shards by hash key.
type router struct {
	st   *stream
	open []shardRange // the open shards, by hash key: they tile the key space
}

// shardRange is an open shard's hash key range and its index.
type shardRange struct {
	lo, hi hashKey
	index  int
}

func newRouter(st *stream) router {
	r := router{st: st}
	for i, sh := range st.Shards {
		if !sh.Closed {
			r.open = append(r.open, shardRange{toHashKey(sh.start), toHashKey(sh.end), i})
		}
	}
	slices.SortFunc(r.open, func(a, b shardRange) int {
		if a.lo.less(b.lo) {
			return -1
		}
		if b.lo.less(a.lo) {
			return 1
		}
		return 0
	})
	return r
}

// route returns the index of the open shard whose hash key range holds the
// entry's hash key: the MD5 of its partition key, or its ExplicitHashKey.
func (r router) route(e *putEntry) (int, *awsjson.Error) {
	if e.badHash {
		return 0, invalidArgument("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", e.explicit)
	}
	// The first open shard whose range ends at or after the key.
	lo, hi := 0, len(r.open)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.open[m].hi.less(e.hash) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(r.open) && !e.hash.less(r.open[lo].lo) {
		return r.open[lo].index, nil
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
	return sh.log.search(func(sl *slot) bool { return sl.arrival >= cutoff })
}

// atTime is the counter after which an AT_TIMESTAMP reader starts: before
// the first record that arrived at ts or later, else after the newest.
func (sh *shard) atTime(ts int64) uint64 {
	if i := sh.log.search(func(sl *slot) bool { return sl.arrival >= ts }); i < sh.log.len() {
		return sh.log.at(i).counter - 1
	}
	return sh.Last
}

// putEntry is a record to put. Its key and data may be parts of the
// request body or of a reused buffer: put copies them. Its hash key is
// computed by newEntry from an ExplicitHashKey, and otherwise by
// putRequest.hashKeys, all the request's partition keys at once.
type putEntry struct {
	key      []byte
	explicit string // the ExplicitHashKey, if hasExplicit
	data     []byte
	hash     hashKey
	// hasExplicit marks an ExplicitHashKey; badHash one out of range
	// (which route refuses).
	hasExplicit, badHash bool
}

// newEntry returns the entry of a record whose members the model checked
// (explicit is nil or a string), the hash key of its partition key not yet
// computed.
func newEntry(key []byte, explicit any, data []byte) putEntry {
	e := putEntry{key: key, data: data}
	if x, ok := explicit.(string); ok {
		e.explicit, e.hasExplicit = x, true
		if h, in := explicitHash(x); in {
			e.hash = toHashKey(h)
		} else {
			e.badHash = true
		}
	}
	return e
}

// putResult is where a record went: its shard's index and its counter, or
// the error of an entry a shard's limit refused.
type putResult struct {
	shard   int
	counter uint64
	err     *awsjson.Error
}

// putResults are results slices for reuse: PutRecords' answer is written
// after Call returns, and then released (putRecordsOut.release).
var putResults sync.Pool

func newResults(n int) []putResult {
	if p, _ := putResults.Get().(*[]putResult); p != nil && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]putResult, n, max(n, maxPutRecords))
}

func releaseResults(r []putResult) {
	if cap(r) > maxPutRecords {
		return
	}
	clear(r[:cap(r)])
	r = r[:0]
	putResults.Put(&r)
}

// put adds records to a stream, committed before they are visible. Every
// record is put or none is: the entries the shards' limits refuse
// (Options.Limits) are taken out before (putAdmitted).
func (s *Service) put(st *stream, entries []putEntry) ([]putResult, *awsjson.Error) {
	c := st.clone()
	now := s.nowMS()
	rt := newRouter(c)
	results := newResults(len(entries))
	// The shards written to, in order, with the arrival time of their
	// records: now, unless the shard's newest record arrived later (the
	// wall clock went back). Arrival times never go back within a shard:
	// retention and AT_TIMESTAMP search them.
	type touched struct {
		shard   int
		arrival int64
	}
	var order []touched
	at := make([]int, len(c.Shards)) // by shard: 1 + its place in order
	for i := range entries {
		j, err := rt.route(&entries[i])
		if err != nil {
			return nil, err
		}
		sh := c.Shards[j]
		if at[j] == 0 {
			arrival := now
			if last := sh.log.last(); last != nil {
				arrival = max(arrival, last.arrival)
			}
			order = append(order, touched{j, arrival})
			at[j] = len(order)
		}
		sh.Last++
		results[i] = putResult{shard: j, counter: sh.Last}
	}
	kms := c.Encryption == "KMS"
	cut := s.cutoff(c)
	trimmed := make([]int, len(order))
	var chs []change
	if s.opts.State != nil {
		for k, t := range order {
			sh := c.Shards[t.shard]
			chs = append(chs, putRecords(c, sh, entries, results, t.arrival, kms))
			if n := sh.kept(cut); n > 0 {
				trimmed[k] = n
				chs = append(chs, dropRecords(c, sh, n))
			}
		}
	} else {
		for k, t := range order {
			trimmed[k] = c.Shards[t.shard].kept(cut)
		}
	}
	if err := s.save(c, chs...); err != nil {
		return nil, err
	}
	// The logs are shared with the stream before this copy: they change
	// only now that the change is committed, under the service's lock.
	for k, t := range order {
		c.Shards[t.shard].log.drop(trimmed[k])
	}
	for i := range entries {
		r := &results[i]
		e := &entries[i]
		c.Shards[r.shard].log.add(r.counter, order[at[r.shard]-1].arrival, e.key, e.data, kms)
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
	// arena holds the entries' data as the fast path decodes it; the
	// request and its buffers are reused (see release).
	arena []byte
	// keys and sums are hashKeys' scratch, reused with the request.
	keys [][]byte
	sums [][md5.Size]byte
}

// hashKeys sets the hash key of every entry without an ExplicitHashKey:
// the MD5 of its partition key, the request's keys hashed together
// (md5x hashes up to sixteen at once).
func (r *putRequest) hashKeys() {
	keys := r.keys[:0]
	for i := range r.entries {
		if !r.entries[i].hasExplicit {
			keys = append(keys, r.entries[i].key)
		}
	}
	if cap(r.sums) < len(keys) {
		r.sums = make([][md5.Size]byte, len(keys))
	}
	sums := r.sums[:len(keys)]
	md5x.Sums(keys, sums)
	k := 0
	for i := range r.entries {
		if !r.entries[i].hasExplicit {
			r.entries[i].hash = hashKeyOf(&sums[k])
			k++
		}
	}
	clear(keys) // they point into the body
	r.keys = keys[:0]
}

func putRequestOf(in map[string]any, entries []putEntry) *putRequest {
	arn, hasARN := in["StreamARN"].(string)
	return &putRequest{name: str(in, "StreamName"), arn: arn, hasARN: hasARN, entries: entries}
}

func (s *Service) putRecord(region string, in map[string]any) (any, *awsjson.Error) {
	// SequenceNumberForOrdering is honoured without being read: a
	// partition key's records always get increasing sequence numbers.
	e := newEntry([]byte(str(in, "PartitionKey")), in["ExplicitHashKey"], decodeData(in["Data"]))
	return s.putOne(region, putRequestOf(in, []putEntry{e}))
}

func (s *Service) putOne(region string, req *putRequest) (any, *awsjson.Error) {
	st, err := s.lookupBy(region, req.name, req.arn, req.hasARN)
	if err != nil {
		return nil, err
	}
	if err := st.checkSizes(req.entries, false); err != nil {
		return nil, err
	}
	c := s.counters(st)
	c.putRecordAttempts.Add(1)
	req.hashKeys()
	entries := req.entries
	if refused, n := s.admit(st, entries); n > 0 {
		return nil, refused[0]
	}
	res, err := s.put(st, entries)
	if err != nil {
		return nil, err
	}
	c.putRecordSuccess.Add(1)
	s.putDone(st, entries, res)
	r := res[0]
	releaseResults(res)
	return struct {
		SequenceNumber string
		ShardID        string `json:"ShardId"`
		EncryptionType string `json:",omitempty"`
	}{sequence(r.shard, r.counter), shardID(r.shard), encryptionOf(st)}, nil
}

// checkSizes refuses records whose data is over the stream's maximum
// record size (MaxRecordSizeInKiB) as AWS does: a ValidationException
// naming each, 'data' in PutRecord and 'records.N.member.data' (N from 1)
// in PutRecords, without the value (as AWS answered the KPL in
// awslabs/amazon-kinesis-producer#680: "1 validation error detected: Value
// at 'records.1.member.data' failed to satisfy constraint: Member must have
// length less than or equal to 1048576").
func (st *stream) checkSizes(entries []putEntry, many bool) *awsjson.Error {
	limit := st.maxRecordBytes()
	var violations []string
	for i, e := range entries {
		if len(e.data) <= limit {
			continue
		}
		path := "data"
		if many {
			path = "records." + strconv.Itoa(i+1) + ".member.data"
		}
		violations = append(violations, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", path, limit))
	}
	if violations != nil {
		return awsjson.ValidationError(violations)
	}
	return nil
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
		entries[i] = newEntry([]byte(str(m, "PartitionKey")), m["ExplicitHashKey"], decodeData(m["Data"]))
	}
	return s.putMany(region, putRequestOf(in, entries))
}

func (s *Service) putMany(region string, req *putRequest) (any, *awsjson.Error) {
	st, err := s.lookupBy(region, req.name, req.arn, req.hasARN)
	if err != nil {
		return nil, err
	}
	if err := st.checkSizes(req.entries, true); err != nil {
		return nil, err
	}
	req.hashKeys()
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
		after = sh.atTime(ts)
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

// span is a range [lo, hi) of a shard's records.
type span struct {
	log    *recordLog
	lo, hi int
}

func (sp span) len() int { return sp.hi - sp.lo }

// unread returns the shard's records after the counter after that
// retention keeps.
func (s *Service) unread(st *stream, sh *shard, after uint64) span {
	lo := max(sh.kept(s.cutoff(st)), sh.log.search(func(sl *slot) bool { return sl.counter > after }))
	return span{sh.log, lo, sh.log.len()}
}

// take returns the first records of sp within limit records and
// maxGetRecordsSize bytes (at least one); their data is shared with the
// shard's log.
func take(sp span, limit int) []record {
	n, size := 0, 0
	for ; n < sp.len() && n < limit; n++ {
		sl := sp.log.at(sp.lo + n)
		size += int(sl.size) + int(sl.keyLen)
		if size > maxGetRecordsSize && n > 0 {
			break
		}
	}
	recs := make([]record, n)
	for i := range recs {
		recs[i] = sp.log.record(sp.lo + i)
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
	if len(got) < all.len() {
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
