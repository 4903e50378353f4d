package firehose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/statestore"
)

// fakeKinesis is an in-memory KinesisReader: data streams whose shards
// tests split and merge, and records they append.
type fakeKinesis struct {
	mu      sync.Mutex
	streams map[string][]*fakeShard // by ARN
	seq     int
	reads   int // ReadShard calls
}

type fakeShard struct {
	KinesisShard
	recs []KinesisRecord
}

func newFakeKinesis() *fakeKinesis { return &fakeKinesis{streams: map[string][]*fakeShard{}} }

func kinesisARN(name string) string { return "arn:aws:kinesis:us-east-1:123456789012:stream/" + name }

func (k *fakeKinesis) create(arn string, shards int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var list []*fakeShard
	for i := range shards {
		list = append(list, &fakeShard{KinesisShard: KinesisShard{ID: fmt.Sprintf("shardId-%012d", i)}})
	}
	k.streams[arn] = list
}

func (k *fakeKinesis) remove(arn string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.streams, arn)
}

func (k *fakeKinesis) shard(arn, id string) *fakeShard {
	for _, sh := range k.streams[arn] {
		if sh.ID == id {
			return sh
		}
	}
	panic("no shard " + id)
}

// put appends records to an open shard, each ended by a newline.
func (k *fakeKinesis) put(arn, shardID string, data ...string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	sh := k.shard(arn, shardID)
	if sh.Closed {
		panic("shard closed: " + shardID)
	}
	for _, d := range data {
		k.seq++
		sh.recs = append(sh.recs, KinesisRecord{SequenceNumber: fmt.Sprintf("%056d", k.seq), PartitionKey: "pk", Data: []byte(d + "\n")})
	}
}

// putRecord appends one record with its partition key and arrival, and
// returns its sequence number.
func (k *fakeKinesis) putRecord(arn, shardID, pk string, arrival time.Time, data []byte) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.seq++
	r := KinesisRecord{SequenceNumber: fmt.Sprintf("%056d", k.seq), PartitionKey: pk, Data: data, Arrival: arrival}
	sh := k.shard(arn, shardID)
	sh.recs = append(sh.recs, r)
	return r.SequenceNumber
}

func (k *fakeKinesis) addShard(arn string, parent, adjacent string) string {
	id := fmt.Sprintf("shardId-%012d", len(k.streams[arn]))
	k.streams[arn] = append(k.streams[arn], &fakeShard{KinesisShard: KinesisShard{ID: id, ParentID: parent, AdjacentParentID: adjacent}})
	return id
}

// split closes the shard and returns its two children.
func (k *fakeKinesis) split(arn, shardID string) (string, string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.shard(arn, shardID).Closed = true
	return k.addShard(arn, shardID, ""), k.addShard(arn, shardID, "")
}

// merge closes both shards and returns their child.
func (k *fakeKinesis) merge(arn, a, b string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.shard(arn, a).Closed = true
	k.shard(arn, b).Closed = true
	return k.addShard(arn, a, b)
}

func (k *fakeKinesis) readCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.reads
}

func notFound(arn string) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrResourceNotFound, "Stream %s under account 123456789012 not found.", path.Base(arn))
}

func (k *fakeKinesis) Shards(region, arn string) ([]KinesisShard, *awsjson.Error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	list, ok := k.streams[arn]
	if !ok || region != kinesisRegion(arn) {
		return nil, notFound(arn)
	}
	out := make([]KinesisShard, len(list))
	for i, sh := range list {
		out[i] = sh.KinesisShard
	}
	return out, nil
}

func (k *fakeKinesis) ReadShard(region, arn, shardID, after string, limit int) ([]KinesisRecord, bool, *awsjson.Error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.reads++
	if _, ok := k.streams[arn]; !ok {
		return nil, false, notFound(arn)
	}
	sh := k.shard(arn, shardID)
	i := sort.Search(len(sh.recs), func(i int) bool { return sh.recs[i].SequenceNumber > after })
	recs := sh.recs[i:]
	if len(recs) > limit {
		recs = recs[:limit]
	}
	return append([]KinesisRecord(nil), recs...), sh.Closed && i+len(recs) == len(sh.recs), nil
}

func (k *fakeKinesis) LastSequence(region, arn, shardID string) (string, *awsjson.Error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.streams[arn]; !ok {
		return "", notFound(arn)
	}
	sh := k.shard(arn, shardID)
	if len(sh.recs) == 0 {
		return "", nil
	}
	return sh.recs[len(sh.recs)-1].SequenceNumber, nil
}

// memStore is a delivery.ObjectStore keeping objects in memory.
type memStore struct {
	mu      sync.Mutex
	objects map[string][]byte
	down    bool     // every put fails
	bodies  [][2]int // of every put: the body's length and capacity
}

func (m *memStore) setDown(down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = down
}

func (m *memStore) PutObject(_ context.Context, bucket, key string, body []byte, _ delivery.ObjectMeta) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errors.New("store down")
	}
	m.objects[bucket+"/"+key] = bytes.Clone(body)
	m.bodies = append(m.bodies, [2]int{len(body), cap(body)})
	return nil
}

// records returns the newline-ended records of every object whose key
// starts with prefix, sorted.
func (m *memStore) records(prefix string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k, b := range m.objects {
		if strings.HasPrefix(k, "bucket/"+prefix) {
			out = append(out, strings.SplitAfter(string(b), "\n")...)
		}
	}
	out = slicesDeleteEmpty(out)
	sort.Strings(out)
	return out
}

func slicesDeleteEmpty(s []string) []string {
	out := s[:0]
	for _, v := range s {
		if v != "" {
			out = append(out, strings.TrimSuffix(v, "\n"))
		}
	}
	return out
}

// logBuffer is a slog handler's output, safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// kinesisEnv is a Firehose service reading a fakeKinesis, on a fake clock.
type kinesisEnv struct {
	t     *testing.T
	clk   *clock.Fake
	kin   *fakeKinesis
	store *memStore
	fn    *fakeTransform // every Lambda processor's function
	log   *logBuffer
	dir   string
	db    *statestore.DB
	svc   *Service
	wg    *sync.WaitGroup
	abort context.CancelFunc // shutdown stops waiting for deliveries
}

func newKinesisEnv(t *testing.T, dataDir bool) *kinesisEnv {
	e := &kinesisEnv{t: t, clk: clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), kin: newFakeKinesis(),
		store: &memStore{objects: map[string][]byte{}}, fn: &fakeTransform{}, log: &logBuffer{}}
	if dataDir {
		e.dir = t.TempDir()
	}
	e.open()
	t.Cleanup(e.close)
	return e
}

func (e *kinesisEnv) open() {
	e.wg = &sync.WaitGroup{}
	abort, cancel := context.WithCancel(context.Background())
	e.abort = cancel
	deps := &delivery.Deps{
		Clock: e.clk, Logger: slog.New(slog.NewTextHandler(e.log, nil)), Store: e.store,
		Pending: delivery.NewBudget(1 << 30), Abort: abort, WG: e.wg, Invoke: e.fn.invoke,
	}
	cfg := Config{Region: "us-east-1", Account: "123456789012", Clock: e.clk, Logger: deps.Logger, Kinesis: e.kin, Fsync: FsyncAlways}
	if e.dir != "" {
		db, err := statestore.Open(e.dir)
		if err != nil {
			e.t.Fatal(err)
		}
		e.db = db
		cfg.DataDir, cfg.State = e.dir, db.Handle("firehose")
	}
	svc, err := Open(cfg, deps)
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc = svc
}

func (e *kinesisEnv) close() {
	if e.svc == nil {
		return
	}
	e.svc.CloseStreams()
	e.wg.Wait()
	e.abort()
	if err := e.svc.Close(); err != nil {
		e.t.Error(err)
	}
	if e.db != nil {
		if err := e.db.Close(); err != nil {
			e.t.Error(err)
		}
	}
	e.svc, e.db = nil, nil
}

func (e *kinesisEnv) reopen() {
	e.t.Helper()
	e.close()
	e.open()
}

// call runs op with a JSON body and returns the answer as JSON.
func (e *kinesisEnv) call(op, body string) (string, *awsjson.Error) {
	out, err := e.svc.Call("us-east-1", op, []byte(body))
	if err != nil {
		return "", err
	}
	return mustJSON(e.t, out), nil
}

func (e *kinesisEnv) mustCall(op, body string) string {
	e.t.Helper()
	out, err := e.call(op, body)
	if err != nil {
		e.t.Fatalf("%s: %v", op, err)
	}
	return out
}

// createSource creates a KinesisStreamAsSource stream delivering to
// bucket/<name>/ (plain records, no delimiter added).
func (e *kinesisEnv) createSource(name, dataStream string) {
	e.t.Helper()
	e.mustCall("CreateDeliveryStream", sourceBody(name, dataStream, ""))
}

func sourceBody(name, dataStream, extraDest string) string {
	return `{"DeliveryStreamName":"` + name + `","DeliveryStreamType":"KinesisStreamAsSource",
		"KinesisStreamSourceConfiguration":{"KinesisStreamARN":"` + kinesisARN(dataStream) + `","RoleARN":"arn:aws:iam::123456789012:role/r"},
		"ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::123456789012:role/r","BucketARN":"arn:aws:s3:::bucket","Prefix":"` + name + `/"` + extraDest + `}}`
}

func (e *kinesisEnv) flush(name string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, found := e.svc.Flush(ctx, name, "")
	if !found {
		e.t.Fatalf("flush %s: no such stream", name)
	}
	for _, r := range res {
		if r.Error != "" {
			e.t.Fatalf("flush %s: %s", name, r.Error)
		}
	}
}

func (e *kinesisEnv) metrics(name string) *delivery.Metrics {
	for _, p := range e.svc.Pipelines() {
		if p.Name == name {
			return p.Pipe.Metrics()
		}
	}
	e.t.Fatalf("no stream %s", name)
	return nil
}
