package firehose

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/statestore"
)

// KinesisStreamAsSource delivery streams read a data stream of the built-in
// Kinesis Data Streams through Config.Kinesis. Each one reads every shard
// from LATEST at its creation (the shard's last sequence number then),
// polling each shard once a second on the service's clock, up to
// kinesisReadLimit records a read, and follows a closed shard's children
// once the shard (both parents, after a merge) is read to its end. Shards
// are listed again at every poll, so those of a split or merge are found.
// Records go into the pipeline as PutFrom's do: with a data directory they
// are in the write-ahead log before the checkpoint (the last sequence
// number placed, per shard) moves. Checkpoints are kept in the service's
// bucket of the state store and restored at start, so a restart loses
// nothing and repeats at most what was placed after the last checkpoint
// (at least once, as on AWS). Errors of the data stream (it was deleted)
// are logged and the reads retried every second, as AWS retries
// DescribeStream and GetRecords indefinitely. The pipeline keeps the Data
// of the records a KinesisReader returns: it must not reuse it.

// KinesisShard is a shard of a source data stream.
type KinesisShard struct {
	ID, ParentID, AdjacentParentID string
	Closed                         bool
}

// KinesisRecord is a data record read from a source data stream. Arrival
// is its ApproximateArrivalTimestamp (zero: taken as when it is read).
type KinesisRecord struct {
	SequenceNumber, PartitionKey string
	Data                         []byte
	Arrival                      time.Time
}

// KinesisReader reads the data streams KinesisStreamAsSource delivery streams consume (the built-in Kinesis Data Streams). Errors are the Kinesis API's.
type KinesisReader interface {
	Shards(region, streamARN string) ([]KinesisShard, *awsjson.Error)
	// ReadShard returns up to limit records after the sequence number after ("" = from the oldest); exhausted: the shard is closed and nothing follows.
	ReadShard(region, streamARN, shardID, after string, limit int) (recs []KinesisRecord, exhausted bool, err *awsjson.Error)
	// LastSequence is the shard's newest sequence number ("" when none).
	LastSequence(region, streamARN, shardID string) (string, *awsjson.Error)
}

const (
	typeKinesisSource = "KinesisStreamAsSource"
	// kinesisPollInterval is how often each shard is read, as Firehose's
	// GetRecords once a second per shard.
	kinesisPollInterval = time.Second
	// kinesisReadLimit is the most records one read returns (GetRecords').
	kinesisReadLimit = 10_000
)

// checkpointsBucket, in the service's bucket of the state store, holds one
// key per KinesisStreamAsSource stream, "<region>/<name>", its
// storedCheckpoint in JSON.
var checkpointsBucket = []byte("kinesisCheckpoints")

// kinesisSource is a KinesisStreamAsSource stream's source.
type kinesisSource struct {
	StreamARN string    `json:"streamArn"`
	RoleARN   string    `json:"roleArn"`
	StartedAt time.Time `json:"startedAt"` // DeliveryStartTimestamp
}

// shardPos is where a delivery stream is in one shard.
type shardPos struct {
	Seq  string `json:"seq,omitempty"`  // the last sequence number placed; "": from the oldest
	Done bool   `json:"done,omitempty"` // closed, and every record placed
}

type storedCheckpoint struct {
	Incarnation string              `json:"incarnation"`
	Shards      map[string]shardPos `json:"shards"`
}

// kinesisRegion is the region of a data stream's ARN,
// arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME.
func kinesisRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[3]
}

// checkKinesisSource checks a KinesisStreamAsSource stream's request and
// returns its source and where reading starts in each shard (LATEST).
func (s *Service) checkKinesisSource(in *protocol.CreateDeliveryStreamInput) (*kinesisSource, map[string]shardPos, *awsjson.Error) {
	if s.cfg.Kinesis == nil {
		return nil, nil, protocol.Unsupported("DeliveryStreamType " + typeKinesisSource)
	}
	c := in.KinesisStreamSourceConfiguration
	if c == nil || c.KinesisStreamARN == "" || c.RoleARN == "" {
		return nil, nil, awsjson.NewError(awsjson.ErrInvalidArgument, "KinesisSourceStreamConfig is mandatory for KinesisStreamAsSource stream type.")
	}
	if in.DeliveryStreamEncryptionConfigurationInput != nil {
		return nil, nil, awsjson.NewError(awsjson.ErrInvalidArgument, "Server side encryption from firehose is only allowed for direct put delivery streams and database as a source delivery streams")
	}
	region := kinesisRegion(c.KinesisStreamARN)
	shards, err := s.cfg.Kinesis.Shards(region, c.KinesisStreamARN)
	if err != nil {
		return nil, nil, sourceStreamError(c.KinesisStreamARN, err)
	}
	start := make(map[string]shardPos, len(shards))
	for _, sh := range shards {
		last, err := s.cfg.Kinesis.LastSequence(region, c.KinesisStreamARN, sh.ID)
		if err != nil {
			return nil, nil, sourceStreamError(c.KinesisStreamARN, err)
		}
		start[sh.ID] = shardPos{Seq: last}
	}
	return &kinesisSource{StreamARN: c.KinesisStreamARN, RoleARN: c.RoleARN, StartedAt: s.clock.Now()}, start, nil
}

// sourceStreamError is CreateDeliveryStream's answer when the data stream
// cannot be read. AWS's text for a data stream that does not exist is not
// recorded; this is an InvalidArgumentException naming the stream, with
// Kinesis' own message (see docs/differences.md).
func sourceStreamError(arn string, err *awsjson.Error) *awsjson.Error {
	if err.Type == awsjson.ErrResourceNotFound {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "The Kinesis stream %s cannot be read: %s", arn, err.Message)
	}
	return err
}

// kinesisPoller reads one delivery stream's data stream.
type kinesisPoller struct {
	s      *Service
	st     *stream
	src    kinesisSource
	region string // the data stream's

	mu      sync.Mutex // one poll at a time; guards shards and lastErr. Taken after Service.mu, never before
	shards  map[string]shardPos
	lastErr string // logged already; cleared when a poll succeeds

	timerMu sync.Mutex
	timer   clock.Timer
	stopped bool
}

func (s *Service) newKinesisPoller(st *stream, src kinesisSource, start map[string]shardPos) *kinesisPoller {
	if start == nil {
		start = map[string]shardPos{}
	}
	st.pipe.Metrics().KinesisSource.Store(true)
	return &kinesisPoller{s: s, st: st, src: src, region: kinesisRegion(src.StreamARN), shards: start}
}

// start schedules the first poll. Without a reader (a stored stream, at a
// start without Kinesis) nothing is read.
func (p *kinesisPoller) start() {
	if p.s.cfg.Kinesis == nil {
		p.s.log.Error("Kinesis source: no Kinesis Data Streams service: this delivery stream reads nothing", "stream", p.st.name, "region", p.st.region)
		return
	}
	p.schedule()
}

func (p *kinesisPoller) schedule() {
	p.timerMu.Lock()
	defer p.timerMu.Unlock()
	if !p.stopped {
		p.timer = p.s.clock.AfterFunc(kinesisPollInterval, p.tick)
	}
}

func (p *kinesisPoller) tick() {
	p.poll()
	p.schedule()
}

// stop ends the polling, once a poll under way has finished (so that none
// writes to the write-ahead log after shutdown closes it).
func (p *kinesisPoller) stop() {
	p.timerMu.Lock()
	p.stopped = true
	if p.timer != nil {
		p.timer.Stop()
	}
	p.timerMu.Unlock()
	p.mu.Lock()
	//lint:ignore SA2001 waiting for a poll under way
	p.mu.Unlock()
}

func (p *kinesisPoller) isStopped() bool {
	p.timerMu.Lock()
	defer p.timerMu.Unlock()
	return p.stopped
}

// poll reads every readable shard once: those not read to their end whose
// parents (that are still listed) are. more reports that a shard gave a
// whole read's worth, all placed: it may have more to read now.
func (p *kinesisPoller) poll() (more bool) {
	r := p.s.cfg.Kinesis
	p.mu.Lock()
	defer p.mu.Unlock()
	if r == nil || p.isStopped() {
		return false
	}
	shards, err := r.Shards(p.region, p.src.StreamARN)
	if err != nil {
		p.failed("listing its shards", err)
		return false
	}
	listed := make(map[string]bool, len(shards))
	for _, sh := range shards {
		listed[sh.ID] = true
	}
	changed := false
	// Shards gone from the stream (past its retention) are forgotten.
	for id := range p.shards {
		if !listed[id] {
			delete(p.shards, id)
			changed = true
		}
	}
	ok := true
	read := map[string]bool{}
	// A child becomes readable when its parents end: another pass reads it
	// in the same poll.
	for again := true; again; {
		again = false
		for _, sh := range shards {
			if read[sh.ID] || p.shards[sh.ID].Done || !p.parentsDone(sh, listed) {
				continue
			}
			read[sh.ID] = true
			moved, done, full, shardOK := p.readShard(r, sh.ID)
			changed = changed || moved
			again = again || done
			ok = ok && shardOK
			more = more || (full && shardOK)
		}
	}
	if changed {
		p.save()
	}
	if ok && p.lastErr != "" {
		p.lastErr = ""
		p.s.log.Info("Kinesis source: reading the data stream again", "stream", p.st.name, "region", p.st.region, "kinesisStream", p.src.StreamARN)
	}
	return more
}

func (p *kinesisPoller) parentsDone(sh KinesisShard, listed map[string]bool) bool {
	for _, id := range [...]string{sh.ParentID, sh.AdjacentParentID} {
		if id != "" && listed[id] && !p.shards[id].Done {
			return false
		}
	}
	return true
}

// readShard reads the shard once and places what it got. moved reports a
// new position, done that the shard is now read to its end, full that the
// read gave as many records as it may, ok that nothing failed.
func (p *kinesisPoller) readShard(r KinesisReader, id string) (moved, done, full, ok bool) {
	pos, known := p.shards[id]
	recs, exhausted, err := r.ReadShard(p.region, p.src.StreamARN, id, pos.Seq, kinesisReadLimit)
	if err != nil {
		p.failed("reading shard "+id, err)
		return false, false, false, false
	}
	n := p.place(id, recs)
	if n > 0 {
		pos.Seq = recs[n-1].SequenceNumber
	}
	if n < len(recs) {
		p.failed("placing records of shard "+id, awsjson.NewError(awsjson.ErrServiceUnavailable, "Slow down."))
	}
	pos.Done = exhausted && n == len(recs)
	p.shards[id] = pos
	return n > 0 || pos.Done || !known, pos.Done, len(recs) == kinesisReadLimit, n == len(recs)
}

// place puts records of a shard into the stream, de-aggregated by
// Config.DeaggregateKPL (or Deaggregate) if set, each with its Kinesis
// metadata, and returns how many of them (a prefix) were placed whole.
// Records after one refused (the service is throttling or draining) are
// read again next time, and those of them placed meanwhile repeated.
func (p *kinesisPoller) place(shardID string, recs []KinesisRecord) int {
	if len(recs) == 0 || p.s.draining() {
		return 0
	}
	now := p.s.clock.Now()
	data := make([][]byte, 0, len(recs))
	meta := make([]delivery.KinesisMeta, 0, len(recs))
	ends := make([]int, len(recs)) // ends[i]: len(data) after recs[i]'s records
	for i, r := range recs {
		arrival := r.Arrival
		if arrival.IsZero() {
			arrival = now
		}
		m := delivery.KinesisMeta{ShardID: shardID, PartitionKey: r.PartitionKey, SequenceNumber: r.SequenceNumber, Arrival: arrival.UnixMilli()}
		data, meta = p.split(r.Data, m, data, meta)
		ends[i] = len(data)
	}
	results := make([]error, len(data))
	if len(data) > 0 {
		p.s.ingest(p.st, data, meta, now, results)
	}
	first := len(data)
	for i, err := range results {
		if err != nil {
			first = i
			break
		}
	}
	n := 0
	var bytes int64
	for n < len(recs) && ends[n] <= first {
		bytes += int64(len(recs[n].Data))
		n++
	}
	m := p.st.pipe.Metrics()
	m.KinesisReadRecords.Add(int64(n))
	m.KinesisReadBytes.Add(bytes)
	return n
}

// split appends a record's data and metadata, or those of each
// sub-record of a KPL aggregate: its own partition key, and its index as
// its subsequence number (0 for a record that is no aggregate).
func (p *kinesisPoller) split(r []byte, m delivery.KinesisMeta, data [][]byte, meta []delivery.KinesisMeta) ([][]byte, []delivery.KinesisMeta) {
	if d := p.s.cfg.DeaggregateKPL; d != nil {
		if subs, aggregated := d(r); aggregated {
			for _, sub := range subs {
				m.PartitionKey, m.SubsequenceNumber = sub.PartitionKey, int64(sub.SubSequence)
				data, meta = append(data, sub.Data), append(meta, m)
			}
			return data, meta
		}
	}
	return append(data, r), append(meta, m)
}

// failed logs a failed read, once until it changes or reading recovers.
func (p *kinesisPoller) failed(during string, err *awsjson.Error) {
	msg := during + ": " + err.Error()
	if msg == p.lastErr {
		return
	}
	p.lastErr = msg
	p.s.log.Error("Kinesis source: reading the data stream failed; retried every second", "stream", p.st.name, "region", p.st.region,
		"kinesisStream", p.src.StreamARN, "during", during, "error", err.Error())
}

// save writes the checkpoint. The caller holds p.mu.
func (p *kinesisPoller) save() {
	h := p.s.cfg.State
	if h == nil || p.isStopped() {
		return
	}
	v, err := json.Marshal(storedCheckpoint{Incarnation: p.st.incarnation, Shards: p.shards})
	if err == nil {
		err = h.Update(func(root *statestore.Bucket) error {
			b, err := root.CreateBucketIfNotExists(checkpointsBucket)
			if err != nil {
				return err
			}
			return b.Put([]byte(p.st.region+"/"+p.st.name), v)
		})
	}
	if err != nil {
		p.s.log.Error("Kinesis source: saving the checkpoint failed: records placed since the last one are read again after a restart",
			"stream", p.st.name, "region", p.st.region, "file", h.Path(), "error", err)
	}
}

// loadCheckpoints reads the stored checkpoints, by "<region>/<name>".
func loadCheckpoints(h *statestore.Handle) (map[string]storedCheckpoint, error) {
	out := map[string]storedCheckpoint{}
	if h == nil {
		return out, nil
	}
	err := h.View(func(root *statestore.Bucket) error {
		return root.Bucket(checkpointsBucket).ForEach(func(k, v []byte) error {
			var c storedCheckpoint
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			out[string(k)] = c
			return nil
		})
	})
	return out, err
}

// pruneCheckpoints removes the checkpoints of streams not in want (deleted
// ones).
func pruneCheckpoints(root *statestore.Bucket, want map[string][]byte) error {
	b := root.Bucket(checkpointsBucket)
	var stale [][]byte
	err := b.ForEach(func(k, _ []byte) error {
		if _, ok := want[string(k)]; !ok {
			stale = append(stale, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// pollNow reads the stream's shards at once (Flush), if it reads a data
// stream, until it has caught up with them (or the pipeline takes no more).
func (st *stream) pollNow() {
	if st.kinesis == nil {
		return
	}
	for st.kinesis.poll() {
	}
}

// saveNow writes the checkpoint of a stream just created: where it starts.
func (p *kinesisPoller) saveNow() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.save()
}
