package kinesis

import (
	"bytes"
	"fmt"
	"testing"
)

// logRecord is the record number i of TestRecordLog: sizes from empty to
// over a chunk.
func logRecord(i int) (key, data []byte) {
	key = []byte(fmt.Sprintf("key-%d", i))
	size := i % 300
	switch i % 997 {
	case 5:
		size = chunkMax + 17 // a chunk of its own
	case 6:
		size = chunkMin - len(key) // fills a first chunk exactly
	}
	return key, bytes.Repeat([]byte{byte(i)}, size)
}

func TestRecordLog(t *testing.T) {
	var l recordLog
	const n = 3*slotBlock + 123
	check := func(first int) {
		t.Helper()
		if l.len() != n-first {
			t.Fatalf("len %d, want %d", l.len(), n-first)
		}
		for i := range l.len() {
			r := l.record(i)
			key, data := logRecord(first + i)
			if r.Counter != uint64(first+i+1) || r.Arrival != int64(first+i) || r.Key != string(key) || !bytes.Equal(r.Data, data) {
				t.Fatalf("record %d (of those from %d): %d %d %q %d bytes", i, first, r.Counter, r.Arrival, r.Key, len(r.Data))
			}
			if wantKMS := (first+i)%2 == 1; (r.Encryption == "KMS") != wantKMS {
				t.Fatalf("record %d: encryption %q", first+i, r.Encryption)
			}
			if cap(r.Data) != len(r.Data) {
				t.Fatalf("record %d: data not capped", first+i)
			}
		}
	}
	for i := range n {
		key, data := logRecord(i)
		l.add(uint64(i+1), int64(i), key, data, i%2 == 1)
	}
	check(0)
	if got := l.search(func(sl *slot) bool { return sl.arrival >= 5000 }); got != 5000 {
		t.Errorf("search: %d, want 5000", got)
	}
	if l.last().counter != n {
		t.Errorf("last: %d", l.last().counter)
	}
	first := 0
	for _, k := range []int{0, 1, slotBlock - 2, 1, 1, slotBlock, 2000} {
		l.drop(k)
		first += k
		check(first)
		// Only the chunks from the oldest record's on are kept.
		if c := l.at(0).chunk; c != l.base {
			t.Fatalf("after dropping to %d: oldest record in chunk %d, first chunk %d", first, c, l.base)
		}
		if len(l.blocks) != (l.first+l.n+slotBlock-1)/slotBlock {
			t.Fatalf("after dropping to %d: %d blocks for %d records from %d", first, len(l.blocks), l.n, l.first)
		}
	}
	l.drop(n) // all
	if l.len() != 0 || len(l.blocks) != 0 || len(l.chunks) != 1 || l.last() != nil {
		t.Fatalf("after dropping all: %d records, %d blocks, %d chunks", l.len(), len(l.blocks), len(l.chunks))
	}
	l.add(n+1, n, []byte("k"), []byte("again"), false)
	if r := l.record(0); r.Counter != n+1 || r.Key != "k" || string(r.Data) != "again" {
		t.Fatalf("after dropping all, a new record reads %+v", r)
	}
	var nilLog *recordLog
	nilLog.drop(3)
	if nilLog.len() != 0 || nilLog.last() != nil || nilLog.search(func(*slot) bool { return true }) != 0 {
		t.Error("a nil log is not empty")
	}
}

// TestRecordDataStaysPut checks that a record's data handed out is not
// written over by later records, nor by appending to it.
func TestRecordDataStaysPut(t *testing.T) {
	var l recordLog
	l.add(1, 0, []byte("k"), []byte("first"), false)
	r := l.record(0)
	_ = append(r.Data, "XXXX"...)
	for i := range 1000 {
		l.add(uint64(i+2), 0, []byte("k"), bytes.Repeat([]byte("y"), 100), false)
	}
	if string(r.Data) != "first" || string(l.record(1).Data) != "yyyy"+string(bytes.Repeat([]byte("y"), 96)) {
		t.Fatalf("data changed: %q", r.Data)
	}
}
