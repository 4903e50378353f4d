package integration_test

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/internal/testtool"
)

// walFrames returns the offsets and sizes of the frames of a write-ahead log
// segment, read by its documented format (package wal): a 16-byte header,
// then frames of a 25-byte header — its body length at byte 12 — and body.
func walFrames(t *testing.T, b []byte) (offs, sizes []int) {
	t.Helper()
	if string(b[:8]) != "FHLWAL2\n" {
		t.Fatalf("segment header %q", b[:8])
	}
	for off := 16; off < len(b); {
		size := 25 + int(binary.LittleEndian.Uint32(b[off+12:]))
		offs, sizes = append(offs, off), append(sizes, size)
		off += size
	}
	return offs, sizes
}

// A byte flipped in the write-ahead log, in one call's frame in the middle
// of a segment, costs that call only: after a restart every other
// acknowledged record is delivered, and the log and /metrics say exactly
// what was lost — when the frame's header survived, the call and its
// records; when it did not, one unreadable frame.
func TestDataDirDamagedFrameLosesOnlyItsCall(t *testing.T) {
	for _, c := range []struct {
		name  string
		where func(off, size int) int // the byte to flip
	}{
		{"body", func(off, size int) int { return off + size/2 }},
		{"header", func(off, size int) int { return off + 13 }}, // the length
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			env := durableEnv(t, dir, emulator.Config{Store: hangingStore{}, Clock: emulator.NewFakeClock(t0)})
			dest := s3Dest()
			dest.BufferingHints = hints(5, 300)
			createStream(t, env.Firehose, "s", dest)
			const calls, perCall = 10, 60
			var want []string
			for c := range calls {
				var recs [][]byte
				for r := range perCall {
					line := fmt.Sprintf("call %d record %02d", c, r)
					recs = append(recs, []byte(line+"\n"))
					if c != 4 {
						want = append(want, line)
					}
				}
				putBatch(t, env.Firehose, "s", recs...)
			}
			abandon(t, env)
			segs := walSegments(t, dir)
			if len(segs) != 1 {
				t.Fatalf("segments %v", segs)
			}
			b, err := os.ReadFile(segs[0])
			if err != nil {
				t.Fatal(err)
			}
			offs, sizes := walFrames(t, b)
			if len(offs) != calls {
				t.Fatalf("%d frames for %d calls", len(offs), calls)
			}
			b[c.where(offs[4], sizes[4])] ^= 0x10 // the fifth call's frame
			if err := os.WriteFile(segs[0], b, 0o644); err != nil {
				t.Fatal(err)
			}

			var logs testtool.Buffer
			env2 := durableEnv(t, dir, emulator.Config{Clock: emulator.NewFakeClock(t0.Add(1)), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			env2.Flush(t, "s")
			var got []string
			for _, o := range objects(t, env2, "deliveries") {
				got = append(got, strings.Split(strings.TrimSuffix(string(o.body), "\n"), "\n")...)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("delivered %d records, want the %d of the intact calls", len(got), len(want))
			}

			m := scrape(t, env2)
			metric := func(name string) float64 { v, _ := value(m, name, nil); return v }
			wantLine := fmt.Sprintf("calls=1 records=%d", perCall)
			lost := map[string]float64{"firehose_local_wal_lost_calls_total": 1, "firehose_local_wal_lost_records_total": perCall, "firehose_local_wal_unreadable_frames_total": 0}
			if c.name == "header" {
				wantLine = "calls=0 records=0 unreadableFrames=1"
				lost = map[string]float64{"firehose_local_wal_lost_calls_total": 0, "firehose_local_wal_lost_records_total": 0, "firehose_local_wal_unreadable_frames_total": 1}
			}
			for name, v := range lost {
				if got := metric(name); got != v {
					t.Errorf("%s = %v, want %v", name, got, v)
				}
			}
			if got := metric("firehose_local_wal_damaged_bytes_total"); got != float64(sizes[4]) {
				t.Errorf("firehose_local_wal_damaged_bytes_total = %v, want %d", got, sizes[4])
			}
			warn := fmt.Sprintf(`level=WARN msg="write-ahead log: damaged frames skipped; acknowledged calls lost" service=firehose file=%s offset=%d bytes=%d resumedAt=%d`,
				segs[0], offs[4], sizes[4], offs[5])
			if !strings.Contains(logs.String(), warn) || !strings.Contains(logs.String(), wantLine) ||
				!strings.Contains(logs.String(), "level=ERROR msg=\"write-ahead log: damaged: acknowledged records not yet delivered were lost\"") {
				t.Fatalf("the log does not say %s / %s:\n%s", warn, wantLine, logs.String())
			}
		})
	}
}
