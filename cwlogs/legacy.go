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
)

// The journal of firehose-local before the state store, read once to
// import it into the state store (see Open). It was dir/logs.jsonl, one JSON record per
// line: groups and streams created, changed and deleted, events written,
// and snapshots of all of it after compactions. Evictions were not
// journaled: replaying the records under the same bounds evicts the same
// events. A torn or corrupt line (a crash mid-write) is skipped with a
// warning.

// Files of the journal's directory: the journal, its lock, and temporary
// files of a compaction a crash interrupted.
const (
	journalName     = "logs.jsonl"
	journalLock     = ".lock"
	journalTmpGlob  = journalName + ".*.tmp"
	journalMigrated = "logs/" + journalName // the marker of its import
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
		a := groupAttrs{retention: r.Retention, class: r.Class, kmsKeyID: r.KMS, tags: r.Tags, protected: r.Protected, subs: s.parseFilters(r.G, r.Subs)}
		if g == nil {
			_, _ = s.createGroup(r.G, a, r.T)
		} else {
			g.setAttrs(a)
			s.persistGroup(g.name)
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
			s.persistStream(st)
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
			s.putEvents(st, batch, true)
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

// removeJournal removes the journal's files from dir, and dir if nothing
// else is left in it.
func removeJournal(dir string) error {
	tmps, _ := filepath.Glob(filepath.Join(dir, journalTmpGlob))
	var errs []error
	for _, f := range append([]string{filepath.Join(dir, journalName), filepath.Join(dir, journalLock)}, tmps...) {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		if entries, rerr := os.ReadDir(dir); rerr != nil || len(entries) == 0 {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
