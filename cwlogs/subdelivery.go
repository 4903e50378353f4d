package cwlogs

import (
	"bytes"
	"compress/gzip"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/firehose-local/firehose-local/clock"
)

// Delivery of subscription filters' events (shared/spec/firehose-pipeline.md
// §3.2). PutLogEvents and Append hand the events each filter matches to a
// queue per destination and return at once: delivery never blocks nor
// fails them. One goroutine per destination with something queued takes
// the queue in order, merging what waits for the same filter and log
// stream into one message (at most maxMergeEvents events and
// maxMergeBytes), encodes it as CloudWatch Logs does (JSON, one gzip member
// at level 6, split in two until each member fits in a Firehose record)
// and puts the records to the destination.
//
// A retryable failure (throttling, a 5xx) is retried with a backoff of 1 s
// doubling up to retryBackoffMax, for up to maxRetryAge after the first
// failure, as CloudWatch Logs retries for 24 hours; a destination's queue
// waits meanwhile, keeping its order. Any other failure (the stream was
// deleted) drops the record, as CloudWatch Logs does for non-retryable
// errors. Both are logged. The queues are bounded (MaxSubscriptionBacklog):
// past it new events are dropped and logged. The queues are not persisted.

const (
	maxFirehoseRecord = 1_000 * 1024 // Firehose's record limit, before base64
	maxMergeEvents    = 10_000
	maxMergeBytes     = 1 << 20
	retryBackoffMin   = time.Second
	retryBackoffMax   = time.Minute
	maxRetryAge       = 24 * time.Hour

	// DefaultMaxSubscriptionBacklog is the default of
	// Options.MaxSubscriptionBacklog.
	DefaultMaxSubscriptionBacklog = 32 << 20
)

// subEvent is an event on its way to a subscription's destination.
type subEvent struct {
	ts  int64
	seq uint64
	msg string
}

// subItem is what a filter matched in one write to one log stream, and
// then (merged, encoded) the records that carry it.
type subItem struct {
	dest, filter, group, stream string
	events                      []subEvent
	size                        int64 // events' eventSize, counted against the backlog

	records   [][]byte  // encoded, once the worker took the item
	sent      int       // records delivered (or dropped) so far
	failures  int       // retryable failures in a row
	firstFail time.Time // when the current run of failures began
}

// destQueue is the queue of one destination.
type destQueue struct {
	dest    string
	items   []*subItem
	running bool        // a worker goroutine is taking it
	timer   clock.Timer // a retry is scheduled
}

// dispatcher delivers subscription filters' events (see above).
type dispatcher struct {
	dest      Destinations
	owner     string
	now       func() time.Time
	afterFunc func(time.Duration, func()) clock.Timer
	log       *slog.Logger
	max       int64

	mu      sync.Mutex
	queues  map[string]*destQueue
	bytes   int64
	busy    int           // queues with a running worker
	idle    chan struct{} // closed while busy == 0
	dropped int64         // events dropped for the backlog since the last accepted item
	closed  bool
	wg      sync.WaitGroup
}

func newDispatcher(o *Options) *dispatcher {
	idle := make(chan struct{})
	close(idle)
	return &dispatcher{
		dest: o.Subscriptions, owner: o.Account, now: o.Now, afterFunc: o.AfterFunc, log: o.Logger,
		max: o.MaxSubscriptionBacklog, queues: map[string]*destQueue{}, idle: idle,
	}
}

// enqueue queues it for delivery, or drops it when the backlog is full.
func (d *dispatcher) enqueue(it *subItem) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	if d.bytes+it.size > d.max {
		if d.dropped == 0 {
			d.log.Warn("cwlogs: subscription backlog full; dropping log events until it drains",
				"destination", it.dest, "filter", it.filter, "group", it.group, "max_bytes", d.max)
		}
		d.dropped += int64(len(it.events))
		return
	}
	if d.dropped > 0 {
		d.log.Warn("cwlogs: subscription backlog drained; log events were dropped", "events", d.dropped)
		d.dropped = 0
	}
	q := d.queues[it.dest]
	if q == nil {
		q = &destQueue{dest: it.dest}
		d.queues[it.dest] = q
	}
	q.items = append(q.items, it)
	d.bytes += it.size
	if !q.running && q.timer == nil {
		d.startLocked(q)
	}
}

// startLocked starts a worker on q; the caller holds mu.
func (d *dispatcher) startLocked(q *destQueue) {
	q.running = true
	if d.busy == 0 {
		d.idle = make(chan struct{})
	}
	d.busy++
	d.wg.Add(1)
	go d.run(q)
}

// stopLocked ends q's worker; the caller holds mu.
func (d *dispatcher) stopLocked(q *destQueue) {
	q.running = false
	if d.busy--; d.busy == 0 {
		close(d.idle)
	}
	if len(q.items) == 0 && q.timer == nil {
		delete(d.queues, q.dest)
	}
}

// run delivers q's items in order until q is empty or waits for a retry.
func (d *dispatcher) run(q *destQueue) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		if d.closed || len(q.items) == 0 {
			d.stopLocked(q)
			d.mu.Unlock()
			return
		}
		it := q.items[0]
		if it.records == nil {
			d.mergeLocked(q)
		}
		d.mu.Unlock()
		if it.records == nil {
			it.records = d.encode(it)
		}
		retry := d.deliver(it)
		d.mu.Lock()
		if retry > 0 && !d.closed {
			q.timer = d.afterFunc(retry, func() { d.retry(q) })
			d.stopLocked(q)
			d.mu.Unlock()
			return
		}
		q.items[0] = nil
		q.items = q.items[1:]
		d.bytes -= it.size
		d.mu.Unlock()
	}
}

// retry restarts q's worker after a backoff.
func (d *dispatcher) retry(q *destQueue) {
	d.mu.Lock()
	defer d.mu.Unlock()
	q.timer = nil
	if d.closed {
		return
	}
	d.startLocked(q)
}

// mergeLocked merges into q's head the items right after it that are for
// the same filter and log stream, within the merge bounds; the caller
// holds mu.
func (d *dispatcher) mergeLocked(q *destQueue) {
	head := q.items[0]
	n := 1
	for ; n < len(q.items); n++ {
		next := q.items[n]
		if next.filter != head.filter || next.group != head.group || next.stream != head.stream ||
			len(head.events)+len(next.events) > maxMergeEvents || head.size+next.size > maxMergeBytes {
			break
		}
		head.events = append(head.events, next.events...)
		head.size += next.size
	}
	if n > 1 {
		rest := q.items[n:]
		clear(q.items[1:n])
		q.items = append(q.items[:1], rest...)
	}
}

// deliver puts it's records from the first not yet sent. It returns the
// delay before a retry, or 0 when the item is done (delivered or dropped).
func (d *dispatcher) deliver(it *subItem) time.Duration {
	for it.sent < len(it.records) {
		err := d.dest.Put(it.dest, it.records[it.sent])
		if err == nil {
			it.sent++
			it.failures = 0
			continue
		}
		if !errors.Is(err, ErrRetryable) {
			d.log.Warn("cwlogs: subscription delivery failed; dropping the record", "destination", it.dest,
				"filter", it.filter, "group", it.group, "stream", it.stream, "error", err)
			it.sent++
			it.failures = 0
			continue
		}
		now := d.now()
		if it.failures == 0 {
			it.firstFail = now
			d.log.Warn("cwlogs: subscription delivery throttled; retrying", "destination", it.dest,
				"filter", it.filter, "group", it.group, "stream", it.stream, "error", err)
		}
		it.failures++
		if now.Sub(it.firstFail) >= maxRetryAge {
			d.log.Warn("cwlogs: subscription delivery retried for 24 hours; dropping the record", "destination", it.dest,
				"filter", it.filter, "group", it.group, "stream", it.stream, "attempts", it.failures, "error", err)
			it.sent++
			it.failures = 0
			continue
		}
		return min(retryBackoffMin<<min(it.failures-1, 10), retryBackoffMax)
	}
	return 0
}

// encode turns it's events into Firehose records: one DATA_MESSAGE each,
// gzipped, split until each fits in a record. An event too big for a
// record on its own is dropped and logged.
func (d *dispatcher) encode(it *subItem) [][]byte {
	var out [][]byte
	var split func(evs []subEvent)
	split = func(evs []subEvent) {
		rec := gzipMember(appendMessage(nil, "DATA_MESSAGE", d.owner, it.group, it.stream, []string{it.filter}, evs, false))
		switch {
		case len(rec) <= maxFirehoseRecord:
			out = append(out, rec)
		case len(evs) == 1:
			d.log.Warn("cwlogs: a log event is too big for a Firehose record; it is not delivered", "destination", it.dest,
				"filter", it.filter, "group", it.group, "stream", it.stream, "bytes", len(rec))
		default:
			split(evs[:len(evs)/2])
			split(evs[len(evs)/2:])
		}
	}
	split(it.events)
	it.events = nil // only the records are needed now
	return out
}

// wait returns when no worker is running: every queue is empty or waits
// for a retry.
func (d *dispatcher) wait(done <-chan struct{}) bool {
	d.mu.Lock()
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return true
	case <-done:
		return false
	}
}

// close stops delivering: scheduled retries are cancelled and what is
// queued is dropped. It waits for the workers.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	for _, q := range d.queues {
		if q.timer != nil && q.timer.Stop() {
			q.timer = nil
		}
	}
	d.mu.Unlock()
	d.wg.Wait()
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, 6) // CloudWatch Logs' level
	return w
}}

// gzipMember compresses b as one gzip member at level 6.
func gzipMember(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	_, _ = w.Write(b) // a bytes.Buffer does not fail
	_ = w.Close()
	w.Reset(nil)
	gzipWriters.Put(w)
	return buf.Bytes()
}

// appendMessage appends a subscription message as CloudWatch Logs writes
// it: the members in its order, no spaces. Event IDs are the events' IDs
// (those FilterLogEvents reports); control messages have an empty ID.
func appendMessage(b []byte, typ, owner, group, stream string, filters []string, events []subEvent, control bool) []byte {
	b = append(b, `{"messageType":`...)
	b = appendJSONString(b, typ)
	b = append(b, `,"owner":`...)
	b = appendJSONString(b, owner)
	b = append(b, `,"logGroup":`...)
	b = appendJSONString(b, group)
	b = append(b, `,"logStream":`...)
	b = appendJSONString(b, stream)
	b = append(b, `,"subscriptionFilters":[`...)
	for i, f := range filters {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f)
	}
	b = append(b, `],"logEvents":[`...)
	for i, e := range events {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		if !control {
			b = append(b, pos{e.ts, e.seq}.eventID()...)
		}
		b = append(b, `","timestamp":`...)
		b = strconv.AppendInt(b, e.ts, 10)
		b = append(b, `,"message":`...)
		b = appendJSONString(b, e.msg)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

const hexDigits = "0123456789ABCDEF"

// appendJSONString appends s as a JSON string the way Jackson writes one by
// default (an assumption about CloudWatch Logs' encoder): '"' and '\\'
// escaped, control characters as \b \t \n \f \r or \u00XX, everything
// else as it is (no HTML escaping, U+2028 kept). Invalid UTF-8 becomes
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}
