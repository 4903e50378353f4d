package cwlogs

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/statestore"
)

// Persistence: a Store from Open keeps its groups, streams and events in
// its bucket of the server's state store (statestore), and applies every
// change to it: creations, attribute changes, deletions, events written,
// and events evicted or expired, so that the store holds what the Store
// holds and stays bounded with it.
//
// Changes are committed in groups: a writer goroutine commits, in one
// transaction, everything that changed since its previous one. An API call
// that changes something waits for that (see API.ServeHTTP; unless
// APIOptions.AnswerBeforeCommit, as with --fsync interval), and the writer
// commits at once for it: the change then survives a kill -9 and a power
// loss, and concurrent calls share a commit. Events appended from inside
// the server (Append, LambdaSink) wait for no one, and the writer lets them
// gather for up to commitDelay first, so that a flood of function output
// costs a commit (and its syncs) every 100 ms rather than one per line or
// per invocation; those of the last 100 ms or so before the process dies
// are lost. Close commits what is left.
//
// If a transaction fails (a full disk), the state store keeps what the
// last successful one left, a consistent earlier state, and the Store
// carries on in memory without persisting anything more until the next
// start.
//
// Layout of the bucket:
//
//	groups/<name>          a group (storedGroup, JSON)
//	streams/<id>           a stream (storedStream, JSON); id is 8 bytes, big-endian
//	events/<id>/<seq>      an event of stream id: varint timestamp, varint ingestion time, message
//	seq, nextStream        the last event sequence number and stream ID given out
var (
	groupsBucket  = []byte("groups")
	streamsBucket = []byte("streams")
	eventsBucket  = []byte("events")
	seqKey        = []byte("seq")
	nextStreamKey = []byte("nextStream")
)

type storedGroup struct {
	Created   int64             `json:"created"`
	Retention int               `json:"retention,omitempty"`
	Class     string            `json:"class,omitempty"`
	KMS       string            `json:"kmsKeyId,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
	Protected bool              `json:"deletionProtection,omitempty"`
	Subs      []*subFilter      `json:"subscriptionFilters,omitempty"`
}

type storedStream struct {
	Group      string `json:"group"`
	Name       string `json:"name"`
	Created    int64  `json:"created"`
	HasEvents  bool   `json:"hasEvents,omitempty"`
	FirstTS    int64  `json:"firstTimestamp,omitempty"`
	LastTS     int64  `json:"lastTimestamp,omitempty"`
	LastIngest int64  `json:"lastIngestion,omitempty"`
	Puts       uint64 `json:"puts,omitempty"`
}

// evKey names a stored event: its stream and its sequence number.
type evKey struct{ stream, seq uint64 }

// addedEvent is an event written since the last commit.
type addedEvent struct {
	st *stream
	e  event
}

// persister is a Store's link to the state store. Its fields but h, log and
// the channels are guarded by Store.mu.
type persister struct {
	h   *statestore.Handle
	log func(msg string, args ...any)

	groups  map[string]struct{}  // groups to write, or delete if gone
	streams map[*stream]struct{} // stream metadata to write, or delete if gone
	added   map[evKey]addedEvent // events to write
	removed []evKey              // events to delete
	dropped []uint64             // streams whose events all go

	gen       uint64     // changes recorded
	committed uint64     // changes committed (or given up on)
	cond      *sync.Cond // on Store.mu: committed moved
	failed    bool       // a commit failed: nothing more is persisted
	stopped   bool       // Close: nothing more is recorded

	kick    chan struct{} // something to commit
	urgent  chan struct{} // someone waits for the commit
	quit    chan struct{} // Close: commit the rest and stop
	done    chan struct{} // the writer stopped
	stopErr error         // the last commit's error, for Close
}

func newPersister(h *statestore.Handle, s *Store) *persister {
	p := &persister{
		h: h, log: s.opts.Logger.Error,
		kick: make(chan struct{}, 1), urgent: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
		cond: sync.NewCond(&s.mu),
	}
	p.reset()
	return p
}

func (p *persister) reset() {
	p.groups = map[string]struct{}{}
	p.streams = map[*stream]struct{}{}
	p.added = map[evKey]addedEvent{}
	p.removed, p.dropped = nil, nil
}

// recording reports whether changes go to the state store; the caller
// holds Store.mu.
func (p *persister) recording() bool { return p != nil && !p.failed && !p.stopped }

func (p *persister) changed() {
	p.gen++
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// The hooks the Store calls on every change; the caller holds mu.

func (s *Store) persistGroup(name string) {
	if p := s.persist; p.recording() {
		p.groups[name] = struct{}{}
		p.changed()
	}
}

func (s *Store) persistStream(st *stream) {
	if p := s.persist; p.recording() {
		p.streams[st] = struct{}{}
		p.changed()
	}
}

func (s *Store) persistDrop(st *stream) {
	if p := s.persist; p.recording() {
		p.streams[st] = struct{}{}
		p.dropped = append(p.dropped, st.id)
		p.changed()
	}
}

func (s *Store) persistEvents(st *stream, batch []event) {
	if p := s.persist; p.recording() {
		for _, e := range batch {
			p.added[evKey{st.id, e.seq}] = addedEvent{st, e}
		}
		p.streams[st] = struct{}{}
		p.changed()
	}
}

func (s *Store) persistEvictions(st *stream, evicted []event) {
	if p := s.persist; p.recording() {
		for _, e := range evicted {
			k := evKey{st.id, e.seq}
			if _, ok := p.added[k]; ok {
				delete(p.added, k) // never written
			} else {
				p.removed = append(p.removed, k)
			}
		}
		p.changed()
	}
}

// batch is what one commit writes.
type batch struct {
	groups  map[string][]byte // nil: delete
	streams map[uint64][]byte // nil: delete
	added   []addedEvent
	removed []evKey
	dropped []uint64
	seq     uint64
	nextID  uint64
}

func (b *batch) empty() bool {
	return len(b.groups) == 0 && len(b.streams) == 0 && len(b.added) == 0 && len(b.removed) == 0 && len(b.dropped) == 0
}

// takeLocked hands over the changes recorded so far; the caller holds mu.
func (s *Store) takeLocked() *batch {
	p := s.persist
	b := &batch{
		groups: make(map[string][]byte, len(p.groups)), streams: make(map[uint64][]byte, len(p.streams)),
		removed: p.removed, dropped: p.dropped, seq: s.seq, nextID: s.nextID,
	}
	for name := range p.groups {
		var v []byte
		if g := s.groups[name]; g != nil {
			v, _ = json.Marshal(storedGroup{Created: g.created, Retention: g.retention, Class: g.class, KMS: g.kmsKeyID, Tags: g.tags, Protected: g.protected, Subs: g.subs})
		}
		b.groups[name] = v
	}
	for st := range p.streams {
		var v []byte
		if !st.gone {
			v, _ = json.Marshal(storedStream{Group: st.group.name, Name: st.name, Created: st.created, HasEvents: st.hasEvents,
				FirstTS: st.firstTS, LastTS: st.lastTS, LastIngest: st.lastIngest, Puts: st.puts})
		}
		b.streams[st.id] = v
	}
	b.added = make([]addedEvent, 0, len(p.added))
	for _, a := range p.added {
		if !a.st.gone {
			b.added = append(b.added, a)
		}
	}
	p.reset()
	return b
}

func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// apply writes the batch into the Store's bucket.
func (b *batch) apply(root *statestore.Bucket) error {
	groups, err := root.CreateBucketIfNotExists(groupsBucket)
	if err != nil {
		return err
	}
	streams, err := root.CreateBucketIfNotExists(streamsBucket)
	if err != nil {
		return err
	}
	events, err := root.CreateBucketIfNotExists(eventsBucket)
	if err != nil {
		return err
	}
	for _, id := range b.dropped {
		if err := events.DeleteBucket(idKey(id)); err != nil {
			return err
		}
		if err := streams.Delete(idKey(id)); err != nil {
			return err
		}
	}
	for name, v := range b.groups {
		if err := putOrDelete(groups, []byte(name), v); err != nil {
			return err
		}
	}
	for id, v := range b.streams {
		if err := putOrDelete(streams, idKey(id), v); err != nil {
			return err
		}
	}
	slices.SortFunc(b.added, func(x, y addedEvent) int {
		return cmp.Or(cmp.Compare(x.st.id, y.st.id), cmp.Compare(x.e.seq, y.e.seq))
	})
	// bbolt keeps the keys and values it is given until the commit: each
	// gets its own bytes, carved from one buffer.
	size := 0
	for _, a := range b.added {
		size += 8 + 2*binary.MaxVarintLen64 + len(a.e.msg)
	}
	buf := make([]byte, 0, size+8*len(b.removed))
	var eb *statestore.Bucket
	var ebID uint64
	for _, a := range b.added {
		if eb == nil || ebID != a.st.id {
			if eb, err = events.CreateBucketIfNotExists(idKey(a.st.id)); err != nil {
				return err
			}
			eb.SetAppending()
			ebID = a.st.id
		}
		n := len(buf)
		buf = binary.BigEndian.AppendUint64(buf, a.e.seq)
		k := buf[n:len(buf):len(buf)]
		n = len(buf)
		buf = binary.AppendVarint(buf, a.e.ts)
		buf = binary.AppendVarint(buf, a.e.ingest)
		buf = append(buf, a.e.msg...)
		if err := eb.Put(k, buf[n:len(buf):len(buf)]); err != nil {
			return err
		}
	}
	for _, r := range b.removed {
		if eb := events.Bucket(idKey(r.stream)); eb != nil {
			n := len(buf)
			buf = binary.BigEndian.AppendUint64(buf, r.seq)
			if err := eb.Delete(buf[n:len(buf):len(buf)]); err != nil {
				return err
			}
		}
	}
	if err := root.Put(seqKey, idKey(b.seq)); err != nil {
		return err
	}
	return root.Put(nextStreamKey, idKey(b.nextID))
}

func putOrDelete(b *statestore.Bucket, k, v []byte) error {
	if v == nil {
		return b.Delete(k)
	}
	return b.Put(k, v)
}

// commit writes what changed since the last commit (and the marker of a
// migration, if any) in one transaction. Only one commit runs at a time:
// Open's, then the writer's.
func (s *Store) commit(marker string) error {
	p := s.persist
	s.mu.Lock()
	if p.failed {
		s.mu.Unlock()
		return nil
	}
	gen := p.gen
	b := s.takeLocked()
	s.mu.Unlock()
	var err error
	if !b.empty() || marker != "" {
		err = p.h.Update(func(root *statestore.Bucket) error {
			if err := b.apply(root); err != nil {
				return err
			}
			if marker != "" {
				return root.MarkMigrated(marker)
			}
			return nil
		})
	}
	s.mu.Lock()
	if err != nil {
		p.failed = true
		p.reset()
		msg := "cwlogs: cannot write the state store; log groups, streams and events are kept in memory only until the next start, the store keeps them as they were before"
		if statestore.IsNoSpace(err) {
			msg = "cwlogs: no space left to write the state store; log groups, streams and events are kept in memory only until a restart with free space, the store keeps them as they were before"
		}
		p.log(msg, "file", p.h.Path(), "error", err)
	}
	p.committed = max(p.committed, gen)
	p.cond.Broadcast()
	s.mu.Unlock()
	return err
}

// commitDelay is how long changes nobody waits for (function output)
// gather before the writer commits them: at most that long, and at once
// when a caller waits (sync).
const commitDelay = 100 * time.Millisecond

// run is the writer: it commits whenever something changed, until stop.
func (s *Store) run() {
	p := s.persist
	defer close(p.done)
	delay := time.NewTimer(commitDelay)
	delay.Stop()
	for {
		urgent := false
		select {
		case <-p.kick:
		case <-p.urgent:
			urgent = true
		case <-p.quit:
			p.stopErr = s.commit("")
			return
		}
		if !urgent {
			delay.Reset(commitDelay)
			select {
			case <-delay.C:
			case <-p.urgent:
				delay.Stop()
			case <-p.quit:
				delay.Stop()
				p.stopErr = s.commit("")
				return
			}
		}
		_ = s.commit("")
	}
}

// stop commits the last changes and stops the writer; Close calls it once
// p.stopped is set.
func (p *persister) stop() error {
	close(p.quit)
	<-p.done
	return p.stopErr
}

// sync waits until every change recorded so far is committed (or the
// state store failed). It is a no-op in memory.
func (s *Store) sync() {
	p := s.persist
	if p == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	target := p.gen
	if p.committed < target && !p.failed {
		select {
		case p.urgent <- struct{}{}:
		default:
		}
	}
	for p.committed < target && !p.failed {
		p.cond.Wait()
	}
}

// Open returns a Store persisted in state, its bucket of the server's state
// store: what an earlier Store kept there is loaded, within opts' bounds.
// Call Close to commit the last changes.
//
// legacyDir, if not empty, is where firehose-local kept its journal before
// the state store (DataDir/logs): a journal found there is imported into
// the state store once, then removed. With a nil state the Store lives in memory (a
// server that could not create its state store on a full disk), with what
// the journal in legacyDir holds. A state store that cannot be written (a
// full disk) does not stop Open: the Store then carries on in memory.
func Open(state *statestore.Handle, legacyDir string, opts Options) (*Store, error) {
	s := New(opts)
	if state != nil {
		s.persist = newPersister(state, s)
		if err := s.load(); err != nil {
			return nil, fmt.Errorf("cwlogs: loading from %s: %w", state.Path(), err)
		}
	}
	marker, err := s.importJournal(legacyDir)
	if err != nil {
		return nil, err
	}
	if s.persist == nil {
		return s, nil
	}
	if err := s.commit(marker); err == nil && marker != "" {
		if err := removeJournal(legacyDir); err != nil {
			s.opts.Logger.Warn("cwlogs: the journal was imported into the state store but could not be removed; it will not be imported again", "dir", legacyDir, "error", err)
		}
	}
	go s.run()
	return s, nil
}

// importJournal replays the journal in dir, if any and not imported yet,
// and returns the marker to commit with it.
func (s *Store) importJournal(dir string) (marker string, err error) {
	if dir == "" {
		return "", nil
	}
	path := filepath.Join(dir, journalName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if p := s.persist; p != nil {
		done, err := p.h.Migrated(journalMigrated)
		if err != nil {
			return "", err
		}
		if done {
			if err := removeJournal(dir); err != nil {
				s.opts.Logger.Warn("cwlogs: cannot remove a journal imported into the state store already", "dir", dir, "error", err)
			}
			return "", nil
		}
	}
	if err := s.replay(path); err != nil {
		return "", err
	}
	s.opts.Logger.Info("cwlogs: imported the journal of an earlier version", "file", path, "groups", len(s.groups))
	return journalMigrated, nil
}

// load reads what the state store holds into the empty Store, within the
// bounds: what they leave out, and what is inconsistent (a stream of no
// group) or malformed (skipped with a warning), is removed from the store
// by the next commit.
func (s *Store) load() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.persist
	bad := 0
	defer func() {
		if bad > 0 {
			s.opts.Logger.Warn("cwlogs: malformed entries of the state store were skipped, and are removed", "file", p.h.Path(), "entries", bad)
		}
	}()
	return p.h.View(func(root *statestore.Bucket) error {
		if v := root.Get(seqKey); len(v) == 8 {
			s.seq = binary.BigEndian.Uint64(v)
		}
		if v := root.Get(nextStreamKey); len(v) == 8 {
			s.nextID = binary.BigEndian.Uint64(v)
		}
		err := root.Bucket(groupsBucket).ForEach(func(k, v []byte) error {
			var sg storedGroup
			if err := json.Unmarshal(v, &sg); err != nil {
				bad++
				p.groups[string(k)] = struct{}{}
				return nil
			}
			if len(s.groups) >= s.opts.MaxGroups {
				p.groups[string(k)] = struct{}{}
				return nil
			}
			g := &group{name: string(k), created: sg.Created, streams: map[string]*stream{}}
			g.setAttrs(groupAttrs{retention: sg.Retention, class: sg.Class, kmsKeyID: sg.KMS, tags: sg.Tags, protected: sg.Protected, subs: s.parseFilters(g.name, sg.Subs)})
			s.groups[g.name] = g
			return nil
		})
		if err != nil {
			return err
		}
		type loaded struct {
			st *stream
			ss storedStream
		}
		var streams []loaded
		err = root.Bucket(streamsBucket).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				bad++ // not a stream ID: left alone
				return nil
			}
			id := binary.BigEndian.Uint64(k)
			s.nextID = max(s.nextID, id)
			var ss storedStream
			err := json.Unmarshal(v, &ss)
			if err != nil {
				bad++
			}
			g := s.groups[ss.Group]
			if err != nil || g == nil || g.streams[ss.Name] != nil {
				p.dropped = append(p.dropped, id)
				return nil
			}
			st := &stream{group: g, id: id, name: ss.Name, created: ss.Created, heapIndex: -1}
			if len(g.streams) >= s.opts.MaxStreamsPerGroup {
				p.dropped = append(p.dropped, id)
				return nil
			}
			g.streams[st.name] = st
			streams = append(streams, loaded{st, ss})
			return nil
		})
		if err != nil {
			return err
		}
		events := root.Bucket(eventsBucket)
		known := make(map[uint64]bool, len(streams)+len(p.dropped))
		for _, id := range p.dropped {
			known[id] = true
		}
		for _, l := range streams {
			known[l.st.id] = true
			var batch []event
			err := events.Bucket(idKey(l.st.id)).ForEach(func(k, v []byte) error {
				ts, n := binary.Varint(v)
				ingest, m := binary.Varint(v[max(n, 0):])
				if len(k) != 8 || n <= 0 || m <= 0 {
					bad++
					if len(k) == 8 {
						p.removed = append(p.removed, evKey{l.st.id, binary.BigEndian.Uint64(k)})
					}
					return nil
				}
				e := event{ts: ts, seq: binary.BigEndian.Uint64(k), ingest: ingest, msg: string(v[n+m:])}
				s.seq = max(s.seq, e.seq)
				batch = append(batch, e)
				return nil
			})
			if err != nil {
				return err
			}
			s.putEvents(l.st, batch, false)
			ss := l.ss
			l.st.hasEvents, l.st.firstTS, l.st.lastTS, l.st.lastIngest, l.st.puts = ss.HasEvents, ss.FirstTS, ss.LastTS, ss.LastIngest, ss.Puts
		}
		return events.ForEach(func(k, _ []byte) error {
			if len(k) == 8 && !known[binary.BigEndian.Uint64(k)] {
				p.dropped = append(p.dropped, binary.BigEndian.Uint64(k)) // events of no stream
			}
			return nil
		})
	})
}
