package kinesis

import (
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"sort"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

const (
	defaultGetRecords = 10_000   // records per GetRecords call, the most the model allows
	maxGetRecordsSize = 10 << 20 // bytes of data and partition keys per GetRecords call
	maxPutRecordsSize = 10 << 20 // bytes of data and partition keys per PutRecords call
)

// route finds the open shard whose hash key range holds the record's hash
// key: the MD5 of its partition key, or its ExplicitHashKey.
func (s *Service) route(st *stream, key string, explicit any) (*shard, *awsjson.Error) {
	var h *big.Int
	if e, ok := explicit.(string); ok {
		var in bool
		if h, in = explicitHash(e); !in {
			return nil, invalidArgument("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", e)
		}
	} else {
		h = partitionHash(key)
	}
	for _, sh := range st.Shards {
		if !sh.Closed && sh.holds(h) {
			return sh, nil
		}
	}
	e := awsjson.NewError(errInternal, "No open shard of stream %s holds hash key %s.", st.Name, h)
	e.Status = http.StatusInternalServerError
	return nil, e
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

type putEntry struct {
	key, explicit any
	data          []byte
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
	added := map[*shard][]*record{}
	var order []*shard
	results := make([]putResult, len(entries))
	for i, e := range entries {
		key, _ := e.key.(string)
		sh, err := s.route(c, key, e.explicit)
		if err != nil {
			return nil, err
		}
		sh.Last++
		// Arrival times never go back within a shard (retention and
		// AT_TIMESTAMP search them), even if the wall clock does.
		arrival := now
		if n := len(sh.records); n > 0 {
			arrival = max(arrival, sh.records[n-1].Arrival)
		}
		if prev := added[sh]; len(prev) > 0 {
			arrival = max(arrival, prev[len(prev)-1].Arrival)
		}
		r := &record{Counter: sh.Last, Key: key, Data: e.data, Arrival: arrival}
		if c.Encryption == "KMS" {
			r.Encryption = "KMS"
		}
		if added[sh] == nil {
			order = append(order, sh)
		}
		added[sh] = append(added[sh], r)
		results[i] = putResult{SequenceNumber: sh.seq(r.Counter), ShardID: sh.id()}
	}
	cut := s.cutoff(c)
	var chs []change
	trimmed := map[*shard]int{}
	for _, sh := range order {
		chs = append(chs, putRecords(c, sh, added[sh]))
		if n := sh.kept(cut); n > 0 {
			trimmed[sh] = n
			chs = append(chs, dropRecords(c, sh, sh.records[:n]))
		}
	}
	if err := s.save(c, chs...); err != nil {
		return nil, err
	}
	for _, sh := range order {
		// A fresh slice: consumers may hold the old one.
		sh.records = append(append([]*record(nil), sh.records[trimmed[sh]:]...), added[sh]...)
	}
	return results, nil
}

// decodeData decodes a Data member (checked by the model).
func decodeData(v any) []byte {
	b, _ := base64.StdEncoding.DecodeString(v.(string))
	return b
}

func (s *Service) putRecord(region string, in map[string]any) (any, *awsjson.Error) {
	// SequenceNumberForOrdering is honoured without being read: a
	// partition key's records always get increasing sequence numbers.
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	c := s.counters(st)
	c.putRecordAttempts.Add(1)
	entries := []putEntry{{in["PartitionKey"], in["ExplicitHashKey"], decodeData(in["Data"])}}
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
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	list, _ := in["Records"].([]any)
	entries := make([]putEntry, len(list))
	size := 0
	for i, e := range list {
		m, _ := e.(map[string]any)
		entries[i] = putEntry{m["PartitionKey"], m["ExplicitHashKey"], decodeData(m["Data"])}
		k, _ := m["PartitionKey"].(string)
		size += len(entries[i].data) + len(k)
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
	return struct {
		FailedRecordCount int
		Records           []putResult
		EncryptionType    string `json:",omitempty"`
	}{failed, res, encryptionOf(st)}, nil
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
