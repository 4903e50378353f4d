package cwlogs

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/clock"
)

// Default bounds of a Store (see Options).
const (
	DefaultMaxEventsPerStream = 100_000
	DefaultMaxBytes           = 64 << 20
	DefaultMaxStreamsPerGroup = 10_000
	DefaultMaxGroups          = 10_000
)

// eventOverhead is what CloudWatch Logs counts for each event on top of its
// message's UTF-8 bytes (PutLogEvents' batch size rule). The store uses the
// same measure for its byte bound.
const eventOverhead = 26

// Event is one log event.
type Event struct {
	// Timestamp is when the event happened. Append uses the current time
	// when it is zero.
	Timestamp time.Time
	// Message is the event's text. CloudWatch Logs has no empty events:
	// Append skips events whose message is empty.
	Message string
	// IngestionTime is when the store received the event. Append ignores
	// it; Events reports it.
	IngestionTime time.Time
}

// Options bounds a Store. Zero fields take the defaults.
type Options struct {
	// MaxEventsPerStream caps the events kept per log stream; beyond it the
	// stream's oldest events (smallest timestamp) are evicted.
	// Default 100,000.
	MaxEventsPerStream int
	// MaxBytes caps the events kept across all groups, each counted as its
	// message's UTF-8 bytes plus 26 (CloudWatch Logs' own measure); beyond
	// it the oldest events of the whole store are evicted first.
	// Default 64 MiB.
	MaxBytes int64
	// MaxStreamsPerGroup caps the streams of one group; creating one more
	// (through the API or Append) deletes the group's least recently
	// written stream. Default 10,000.
	MaxStreamsPerGroup int
	// MaxGroups caps the log groups: CreateLogGroup then fails with
	// LimitExceededException, and Append to a new group drops its events
	// (and logs a warning). Default 10,000.
	MaxGroups int
	// Now is the clock (default time.Now): ingestion times, Append's
	// default timestamps, PutLogEvents' accepted window and retention.
	Now func() time.Time
	// Logger receives warnings (persistence failures, dropped events).
	// Default: discard.
	Logger *slog.Logger

	// Subscriptions is where subscription filters deliver (the emulator's
	// Firehose). Nil: no destination exists, and PutSubscriptionFilter
	// fails as for a Firehose stream that is not there.
	Subscriptions Destinations
	// Account is the owner in the messages subscription filters deliver.
	// Default 000000000000.
	Account string
	// AfterFunc schedules the retries of subscription deliveries
	// (default time.AfterFunc); tests give a fake clock's.
	AfterFunc func(d time.Duration, f func()) clock.Timer
	// MaxSubscriptionBacklog bounds the bytes of log events (counted as
	// for MaxBytes) queued for subscription destinations; past it new
	// events are dropped for them, and logged. Default 32 MiB.
	MaxSubscriptionBacklog int64
}

func (o *Options) setDefaults() {
	if o.MaxEventsPerStream <= 0 {
		o.MaxEventsPerStream = DefaultMaxEventsPerStream
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxStreamsPerGroup <= 0 {
		o.MaxStreamsPerGroup = DefaultMaxStreamsPerGroup
	}
	if o.MaxGroups <= 0 {
		o.MaxGroups = DefaultMaxGroups
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Account == "" {
		o.Account = "000000000000"
	}
	if o.AfterFunc == nil {
		o.AfterFunc = func(d time.Duration, f func()) clock.Timer { return time.AfterFunc(d, f) }
	}
	if o.MaxSubscriptionBacklog <= 0 {
		o.MaxSubscriptionBacklog = DefaultMaxSubscriptionBacklog
	}
}

// Store holds log groups, their streams and their events, in memory and
// bounded (see Options), optionally persisted in a state store (see Open).
// It is safe for concurrent use.
type Store struct {
	opts Options

	mu      sync.RWMutex
	groups  map[string]*group
	bytes   int64      // eventSize of every stored event
	seq     uint64     // last ingestion sequence number given out
	oldest  streamHeap // non-empty streams, by their oldest event
	nextID  uint64     // the next stream's ID
	persist *persister // nil when in memory only
	closed  bool
	sender  *dispatcher // delivers what subscription filters match; nil without Options.Subscriptions
}

// group is a log group.
type group struct {
	name      string
	created   int64 // ms
	retention int   // days; 0: never expire
	class     string
	kmsKeyID  string
	tags      map[string]string
	protected bool         // deletion protection
	subs      []*subFilter // subscription filters, in creation order; replaced, never changed in place
	streams   map[string]*stream
}

// stream is a log stream: its events sorted by (timestamp, sequence).
type stream struct {
	group   *group
	id      uint64 // unique in the store, never reused: its events' key in the state store
	gone    bool   // deleted
	name    string
	created int64
	events  []event
	bytes   int64
	// High-water metadata that eviction does not lower, as AWS reports a
	// stream's first/last event times whatever its retention removed.
	hasEvents  bool
	firstTS    int64
	lastTS     int64
	lastIngest int64
	puts       uint64 // batches written, for uploadSequenceToken
	heapIndex  int    // position in Store.oldest; -1 when not in it
}

// event is a stored event. seq is unique in the store and increases with
// ingestion; (ts, seq) orders a stream and names the event (its ID).
type event struct {
	ts     int64
	seq    uint64
	ingest int64
	msg    string
}

func (e *event) key() pos { return pos{e.ts, e.seq} }

func eventSize(msg string) int64 { return int64(len(msg)) + eventOverhead }

// lastActivity is when the stream was last written (or created).
func (st *stream) lastActivity() int64 {
	if st.hasEvents {
		return max(st.lastIngest, st.created)
	}
	return st.created
}

var (
	errGroupExists   = errors.New("log group exists")
	errTooManyGroups = errors.New("too many log groups")
)

// New returns an empty in-memory Store.
func New(opts Options) *Store {
	opts.setDefaults()
	s := &Store{opts: opts, groups: map[string]*group{}}
	if opts.Subscriptions != nil {
		s.sender = newDispatcher(&s.opts)
	}
	return s
}

// nowMS is the store clock in epoch milliseconds.
func (s *Store) nowMS() int64 { return s.opts.Now().UnixMilli() }

// Append adds events to the stream of the group, creating both as needed:
// this is how Lambda output gets in (see LambdaSink). Events with a zero
// Timestamp get the current time; empty messages are skipped. Unlike
// PutLogEvents, Append accepts any timestamps and any number of events.
// After Close it does nothing.
func (s *Store) Append(groupName, streamName string, events ...Event) {
	if groupName == "" || streamName == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	now := s.nowMS()
	batch := make([]event, 0, len(events))
	for _, e := range events {
		if e.Message == "" {
			continue
		}
		ts := now
		if !e.Timestamp.IsZero() {
			ts = max(e.Timestamp.UnixMilli(), 0)
		}
		batch = append(batch, event{ts: ts, msg: e.Message})
	}
	if len(batch) == 0 {
		return
	}
	g := s.groups[groupName]
	if g == nil {
		var err error
		if g, err = s.createGroup(groupName, groupAttrs{}, now); err != nil {
			s.opts.Logger.Warn("cwlogs: dropping log events: too many log groups",
				"group", groupName, "max_groups", s.opts.MaxGroups, "events", len(batch))
			return
		}
	}
	st := g.streams[streamName]
	if st == nil {
		st = s.createStream(g, streamName, now)
	}
	for i := range batch {
		s.seq++
		batch[i].seq = s.seq
		batch[i].ingest = now
	}
	s.putEvents(st, batch, true)
	s.publish(st, batch)
}

// LambdaSink returns a function for lambdarunner's LogSink (and
// emulator.Config.FunctionLogSink): every line of a function becomes one
// event of the group /aws/lambda/FUNCTION, in the stream lambdarunner names,
// timestamped now. As in Lambda, each message ends with "\n".
func (s *Store) LambdaSink() func(function, stream, line string) {
	return func(function, stream, line string) {
		s.Append("/aws/lambda/"+function, stream, Event{Message: line + "\n"})
	}
}

// Events returns the events of a stream in order (oldest first), or nil if
// the stream does not exist. It is meant for Go tests.
func (s *Store) Events(groupName, streamName string) []Event {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.groups[groupName]
	if g == nil {
		return nil
	}
	st := g.streams[streamName]
	if st == nil {
		return nil
	}
	out := make([]Event, len(st.events))
	for i, e := range st.events {
		out[i] = Event{Timestamp: time.UnixMilli(e.ts), Message: e.msg, IngestionTime: time.UnixMilli(e.ingest)}
	}
	return out
}

// Close commits every change to the state store (for a Store from Open).
// The Store keeps serving from memory afterwards, but Append does nothing
// and nothing more is persisted.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	p := s.persist
	if p != nil {
		p.stopped = true
	}
	s.mu.Unlock()
	if s.sender != nil {
		// Without the lock: a delivery in flight may log to the store.
		s.sender.close()
	}
	if p == nil {
		return nil
	}
	return p.stop()
}

// WaitSubscriptions waits until what subscription filters matched so far
// has been handed to its destinations (or dropped), except what waits for a
// retry; false if ctx ended first. The emulator calls it before a flush.
func (s *Store) WaitSubscriptions(ctx context.Context) bool {
	if s.sender == nil {
		return true
	}
	return s.sender.wait(ctx.Done())
}

// groupAttrs are a group's settable attributes.
type groupAttrs struct {
	retention int
	class     string
	kmsKeyID  string
	tags      map[string]string
	protected bool
	subs      []*subFilter
}

// createGroup adds a group; the caller holds mu.
func (s *Store) createGroup(name string, a groupAttrs, now int64) (*group, error) {
	if _, ok := s.groups[name]; ok {
		return nil, errGroupExists
	}
	if len(s.groups) >= s.opts.MaxGroups {
		return nil, errTooManyGroups
	}
	if a.class == "" {
		a.class = "STANDARD"
	}
	g := &group{
		name: name, created: now, retention: a.retention, class: a.class,
		kmsKeyID: a.kmsKeyID, tags: maps.Clone(a.tags), protected: a.protected,
		subs: cloneFilters(a.subs), streams: map[string]*stream{},
	}
	s.groups[name] = g
	s.persistGroup(g.name)
	return g, nil
}

// deleteGroup removes a group and its events; the caller holds mu.
func (s *Store) deleteGroup(g *group) {
	for _, st := range g.streams {
		s.dropStream(st)
	}
	delete(s.groups, g.name)
	s.persistGroup(g.name)
}

// createStream adds a stream to g, first deleting the least recently
// written stream if g is full; the caller holds mu.
func (s *Store) createStream(g *group, name string, now int64) *stream {
	if len(g.streams) >= s.opts.MaxStreamsPerGroup {
		var victim *stream
		for _, st := range g.streams {
			if victim == nil || st.lastActivity() < victim.lastActivity() ||
				(st.lastActivity() == victim.lastActivity() && st.name < victim.name) {
				victim = st
			}
		}
		s.deleteStream(victim)
	}
	s.nextID++
	st := &stream{group: g, id: s.nextID, name: name, created: now, heapIndex: -1}
	g.streams[name] = st
	s.persistStream(st)
	return st
}

// deleteStream removes a stream and its events; the caller holds mu.
func (s *Store) deleteStream(st *stream) {
	s.dropStream(st)
	delete(st.group.streams, st.name)
}

// dropStream releases a stream's events and accounting: the stream is
// gone.
func (s *Store) dropStream(st *stream) {
	st.gone = true
	s.persistDrop(st)
	if st.heapIndex >= 0 {
		heap.Remove(&s.oldest, st.heapIndex)
	}
	s.bytes -= st.bytes
	st.bytes = 0
	st.events = nil
}

// putEvents inserts a batch (with seq and ingest set) into st, keeping it
// sorted, then enforces the bounds; the caller holds mu. When persist is
// true the batch is new and goes to the state store (false: it comes from
// there); the events the bounds evict are removed from it either way.
func (s *Store) putEvents(st *stream, batch []event, persist bool) {
	if len(batch) == 0 {
		return
	}
	if persist {
		s.persistEvents(st, batch)
	}
	if !slices.IsSortedFunc(batch, cmpEvents) {
		slices.SortStableFunc(batch, cmpEvents)
	}
	var size int64
	for i := range batch {
		e := &batch[i]
		size += eventSize(e.msg)
		if !st.hasEvents || e.ts < st.firstTS {
			st.firstTS = e.ts
		}
		if !st.hasEvents || e.ts > st.lastTS {
			st.lastTS = e.ts
		}
		if !st.hasEvents || e.ingest > st.lastIngest {
			st.lastIngest = e.ingest
		}
		st.hasEvents = true
	}
	st.puts++
	n := len(st.events)
	if n == 0 || cmpPos(st.events[n-1].key(), batch[0].key()) < 0 {
		st.events = append(st.events, batch...)
	} else {
		st.events = mergeEvents(st.events, batch)
	}
	st.bytes += size
	s.bytes += size
	s.fixOldest(st)
	s.expire(st)
	if over := len(st.events) - s.opts.MaxEventsPerStream; over > 0 {
		s.evictFront(st, over)
	}
	for s.bytes > s.opts.MaxBytes && s.oldest.Len() > 0 {
		s.evictFront(s.oldest[0], 1)
	}
}

// mergeEvents merges the sorted batch into the sorted events.
func mergeEvents(events, batch []event) []event {
	i := sort.Search(len(events), func(i int) bool { return cmpPos(events[i].key(), batch[0].key()) > 0 })
	tail := slices.Clone(events[i:])
	out := slices.Grow(events[:i], len(tail)+len(batch))
	a, b := 0, 0
	for a < len(tail) && b < len(batch) {
		if cmpEvents(tail[a], batch[b]) <= 0 {
			out = append(out, tail[a])
			a++
		} else {
			out = append(out, batch[b])
			b++
		}
	}
	out = append(out, tail[a:]...)
	return append(out, batch[b:]...)
}

func cmpEvents(a, b event) int { return cmpPos(a.key(), b.key()) }

// evictFront removes the n oldest events of st.
func (s *Store) evictFront(st *stream, n int) {
	n = min(n, len(st.events))
	var size int64
	for i := range n {
		size += eventSize(st.events[i].msg)
	}
	s.persistEvictions(st, st.events[:n])
	clear(st.events[:n]) // let the messages be collected
	st.events = st.events[n:]
	if len(st.events) == 0 {
		st.events = nil
	}
	st.bytes -= size
	s.bytes -= size
	s.fixOldest(st)
}

// expire evicts the events of st that its group's retention has expired.
func (s *Store) expire(st *stream) {
	cutoff, ok := s.retentionCutoff(st.group)
	if !ok {
		return
	}
	n := sort.Search(len(st.events), func(i int) bool { return st.events[i].ts >= cutoff })
	if n > 0 {
		s.evictFront(st, n)
	}
}

// retentionCutoff is the oldest timestamp g's retention keeps.
func (s *Store) retentionCutoff(g *group) (int64, bool) {
	if g.retention <= 0 {
		return 0, false
	}
	return s.nowMS() - int64(g.retention)*24*time.Hour.Milliseconds(), true
}

// fixOldest updates st's place in the eviction heap after its oldest event
// changed.
func (s *Store) fixOldest(st *stream) {
	switch {
	case len(st.events) == 0 && st.heapIndex >= 0:
		heap.Remove(&s.oldest, st.heapIndex)
	case len(st.events) > 0 && st.heapIndex < 0:
		heap.Push(&s.oldest, st)
	case len(st.events) > 0:
		heap.Fix(&s.oldest, st.heapIndex)
	}
}

// streamHeap orders non-empty streams by their oldest event, so that the
// byte bound evicts the oldest events of the whole store first.
type streamHeap []*stream

func (h streamHeap) Len() int { return len(h) }
func (h streamHeap) Less(i, j int) bool {
	return cmpPos(h[i].events[0].key(), h[j].events[0].key()) < 0
}

func (h streamHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}

func (h *streamHeap) Push(x any) {
	st := x.(*stream)
	st.heapIndex = len(*h)
	*h = append(*h, st)
}

func (h *streamHeap) Pop() any {
	old := *h
	st := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	st.heapIndex = -1
	return st
}

// sortedGroups returns the groups sorted by name; the caller holds mu.
func (s *Store) sortedGroups() []*group {
	gs := slices.Collect(maps.Values(s.groups))
	slices.SortFunc(gs, func(a, b *group) int { return cmp.Compare(a.name, b.name) })
	return gs
}
