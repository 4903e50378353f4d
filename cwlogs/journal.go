package cwlogs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/firehose-local/firehose-local/internal/fsutil"
)

// Persistence: a Store from Open keeps a journal, dir/logs.jsonl, one JSON
// record per line, appended (and flushed to the OS) as every change
// happens. Open replays it into a fresh bounded Store, then rewrites it as
// a snapshot of what the Store kept. When the journal grows past twice the
// last snapshot plus a slack (MaxBytes, at most compactSlack) it is
// rewritten the same way, so the directory stays bounded too, and
// rewriting costs O(1) per byte written. Evictions are not journaled: replaying the
// same records under the same bounds evicts the same events. Close syncs
// the file to disk. A torn or corrupt line (a crash mid-write) is skipped
// with a warning.

const (
	journalName  = "logs.jsonl"
	compactSlack = 16 << 20
)

// Record operations.
const (
	opGroup        = "group" // create a group or replace its attributes
	opDeleteGroup  = "delgroup"
	opStream       = "stream" // create a stream (with its metadata in snapshots)
	opDeleteStream = "delstream"
	opEvents       = "events"
)

// record is one journal line.
type record struct {
	Op string `json:"op"`
	G  string `json:"g"`
	S  string `json:"s,omitempty"`
	T  int64  `json:"t,omitempty"` // creation time

	// opGroup
	Retention int               `json:"ret,omitempty"`
	Class     string            `json:"class,omitempty"`
	KMS       string            `json:"kms,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
	Protected bool              `json:"dp,omitempty"`
	Subs      []*subFilter      `json:"subs,omitempty"` // subscription filters

	// opStream in snapshots
	HasEvents  bool   `json:"he,omitempty"`
	FirstTS    int64  `json:"fts,omitempty"`
	LastTS     int64  `json:"lts,omitempty"`
	LastIngest int64  `json:"li,omitempty"`
	Puts       uint64 `json:"puts,omitempty"`

	// opEvents
	Events []jevent `json:"ev,omitempty"`
	Put    bool     `json:"put,omitempty"` // a write (not a snapshot chunk): counts for uploadSequenceToken
}

type jevent struct {
	TS     int64  `json:"t"`
	Seq    uint64 `json:"q"`
	Ingest int64  `json:"i"`
	Msg    string `json:"m"`
}

type journal struct {
	dir    string
	f      *os.File
	w      *bufio.Writer
	size   int64 // bytes in the file
	base   int64 // bytes of the last snapshot
	unlock func() error
	failed bool // a write failed: stop writing, the store carries on in memory
}

// Open returns a Store persisted in dir (created if needed): what an
// earlier Store in dir kept is loaded, within opts' bounds. Only one
// process may use dir at a time. Call Close to sync and release it.
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockDir(filepath.Join(dir, ".lock"))
	if err != nil {
		return nil, fmt.Errorf("cwlogs: %s is in use by another process: %w", dir, err)
	}
	s := New(opts)
	path := filepath.Join(dir, journalName)
	if err := s.replay(path); err != nil {
		_ = unlock()
		return nil, err
	}
	s.journal = &journal{dir: dir, unlock: unlock}
	if err := s.compact(); errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		// A full disk must not keep the server from starting (it would
		// not deliver what its write-ahead log holds): the journal stays
		// on disk as it was, and the store carries on in memory.
		s.journal.failed = true
		s.opts.Logger.Error("cwlogs: no space left to rewrite the journal; logs are not persisted until a restart with free space", "dir", dir, "error", err)
	} else if err != nil {
		_ = unlock()
		return nil, err
	}
	return s, nil
}

// replay applies the records of the journal at path, if any.
func (s *Store) replay(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	bad := 0
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var rec record
			if jerr := json.Unmarshal(b, &rec); jerr != nil || !s.apply(&rec) {
				bad++
				s.opts.Logger.Warn("cwlogs: skipping a corrupt journal line", "file", path, "line", line)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("cwlogs: reading %s: %w", path, err)
		}
	}
	if bad > 0 {
		s.opts.Logger.Warn("cwlogs: journal had corrupt lines; they were skipped", "file", path, "lines", bad)
	}
	return nil
}

// apply replays one record; false means it is malformed.
func (s *Store) apply(r *record) bool {
	if r.G == "" {
		return false
	}
	g := s.groups[r.G]
	switch r.Op {
	case opGroup:
		a := groupAttrs{retention: r.Retention, class: r.Class, kmsKeyID: r.KMS, tags: r.Tags, protected: r.Protected, subs: s.replayFilters(r)}
		if g == nil {
			_, _ = s.createGroup(r.G, a, r.T)
		} else {
			g.setAttrs(a)
			for _, st := range g.streams {
				s.expire(st)
			}
		}
	case opDeleteGroup:
		if g != nil {
			s.deleteGroup(g)
		}
	case opStream, opDeleteStream, opEvents:
		if r.S == "" {
			return false
		}
		if g == nil {
			if r.Op == opDeleteStream {
				return true
			}
			var err error
			if g, err = s.createGroup(r.G, groupAttrs{}, r.T); err != nil {
				return true // beyond MaxGroups: dropped, as Append drops
			}
		}
		st := g.streams[r.S]
		switch r.Op {
		case opStream:
			if st == nil {
				st = s.createStream(g, r.S, r.T)
			}
			if r.HasEvents {
				st.hasEvents, st.firstTS, st.lastTS, st.lastIngest = true, r.FirstTS, r.LastTS, r.LastIngest
			}
			st.puts = max(st.puts, r.Puts)
		case opDeleteStream:
			if st != nil {
				s.deleteStream(st)
			}
		case opEvents:
			if st == nil {
				st = s.createStream(g, r.S, firstIngest(r.Events))
			}
			batch := make([]event, 0, len(r.Events))
			for _, e := range r.Events {
				if e.Msg == "" || e.TS < 0 {
					continue
				}
				batch = append(batch, event{ts: e.TS, seq: e.Seq, ingest: e.Ingest, msg: e.Msg})
				s.seq = max(s.seq, e.Seq)
			}
			puts := st.puts
			s.putEvents(st, batch, false)
			if !r.Put {
				st.puts = puts
			}
		}
	default:
		return false
	}
	return true
}

func firstIngest(evs []jevent) int64 {
	if len(evs) == 0 {
		return 0
	}
	return evs[0].Ingest
}

func (g *group) setAttrs(a groupAttrs) {
	if a.class == "" {
		a.class = "STANDARD"
	}
	g.retention, g.class, g.kmsKeyID, g.tags, g.protected = a.retention, a.class, a.kmsKeyID, maps.Clone(a.tags), a.protected
	g.subs = cloneFilters(a.subs)
}

func (g *group) attrs() groupAttrs {
	return groupAttrs{retention: g.retention, class: g.class, kmsKeyID: g.kmsKeyID, tags: g.tags, protected: g.protected, subs: g.subs}
}

// replayFilters parses the patterns of a journaled group's subscription
// filters; one that no longer parses matches nothing, with a warning.
func (s *Store) replayFilters(r *record) []*subFilter {
	for _, f := range r.Subs {
		if f == nil {
			continue
		}
		if err := f.parse(); err != nil {
			s.opts.Logger.Warn("cwlogs: a subscription filter's pattern no longer parses; it matches nothing", "group", r.G, "filter", f.Name, "error", err)
		}
	}
	return slices.DeleteFunc(r.Subs, func(f *subFilter) bool { return f == nil })
}

// log appends a record to the journal, if any; the caller holds mu.
func (s *Store) log(r record) {
	j := s.journal
	if j == nil || j.failed {
		return
	}
	b, err := json.Marshal(r)
	if err == nil {
		b = append(b, '\n')
		_, err = j.w.Write(b)
	}
	if err == nil {
		err = j.w.Flush()
	}
	if err != nil {
		j.failed = true
		s.opts.Logger.Error("cwlogs: cannot write the journal; logs are no longer persisted", "dir", j.dir, "error", err)
		return
	}
	j.size += int64(len(b))
	if j.size > 2*j.base+min(s.opts.MaxBytes, compactSlack) {
		if err := s.compact(); err != nil {
			j.failed = true
			s.opts.Logger.Error("cwlogs: cannot compact the journal; logs are no longer persisted", "dir", j.dir, "error", err)
		}
	}
}

func (s *Store) logGroup(g *group) {
	a := g.attrs()
	s.log(record{Op: opGroup, G: g.name, T: g.created, Retention: a.retention, Class: a.class, KMS: a.kmsKeyID, Tags: a.tags, Protected: a.protected, Subs: a.subs})
}

func (s *Store) logEvents(st *stream, batch []event) {
	if s.journal == nil {
		return
	}
	s.log(record{Op: opEvents, G: st.group.name, S: st.name, T: st.created, Events: jevents(batch), Put: true})
}

func jevents(batch []event) []jevent {
	out := make([]jevent, len(batch))
	for i, e := range batch {
		out[i] = jevent{TS: e.ts, Seq: e.seq, Ingest: e.ingest, Msg: e.msg}
	}
	return out
}

// compact rewrites the journal as a snapshot of the store: written to a
// temporary file, synced, then renamed over the journal. The caller holds
// mu (or owns s exclusively).
func (s *Store) compact() error {
	j := s.journal
	path := filepath.Join(j.dir, journalName)
	tmp, err := os.CreateTemp(j.dir, journalName+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename: nothing to remove
	w := bufio.NewWriterSize(tmp, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, g := range s.sortedGroups() {
		a := g.attrs()
		if err := enc.Encode(record{Op: opGroup, G: g.name, T: g.created, Retention: a.retention, Class: a.class, KMS: a.kmsKeyID, Tags: a.tags, Protected: a.protected, Subs: a.subs}); err != nil {
			_ = tmp.Close()
			return err
		}
		names := slices.Sorted(maps.Keys(g.streams))
		for _, name := range names {
			st := g.streams[name]
			rec := record{Op: opStream, G: g.name, S: st.name, T: st.created, HasEvents: st.hasEvents,
				FirstTS: st.firstTS, LastTS: st.lastTS, LastIngest: st.lastIngest, Puts: st.puts}
			if err := enc.Encode(rec); err != nil {
				_ = tmp.Close()
				return err
			}
			for chunk := range slices.Chunk(st.events, 1000) {
				if err := enc.Encode(record{Op: opEvents, G: g.name, S: st.name, T: st.created, Events: jevents(chunk)}); err != nil {
					_ = tmp.Close()
					return err
				}
			}
		}
	}
	if err := w.Flush(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if j.f != nil {
		_ = j.f.Close()
		j.f = nil
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	_ = fsutil.SyncDir(j.dir) // best effort: without it, a crash leaves the old journal, whole
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	j.f, j.w, j.size, j.base = f, bufio.NewWriterSize(f, 64<<10), size, size
	return nil
}

// close flushes, syncs and closes the journal and releases the directory.
func (j *journal) close() error {
	var errs []error
	if j.f != nil {
		if err := j.w.Flush(); err != nil {
			errs = append(errs, err)
		}
		if err := j.f.Sync(); err != nil {
			errs = append(errs, err)
		}
		if err := j.f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := j.unlock(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
