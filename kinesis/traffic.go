package kinesis

import (
	"sort"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Traffic: each stream's counters, CloudWatch's stream-level metrics,
// and, with Options.Limits, each shard's throughput limits:
//
//   - in: 1,000 records or 1 MiB (data and partition keys) per second (a
//     record over 1 MiB, as the model allows up to 10 MiB, is taken when
//     the shard has taken nothing, and its bytes over carry into the next
//     seconds, as reads' do). A
//     PutRecord past it is refused with ProvisionedThroughputExceededException,
//     a PutRecords entry past it fails on its own (ErrorCode, ErrorMessage,
//     counted in FailedRecordCount) while the others are put;
//   - out: 5 GetRecords calls or 2 MiB (data and partition keys) per
//     second. A GetRecords past it is refused with
//     ProvisionedThroughputExceededException. A call may return more than
//     2 MiB (up to 10 MiB): the bytes over carry into the next seconds, so
//     after a 10 MiB answer the shard's reads are refused for about 5
//     seconds, as AWS's are.
//
// Seconds are whole seconds of Options.Now, so a fake clock drives them.
// The texts: "Rate exceeded for shard <id> in stream <name> under account
// <acct>." is AWS's PutRecords sample (spec, section 5.2); GetRecords'
// refusal uses the same text, not recorded from AWS.

const (
	maxInRecords = 1000
	maxInBytes   = 1 << 20
	maxOutCalls  = 5
	maxOutBytes  = 2 << 20
)

const errThroughput = "ProvisionedThroughputExceededException"

func rateExceeded(shardID, stream, account string) *awsjson.Error {
	return awsjson.NewError(errThroughput, "Rate exceeded for shard %s in stream %s under account %s.", shardID, stream, account)
}

// streamCounters are one stream's metrics.
type streamCounters struct {
	incomingRecords, incomingBytes        atomic.Int64
	getRecords, getBytes                  atomic.Int64
	getSuccess, getAttempts               atomic.Int64
	putRecordSuccess, putRecordAttempts   atomic.Int64
	putRecordsSuccess, putRecordsAttempts atomic.Int64
	readsExceeded, writeRecordsExceeded   atomic.Int64
}

// shardWindow is a shard's use of its throughput in the second sec.
type shardWindow struct {
	sec       int64
	inRecords int
	inBytes   int64
	outCalls  int
	outBytes  int64 // may exceed maxOutBytes: the debt carries on
	outSec    int64
}

// traffic is the service's counters and limit windows, guarded by
// Service.mu (the counters are atomics so that a scrape reads them safely).
type traffic struct {
	counters map[string]*streamCounters // by streamKey
	windows  map[string]*shardWindow    // by streamKey NUL shard id
	shards   map[string]*shardCounters  // by streamKey NUL shard id (monitoring.go)
}

// entry returns m's value for k, adding a zero one (and the map) first if
// there is none.
func entry[T any](m *map[string]*T, k string) *T {
	v := (*m)[k]
	if v == nil {
		if *m == nil {
			*m = map[string]*T{}
		}
		v = new(T)
		(*m)[k] = v
	}
	return v
}

func (s *Service) counters(st *stream) *streamCounters {
	return entry(&s.traffic.counters, streamKey(st.Region, st.Name))
}

func (s *Service) window(st *stream, sh *shard) *shardWindow {
	w := entry(&s.traffic.windows, streamKey(st.Region, st.Name)+sep+sh.id())
	sec := s.nowMS() / 1000
	if sec > w.sec {
		w.inBytes = max(0, w.inBytes-(sec-w.sec)*maxInBytes)
		w.sec, w.inRecords = sec, 0
	}
	if sec > w.outSec {
		w.outBytes = max(0, w.outBytes-(sec-w.outSec)*maxOutBytes)
		w.outSec, w.outCalls = sec, 0
	}
	return w
}

// admit decides, with Options.Limits, which entries the shards they go to
// take this second, and counts them in; refused[i] is the error of entry
// i (nil: admitted; refused itself is nil without limits), n how many
// are refused.
// Entries whose routing fails are admitted, for put to refuse.
func (s *Service) admit(st *stream, entries []putEntry) (refused []*awsjson.Error, n int) {
	if !s.opts.Limits {
		return nil, 0
	}
	refused = make([]*awsjson.Error, len(entries))
	rt := newRouter(st)
	for i := range entries {
		e := &entries[i]
		j, err := rt.route(e)
		if err != nil {
			continue
		}
		sh := st.Shards[j]
		w, size := s.window(st, sh), int64(len(e.data)+len(e.key))
		if w.inRecords >= maxInRecords || w.inBytes > 0 && w.inBytes+size > maxInBytes {
			refused[i] = rateExceeded(sh.id(), st.Name, s.opts.Account)
			n++
			if sc := s.shardCounters(st, sh); sc != nil {
				sc.writeExceeded.Add(1)
			}
			continue
		}
		w.inRecords++
		w.inBytes += size
	}
	s.counters(st).writeRecordsExceeded.Add(int64(n))
	return refused, n
}

// admitRead decides, with Options.Limits, whether the shard serves a
// GetRecords call now.
func (s *Service) admitRead(st *stream, sh *shard) *awsjson.Error {
	if !s.opts.Limits {
		return nil
	}
	w := s.window(st, sh)
	if w.outCalls >= maxOutCalls || w.outBytes >= maxOutBytes {
		s.counters(st).readsExceeded.Add(1)
		if sc := s.shardCounters(st, sh); sc != nil {
			sc.readExceeded.Add(1)
		}
		return rateExceeded(sh.id(), st.Name, s.opts.Account)
	}
	w.outCalls++
	return nil
}

// readDone counts a GetRecords call's records.
func (s *Service) readDone(st *stream, sh *shard, recs []record) {
	c := s.counters(st)
	var data, size int64
	for _, r := range recs {
		data += int64(len(r.Data))
		size += int64(len(r.Data) + len(r.Key))
	}
	c.getSuccess.Add(1)
	c.getRecords.Add(int64(len(recs)))
	c.getBytes.Add(data)
	if sc := s.shardCounters(st, sh); sc != nil {
		sc.outgoingRecords.Add(int64(len(recs)))
		sc.outgoingBytes.Add(data)
		age := int64(0)
		if len(recs) > 0 {
			age = max(0, s.nowMS()-recs[len(recs)-1].Arrival)
		}
		sc.iteratorAge.Store(age)
	}
	if s.opts.Limits {
		s.window(st, sh).outBytes += size
	}
}

// putDone counts records put, res being put's results for entries.
func (s *Service) putDone(st *stream, entries []putEntry, res []putResult) {
	c := s.counters(st)
	var data int64
	for _, e := range entries {
		data += int64(len(e.data))
	}
	c.incomingRecords.Add(int64(len(entries)))
	c.incomingBytes.Add(data)
	if len(st.ShardMetrics) == 0 {
		return
	}
	// Tallied by shard first: one counter lookup a shard, not a record.
	type tally struct{ records, bytes int64 }
	by := make([]tally, len(st.Shards))
	for i, e := range entries {
		by[res[i].shard].records++
		by[res[i].shard].bytes += int64(len(e.data))
	}
	for j, t := range by {
		if t.records > 0 {
			sc := s.shardCounters(st, st.Shards[j])
			sc.incomingRecords.Add(t.records)
			sc.incomingBytes.Add(t.bytes)
		}
	}
}

func streamMetric(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, []string{"region", "stream_name"}, nil)
}

var (
	descIncomingRecords   = streamMetric("kinesis_incoming_records_total", "Records put by PutRecord and PutRecords (CloudWatch IncomingRecords).")
	descIncomingBytes     = streamMetric("kinesis_incoming_bytes_total", "Data bytes put by PutRecord and PutRecords (CloudWatch IncomingBytes).")
	descGetRecords        = streamMetric("kinesis_get_records_records_total", "Records returned by GetRecords (CloudWatch GetRecords.Records).")
	descGetBytes          = streamMetric("kinesis_get_records_bytes_total", "Data bytes returned by GetRecords (CloudWatch GetRecords.Bytes).")
	descGetSuccess        = streamMetric("kinesis_get_records_success_total", "Successful GetRecords calls (CloudWatch GetRecords.Success is this over attempts).")
	descGetAttempts       = streamMetric("kinesis_get_records_attempts_total", "GetRecords calls with a valid iterator, successful or not.")
	descPutRecordSuccess  = streamMetric("kinesis_put_record_success_total", "Successful PutRecord calls (CloudWatch PutRecord.Success is this over attempts).")
	descPutRecordAttempts = streamMetric("kinesis_put_record_attempts_total", "PutRecord calls on the stream, successful or not.")
	descPutRecsSuccess    = streamMetric("kinesis_put_records_success_total", "PutRecords calls that put at least one record (CloudWatch PutRecords.Success is this over attempts).")
	descPutRecsAttempts   = streamMetric("kinesis_put_records_attempts_total", "PutRecords calls on the stream, successful or not.")
	descReadExceeded      = streamMetric("kinesis_read_provisioned_throughput_exceeded_total", "GetRecords calls refused by a shard's read limit (CloudWatch ReadProvisionedThroughputExceeded; only with --kinesis-limits).")
	descWriteExceeded     = streamMetric("kinesis_write_provisioned_throughput_exceeded_total", "Records refused by a shard's write limit (CloudWatch WriteProvisionedThroughputExceeded; only with --kinesis-limits).")
)

// CollectMetrics sends every stream's metrics, labelled region and
// stream_name, sorted.
func (s *Service) CollectMetrics(ch chan<- prometheus.Metric) {
	type entry struct {
		region, name string
		c            *streamCounters
		shards       []shardSeries
	}
	s.mu.Lock()
	list := make([]entry, 0, len(s.streams))
	for _, st := range s.streams {
		e := entry{region: st.Region, name: st.Name, c: s.counters(st)}
		if len(st.ShardMetrics) > 0 {
			e.shards = s.shardSeriesOf(st)
		}
		list = append(list, e)
	}
	s.mu.Unlock()
	sort.Slice(list, func(i, j int) bool {
		if list[i].region != list[j].region {
			return list[i].region < list[j].region
		}
		return list[i].name < list[j].name
	})
	for _, e := range list {
		c := e.c
		for _, m := range []struct {
			d *prometheus.Desc
			v *atomic.Int64
		}{
			{descIncomingRecords, &c.incomingRecords}, {descIncomingBytes, &c.incomingBytes},
			{descGetRecords, &c.getRecords}, {descGetBytes, &c.getBytes},
			{descGetSuccess, &c.getSuccess}, {descGetAttempts, &c.getAttempts},
			{descPutRecordSuccess, &c.putRecordSuccess}, {descPutRecordAttempts, &c.putRecordAttempts},
			{descPutRecsSuccess, &c.putRecordsSuccess}, {descPutRecsAttempts, &c.putRecordsAttempts},
			{descReadExceeded, &c.readsExceeded}, {descWriteExceeded, &c.writeRecordsExceeded},
		} {
			ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, float64(m.v.Load()), e.region, e.name)
		}
		for _, ss := range e.shards {
			ss.collect(ch)
		}
	}
}

// putAdmitted puts the entries the shards' limits admit; the others are
// failed entries of the results (failed counts them).
func (s *Service) putAdmitted(st *stream, entries []putEntry) (res []putResult, failed int, err *awsjson.Error) {
	refused, failed := s.admit(st, entries)
	ok := entries
	if failed > 0 {
		ok = nil
		for i, e := range entries {
			if refused[i] == nil {
				ok = append(ok, e)
			}
		}
	}
	if failed == 0 {
		put, err := s.put(st, entries)
		if err != nil {
			return nil, 0, err
		}
		s.putDone(st, entries, put)
		return put, 0, nil
	}
	res = newResults(len(entries))
	if len(ok) > 0 {
		put, err := s.put(st, ok)
		if err != nil {
			return nil, 0, err
		}
		s.putDone(st, ok, put)
		j := 0
		for i := range entries {
			if refused[i] == nil {
				res[i], j = put[j], j+1
			}
		}
		releaseResults(put)
	}
	for i, e := range refused {
		if e != nil {
			res[i] = putResult{err: e}
		}
	}
	return res, failed, nil
}
