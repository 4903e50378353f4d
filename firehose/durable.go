package firehose

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/statestore"
	"github.com/firehose-local/firehose-local/wal"
)

// Durability with Config.DataDir. Every accepted PutRecord(Batch) call is
// one frame of the write-ahead log (DataDir/wal) before it is answered. The
// frame is done — a marker says so in the log — once every batch holding
// its records is delivered (or dropped, or discarded with its stream): a
// delivery.Hold counts those batches. A Lambda processor's batch hands its holds
// on to the batches its results went to, so source records are done only
// when their results are written. Delivery stream definitions are kept in
// the service's bucket of the state store (Config.State, DataDir/state.db),
// written before the call that changed them answers.
//
// At start the streams are loaded, then every frame not done is put back
// into its stream's buffers (through the processor again, if there is one).
// A frame of a stream deleted since, or deleted and created again (each
// creation has its own incarnation ID), is left out.
//
// Without DataDir the log is nil and batches carry no holds.

// FsyncPolicy is when an acknowledged record reaches the disk (see
// Config.Fsync).
type FsyncPolicy string

// Fsync policies.
const (
	FsyncAlways   FsyncPolicy = "always"
	FsyncInterval FsyncPolicy = "interval"
)

// errNotLogged is a record's result when the write-ahead log failed.
var errNotLogged = errors.New("the record could not be written to the write-ahead log")

// ingest puts records that arrived at now into the stream: straight into
// its buffers in memory, or, with a data directory, through the
// write-ahead log first. meta is the records' Kinesis metadata, one entry
// per record, or nil (Direct PUT, CloudWatch Logs). results gets each
// record's error, if any.
func (s *Service) ingest(st *stream, records [][]byte, meta []delivery.KinesisMeta, now time.Time, results []error) {
	s.ingestSeq(st, records, meta, delivery.Seqs{}, now, results)
}

// ingestSeq is ingest for records with lineage sequence numbers.
func (s *Service) ingestSeq(st *stream, records [][]byte, meta []delivery.KinesisMeta, seqs delivery.Seqs, now time.Time, results []error) {
	if s.wal == nil {
		st.pipe.PutSeq(records, meta, seqs, now, results)
		return
	}
	accepted, acceptedMeta := records, meta
	refused := 0
	for i, r := range records {
		if !s.pending.Reserve(len(r)) {
			results[i] = delivery.ErrSlowDown
			refused++
		}
	}
	if refused == len(records) {
		return
	}
	if refused > 0 {
		seqs = acceptedSeqs(seqs, results)
		accepted = make([][]byte, 0, len(records)-refused)
		if meta != nil {
			acceptedMeta = make([]delivery.KinesisMeta, 0, len(records)-refused)
		}
		for i, r := range records {
			if results[i] == nil {
				accepted = append(accepted, r)
				if meta != nil {
					acceptedMeta = append(acceptedMeta, meta[i])
				}
			}
		}
	}
	fail := func(err error) {
		for i, r := range records {
			if results[i] == nil {
				results[i] = err
				s.pending.Release(len(r))
			}
		}
	}
	bp := payloads.Get().(*[]byte)
	payload := encodeRecords((*bp)[:0], st, now, accepted, acceptedMeta)
	pos, err := s.wal.Append(payload, len(accepted))
	*bp = payload
	if cap(payload) <= 8<<20 {
		payloads.Put(bp)
	}
	if wal.IsNoSpace(err) {
		s.enterDrain(err)
		fail(errDraining)
		return
	}
	if err != nil {
		s.log.Error("write-ahead log: records refused", "stream", st.name, "records", len(accepted), "error", err)
		fail(errNotLogged)
		return
	}
	h := delivery.NewHold(pos)
	if !st.pipe.PutLoggedSeq(accepted, acceptedMeta, seqs, now, h) {
		fail(delivery.ErrSlowDown) // the stream was deleted meanwhile
	}
	s.deps.Release(h)
}

var payloads = sync.Pool{New: func() any { return new([]byte) }}

// The versions of a data frame's payload:
//
//	[1][region][name][incarnation][arrival ms, varint][count][record]...
//	[2][region][name][incarnation][arrival ms, varint][count][record]...[meta]...
//
// where strings and records are a uvarint length and the bytes, and each
// record's meta (version 2: records read from a Kinesis data stream) is
//
//	[shard][partition key][sequence number][subsequence, uvarint][arrival ms, varint]
//
// Records without metadata (Direct PUT, CloudWatch Logs) are written as
// version 1, as before version 2 existed; both are read.
const (
	walFormat     = 1
	walFormatMeta = 2
)

func encodeRecords(b []byte, st *stream, now time.Time, records [][]byte, meta []delivery.KinesisMeta) []byte {
	if meta == nil {
		b = append(b, walFormat)
	} else {
		b = append(b, walFormatMeta)
	}
	for _, s := range [...]string{st.region, st.name, st.incarnation} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, now.UnixMilli())
	b = binary.AppendUvarint(b, uint64(len(records)))
	for _, r := range records {
		b = binary.AppendUvarint(b, uint64(len(r)))
		b = append(b, r...)
	}
	for _, m := range meta {
		b = appendString(b, m.ShardID)
		b = appendString(b, m.PartitionKey)
		b = appendString(b, m.SequenceNumber)
		b = binary.AppendUvarint(b, uint64(m.SubsequenceNumber))
		b = binary.AppendVarint(b, m.Arrival)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// loggedRecords is a decoded data frame; its slices point into the payload.
type loggedRecords struct {
	region, name, incarnation string
	arrival                   time.Time
	records                   [][]byte
	meta                      []delivery.KinesisMeta // version 2 only; nil for version 1
}

func decodeRecords(b []byte) (loggedRecords, error) {
	var out loggedRecords
	bad := errors.New("malformed write-ahead log payload")
	if len(b) == 0 || (b[0] != walFormat && b[0] != walFormatMeta) {
		return out, bad
	}
	withMeta := b[0] == walFormatMeta
	b = b[1:]
	bytesOf := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, true
	}
	var strs [3]string
	for i := range strs {
		v, ok := bytesOf()
		if !ok {
			return out, bad
		}
		strs[i] = string(v)
	}
	out.region, out.name, out.incarnation = strs[0], strs[1], strs[2]
	ms, k := binary.Varint(b)
	if k <= 0 {
		return out, bad
	}
	b = b[k:]
	out.arrival = time.UnixMilli(ms)
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return out, bad
	}
	b = b[k:]
	out.records = make([][]byte, 0, n)
	for range n {
		v, ok := bytesOf()
		if !ok {
			return out, bad
		}
		out.records = append(out.records, v)
	}
	if !withMeta {
		return out, nil
	}
	out.meta = make([]delivery.KinesisMeta, len(out.records))
	for i := range out.meta {
		m := &out.meta[i]
		for _, p := range [...]*string{&m.ShardID, &m.PartitionKey, &m.SequenceNumber} {
			v, ok := bytesOf()
			if !ok {
				return out, bad
			}
			*p = string(v)
		}
		sub, k := binary.Uvarint(b)
		if k <= 0 {
			return out, bad
		}
		b = b[k:]
		ms, k := binary.Varint(b)
		if k <= 0 {
			return out, bad
		}
		b = b[k:]
		m.SubsequenceNumber, m.Arrival = int64(sub), ms
	}
	return out, nil
}

// startDurable loads the stream definitions and replays the write-ahead
// log, with a data directory. Neither needs free space: on a full disk the
// server starts in drain-only mode (see drain.go).
func (s *Service) startDurable() error {
	if s.cfg.DataDir == "" {
		return nil
	}
	log, err := wal.Open(wal.Options{
		Dir:         filepath.Join(s.cfg.DataDir, "wal"),
		Sync:        wal.Policy(s.cfg.Fsync),
		SegmentSize: s.cfg.WALSegmentSize,
		Logger:      s.log.With("service", "firehose"),
	})
	if err != nil {
		return fmt.Errorf("opening the write-ahead log: %w", err)
	}
	if err := s.loadStreams(); err != nil {
		_ = log.Close()
		return err
	}
	// The first write: on a full disk the server starts in drain-only
	// mode, once the log is replayed.
	full := log.Probe()
	if full != nil && !wal.IsNoSpace(full) {
		_ = log.Close()
		return fmt.Errorf("writing the write-ahead log: %w", full)
	}
	s.wal = log
	s.deps.Log = log
	streams := map[*stream]int{}
	stats, err := log.Replay(func(pos wal.Pos, payload []byte) bool {
		lr, err := decodeRecords(payload)
		if err != nil {
			s.log.Warn("write-ahead log: frame skipped", "segment", pos.Seg, "offset", pos.Off, "error", err)
			return false
		}
		s.mu.Lock()
		st := s.streams[lr.region][lr.name]
		s.mu.Unlock()
		if st == nil || st.incarnation != lr.incarnation {
			return false // the stream was deleted (and maybe created again)
		}
		size := 0
		for _, r := range lr.records {
			size += len(r)
		}
		// Acknowledged records come back whatever the pending bound says.
		s.pending.Add(int64(size))
		h := delivery.NewHold(pos)
		if !st.pipe.PutLoggedMeta(lr.records, lr.meta, lr.arrival, h) {
			s.pending.Add(-int64(size))
			return false
		}
		streams[st] += len(lr.records)
		s.deps.Release(h)
		return true
	})
	if err != nil {
		s.log.Error("write-ahead log: reading failed; what could be read was replayed", "error", err)
	}
	if stats.Frames > 0 || stats.Skipped > 0 {
		records := 0
		for _, n := range streams {
			records += n
		}
		s.log.Info("write-ahead log replayed: acknowledged records not yet delivered are buffered again",
			"records", records, "streams", len(streams), "calls", stats.Frames, "callsOfDeletedStreams", stats.Skipped)
	}
	s.walLoss = stats.Loss
	if l := stats.Loss; l.Calls > 0 || l.Unreadable > 0 {
		// The log's warnings name each damaged stretch; this is the sum.
		s.log.Error("write-ahead log: damaged: acknowledged records not yet delivered were lost",
			"calls", l.Calls, "records", l.Records, "unreadableFrames", l.Unreadable, "damagedBytes", l.Bytes,
			"note", "calls and records are exact for frames whose header survived; each unreadable frame is one more lost call of unknown size, or a done marker")
	}
	if full != nil {
		s.enterDrain(full)
	}
	return nil
}

// Stream definitions in the state store: the bucket "streams" of the
// service's bucket holds one key per stream, "<region>/<name>", its
// storedStream in JSON. Before the state store they were in
// DataDir/firehose/streams.json (storedStreams), which is imported once and
// removed.
var streamsBucket = []byte("streams")

// legacyStreamsFile is the file of firehose-local before the state store,
// relative to the data directory; it names its import's marker too.
const legacyStreamsFile = "firehose/streams.json"

type storedStreams struct {
	Version int            `json:"version"`
	Streams []storedStream `json:"streams"`
}

type storedStream struct {
	Region      string                                         `json:"region"`
	Name        string                                         `json:"name"`
	Incarnation string                                         `json:"incarnation"`
	Type        string                                         `json:"type"`
	CreatedAt   time.Time                                      `json:"createdAt"`
	UpdatedAt   time.Time                                      `json:"updatedAt,omitzero"`
	Version     int                                            `json:"version"`
	S3          *protocol.ExtendedS3DestinationConfiguration   `json:"s3,omitempty"`
	HTTP        *protocol.HttpEndpointDestinationConfiguration `json:"http,omitempty"`
	Splunk      *protocol.SplunkDestinationConfiguration       `json:"splunk,omitempty"`
	OpenSearch  *delivery.OpenSearchSpec                       `json:"opensearch,omitempty"`
	Redshift    *protocol.RedshiftDestinationConfiguration     `json:"redshift,omitempty"`
	Source      *protocol.DirectPutSourceConfiguration         `json:"source,omitempty"`
	Kinesis     *kinesisSource                                 `json:"kinesis,omitempty"`
	Tags        map[string]*string                             `json:"tags,omitempty"`
	SSE         *storedSSE                                     `json:"sse,omitempty"`
}

type storedSSE struct {
	Enabled bool        `json:"enabled"`
	KeyType string      `json:"keyType,omitempty"`
	KeyARN  *string     `json:"keyArn,omitempty"`
	Toggles []time.Time `json:"toggles,omitempty"`
}

// saveStreamsLocked writes every stream's definition after a control-plane
// change, in one transaction. The caller holds s.mu. Deleting streams are
// left out: a restart completes their deletion.
func (s *Service) saveStreamsLocked() {
	h := s.cfg.State
	if h == nil {
		return
	}
	if err := h.Update(s.writeStreamsLocked); err != nil {
		s.log.Error("saving delivery stream definitions failed: this change is lost at the next restart", "file", h.Path(), "error", err)
	}
}

// writeStreamsLocked makes the bucket hold every stream's definition, and
// nothing else. The caller holds s.mu.
func (s *Service) writeStreamsLocked(root *statestore.Bucket) error {
	b, err := root.CreateBucketIfNotExists(streamsBucket)
	if err != nil {
		return err
	}
	want := map[string][]byte{}
	for _, byName := range s.streams {
		for _, st := range byName {
			if st.deleting {
				continue
			}
			ss := storedStream{
				Region: st.region, Name: st.name, Incarnation: st.incarnation, Type: st.typ,
				CreatedAt: st.createdAt, UpdatedAt: st.updatedAt, Version: st.version,
				S3: st.dest.S3, HTTP: st.dest.HTTP, Splunk: st.dest.Splunk, OpenSearch: st.dest.OpenSearch, Redshift: st.dest.Redshift, Source: st.source, Tags: st.tags,
			}
			if st.kinesis != nil {
				ss.Kinesis = &st.kinesis.src
			}
			if st.sse.configured {
				ss.SSE = &storedSSE{Enabled: st.sse.enabled, KeyType: st.sse.keyType, KeyARN: st.sse.keyARN, Toggles: st.sse.toggles}
			}
			v, err := json.Marshal(ss)
			if err != nil {
				return err
			}
			want[st.region+"/"+st.name] = v
		}
	}
	var stale [][]byte
	err = b.ForEach(func(k, _ []byte) error {
		if _, ok := want[string(k)]; !ok {
			stale = append(stale, bytes.Clone(k))
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
	if err := pruneCheckpoints(root, want); err != nil {
		return err
	}
	for k, v := range want {
		if !bytes.Equal(b.Get([]byte(k)), v) {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadStreams reads the stream definitions from the state store, and
// imports those of streams.json, if there is one not imported yet. Every
// stream comes back ACTIVE, its encryption settled.
func (s *Service) loadStreams() error {
	var defs []storedStream
	h := s.cfg.State
	if h != nil {
		err := h.View(func(root *statestore.Bucket) error {
			return root.Bucket(streamsBucket).ForEach(func(k, v []byte) error {
				var ss storedStream
				if err := json.Unmarshal(v, &ss); err != nil {
					return fmt.Errorf("delivery stream %q: %w", k, err)
				}
				defs = append(defs, ss)
				return nil
			})
		})
		if err != nil {
			return fmt.Errorf("reading delivery stream definitions from %s: %w", h.Path(), err)
		}
	}
	legacy, err := s.readStreamsFile()
	if err != nil {
		return err
	}
	checkpoints, err := loadCheckpoints(h)
	if err != nil {
		return fmt.Errorf("reading Kinesis source checkpoints from %s: %w", h.Path(), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range append(defs, legacy...) {
		if err := s.addStoredLocked(ss, checkpoints); err != nil {
			return err
		}
	}
	if n := len(defs); n > 0 {
		s.log.Info("delivery streams loaded", "streams", n, "file", h.Path())
	}
	if legacy == nil || h == nil {
		return nil
	}
	path := filepath.Join(s.cfg.DataDir, legacyStreamsFile)
	err = h.Update(func(root *statestore.Bucket) error {
		if err := s.writeStreamsLocked(root); err != nil {
			return err
		}
		return root.MarkMigrated(legacyStreamsFile)
	})
	if err != nil {
		// Read again from the file at the next start.
		s.log.Error("importing the delivery stream definitions of an earlier version into the state store failed: they are kept in memory only",
			"file", path, "error", err)
		return nil
	}
	s.log.Info("delivery stream definitions of an earlier version imported into the state store", "streams", len(legacy), "file", path)
	removeLegacyStreams(path, s.log)
	return nil
}

// readStreamsFile returns the definitions in streams.json, if there is one
// that is not imported yet (one imported already is removed).
func (s *Service) readStreamsFile() ([]storedStream, error) {
	if s.cfg.DataDir == "" {
		return nil, nil
	}
	path := filepath.Join(s.cfg.DataDir, legacyStreamsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading delivery stream definitions: %w", err)
	}
	if h := s.cfg.State; h != nil {
		done, err := h.Migrated(legacyStreamsFile)
		if err != nil {
			return nil, err
		}
		if done {
			removeLegacyStreams(path, s.log)
			return nil, nil
		}
	}
	var in storedStreams
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&in); err != nil || in.Version != 1 {
		return nil, fmt.Errorf("%s is not a firehose-local stream file (version 1): %v; move it away to start without its streams", path, err)
	}
	if in.Streams == nil {
		in.Streams = []storedStream{}
	}
	return in.Streams, nil
}

// removeLegacyStreams removes an imported streams.json, and its directory
// if nothing else is in it.
func removeLegacyStreams(path string, log *slog.Logger) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn("removing delivery stream definitions imported into the state store already", "file", path, "error", err)
		return
	}
	_ = os.Remove(filepath.Dir(path)) // fails if not empty
}

// addStoredLocked adds a stream from its stored definition, unless one of
// the same name is there already; a KinesisStreamAsSource stream resumes
// from its checkpoint. The caller holds s.mu.
func (s *Service) addStoredLocked(ss storedStream, checkpoints map[string]storedCheckpoint) error {
	if countDestinations(ss) != 1 || ss.Name == "" || ss.Region == "" {
		return fmt.Errorf("delivery stream %q in %q has no valid destination", ss.Name, ss.Region)
	}
	if s.streams[ss.Region][ss.Name] != nil {
		return nil
	}
	if ss.S3 != nil && upgradeProcessing(ss.S3.ProcessingConfiguration) ||
		ss.HTTP != nil && upgradeProcessing(ss.HTTP.ProcessingConfiguration) ||
		ss.Splunk != nil && upgradeProcessing(ss.Splunk.ProcessingConfiguration) {
		s.log.Info("a Lambda processor of a stored delivery stream had one buffering hint: the other one is given its default, as the release that stored it did",
			"region", ss.Region, "stream", ss.Name)
	}
	// A definition today's rules refuse would run without what they refuse
	// (its processing): say so loudly rather than deliver silently.
	var refused *awsjson.Error
	if ss.S3 != nil {
		refused = delivery.CheckS3(ss.S3)
	} else if ss.HTTP != nil {
		refused = delivery.CheckHTTP(ss.HTTP)
	} else if ss.Splunk != nil {
		refused = delivery.CheckSplunk(ss.Splunk)
	} else if ss.OpenSearch != nil {
		refused = delivery.CheckOpenSearch(ss.OpenSearch)
	} else if ss.Redshift != nil {
		refused = delivery.CheckRedshift(ss.Redshift)
	}
	if refused != nil {
		s.log.Error("a stored delivery stream's configuration breaks a rule of this release: parts of it (its processing) may not run; update or recreate the stream",
			"region", ss.Region, "stream", ss.Name, "error", refused.Message)
	}
	st := &stream{
		name: ss.Name, region: ss.Region, arn: s.arn(ss.Region, ss.Name), typ: ss.Type, incarnation: ss.Incarnation,
		createdAt: ss.CreatedAt, updatedAt: ss.UpdatedAt, readyAt: ss.CreatedAt, version: ss.Version,
		dest: destination{S3: ss.S3, HTTP: ss.HTTP, Splunk: ss.Splunk, OpenSearch: ss.OpenSearch, Redshift: ss.Redshift}, source: ss.Source, tags: ss.Tags,
	}
	if st.tags == nil {
		st.tags = map[string]*string{}
	}
	if e := ss.SSE; e != nil {
		st.sse = sseState{configured: true, enabled: e.Enabled, keyType: e.KeyType, keyARN: e.KeyARN, toggles: e.Toggles}
	}
	if s.streams[st.region] == nil {
		s.streams[st.region] = map[string]*stream{}
	}
	s.streams[st.region][st.name] = st
	source := ""
	if ss.Kinesis != nil {
		source = ss.Kinesis.StreamARN
	}
	st.pipe = s.newPipeline(st, source)
	if ss.Kinesis != nil {
		var start map[string]shardPos
		if c, ok := checkpoints[st.region+"/"+st.name]; ok && c.Incarnation == st.incarnation {
			start = c.Shards
		} else {
			s.log.Warn("Kinesis source: no checkpoint for a stored delivery stream: it reads its data stream from the oldest record",
				"region", st.region, "stream", st.name)
		}
		st.kinesis = s.newKinesisPoller(st, *ss.Kinesis, start)
	}
	return nil
}

// upgradeProcessing brings a processing configuration stored by an earlier
// release up to a rule that came later: a Lambda processor's
// BufferSizeInMBs and BufferIntervalInSeconds go together (AWS's "Both ...
// are required"). Releases before it accepted one alone, the other taking
// its default (1 MB, 60 s); a definition they stored gets that default
// written in, so that it keeps its processing (the pipeline does not run a
// configuration today's rules refuse). It reports whether it changed pc.
func upgradeProcessing(pc *protocol.ProcessingConfiguration) bool {
	if pc == nil {
		return false
	}
	changed := false
	for i := range pc.Processors {
		p := &pc.Processors[i]
		if p.Type != "Lambda" {
			continue
		}
		has := map[string]bool{}
		for _, param := range p.Parameters {
			has[param.ParameterName] = true
		}
		switch {
		case has["BufferSizeInMBs"] && !has["BufferIntervalInSeconds"]:
			p.Parameters = append(p.Parameters, protocol.ProcessorParameter{ParameterName: "BufferIntervalInSeconds", ParameterValue: "60"})
			changed = true
		case has["BufferIntervalInSeconds"] && !has["BufferSizeInMBs"]:
			p.Parameters = append(p.Parameters, protocol.ProcessorParameter{ParameterName: "BufferSizeInMBs", ParameterValue: "1"})
			changed = true
		}
	}
	return changed
}

// newIncarnation identifies one creation of a stream, so that records of a
// stream deleted and created again under the same name are not replayed
// into the new one.
func newIncarnation() string { return uuid.NewString() }
