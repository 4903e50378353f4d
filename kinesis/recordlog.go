package kinesis

import (
	"sort"

	"github.com/firehose-local/firehose-local/internal/prefault"
)

// A shard keeps its records for the retention period: up to a day of
// whatever producers put, millions of records. Kept as Go values with
// pointers (a struct holding its data slice and partition key string), the
// garbage collector would scan every one of them in every cycle, and a busy
// PutRecords path allocates enough to run a cycle every few hundred calls.
// So a shard's records live in a recordLog, where the collector finds
// almost no pointers:
//
//   - the bytes (each record's partition key, then its data) are appended
//     to chunks, byte slices that are never written again once written;
//   - each record is a slot (counter, arrival, where its bytes are), a
//     struct without pointers, in blocks of slotBlock slots;
//   - retention drops records from the front, and with them the blocks and
//     chunks that hold only dropped records.
//
// A slice of a chunk handed out (a record's Data in an answer being
// encoded after the service's lock is released) stays valid: chunks are
// never reused, and only bytes past every record's end are ever written.

const (
	slotBlock = 4096 // slots per block: 128 KiB
	chunkMin  = 4 << 10
	chunkMax  = 1 << 20
)

// Full-size chunks and blocks, the only kind a busy shard allocates, come
// with their pages mapped (see package prefault): shared by every shard,
// kept ready two at a time once a shard first needs one.
var (
	chunks = prefault.New[byte](chunkMax, 2)
	blocks = prefault.New[slot](slotBlock, 2)
)

// slot is one record's place in its shard's log.
type slot struct {
	counter uint64
	arrival int64  // Unix milliseconds
	chunk   uint32 // the chunk's number (see recordLog.base)
	off     uint32 // of the partition key in the chunk; the data follows it
	size    uint32 // of the data
	keyLen  uint16
	kms     bool // put while the stream was encrypted
}

// recordLog is a shard's records, oldest first. Its methods are called
// under the service's lock; a nil log has no records.
type recordLog struct {
	blocks [][]slot // every block but the last is full
	first  int      // the oldest record's index in blocks[0]
	n      int      // records
	chunks [][]byte // the last is being filled (len: its bytes used)
	base   uint32   // the number of chunks[0]; numbers wrap around
}

func (l *recordLog) len() int {
	if l == nil {
		return 0
	}
	return l.n
}

// at returns record i (0 is the oldest).
func (l *recordLog) at(i int) *slot {
	i += l.first
	return &l.blocks[i/slotBlock][i%slotBlock]
}

// search returns the smallest i in [0, len) for which f(at(i)) is true,
// f being false then true over the records, or len.
func (l *recordLog) search(f func(*slot) bool) int {
	return sort.Search(l.len(), func(i int) bool { return f(l.at(i)) })
}

// bytes returns a record's partition key and data, slices of its chunk
// (capped: appending to them copies).
func (l *recordLog) bytes(sl *slot) (key, data []byte) {
	c := l.chunks[sl.chunk-l.base]
	k, d := sl.off+uint32(sl.keyLen), sl.off+uint32(sl.keyLen)+sl.size
	return c[sl.off:k:k], c[k:d:d]
}

// record returns record i as a value: its data shared with the log.
func (l *recordLog) record(i int) record {
	sl := l.at(i)
	key, data := l.bytes(sl)
	r := record{Counter: sl.counter, Key: string(key), Data: data, Arrival: sl.arrival}
	if sl.kms {
		r.Encryption = "KMS"
	}
	return r
}

// add appends a record (counter and arrival not below the last one's).
func (l *recordLog) add(counter uint64, arrival int64, key, data []byte, kms bool) {
	need := len(key) + len(data)
	nc := len(l.chunks)
	if nc == 0 || cap(l.chunks[nc-1])-len(l.chunks[nc-1]) < need {
		size := chunkMin
		if nc > 0 {
			size = min(chunkMax, 2*cap(l.chunks[nc-1]))
		}
		var c []byte
		if size == chunkMax && need <= chunkMax {
			c = chunks.Get()
		} else {
			c = make([]byte, 0, max(size, need))
		}
		if nc > 0 && len(l.chunks[nc-1]) == 0 {
			// An empty chunk too small for this record: replace it.
			l.chunks[nc-1] = c
		} else {
			l.chunks = append(l.chunks, c)
			nc++
		}
	}
	c := l.chunks[nc-1]
	off := len(c)
	c = append(c, key...)
	c = append(c, data...)
	l.chunks[nc-1] = c
	sl := slot{counter: counter, arrival: arrival, chunk: l.base + uint32(nc-1), off: uint32(off),
		size: uint32(len(data)), keyLen: uint16(len(key)), kms: kms}
	nb := len(l.blocks)
	if nb == 0 || len(l.blocks[nb-1]) == slotBlock {
		// A shard that filled a block starts the next one full-size.
		if nb == 0 {
			l.blocks = append(l.blocks, make([]slot, 0, 64))
		} else {
			l.blocks = append(l.blocks, blocks.Get())
		}
		nb++
	}
	b := &l.blocks[nb-1]
	if len(*b) == cap(*b) {
		// Blocks grow as a slice would, up to slotBlock: a shard of few
		// records keeps a small one.
		grown := make([]slot, len(*b), min(slotBlock, 4*cap(*b)))
		copy(grown, *b)
		*b = grown
	}
	*b = append(*b, sl)
	l.n++
}

// last returns the newest record, or nil.
func (l *recordLog) last() *slot {
	if l.len() == 0 {
		return nil
	}
	return l.at(l.n - 1)
}

// drop removes the k oldest records, and the blocks and chunks that held
// only those.
func (l *recordLog) drop(k int) {
	if k <= 0 || l == nil {
		return
	}
	k = min(k, l.n)
	l.first += k
	l.n -= k
	for l.first >= slotBlock || l.n == 0 && len(l.blocks) > 0 {
		l.first -= min(l.first, slotBlock)
		l.blocks[0] = nil
		l.blocks = l.blocks[1:]
	}
	if l.n == 0 {
		l.first = 0
	}
	// Chunks before the oldest kept record's are dropped; with no record
	// left, every chunk but the one being filled.
	keep := len(l.chunks) - 1
	if l.n > 0 {
		keep = int(l.at(0).chunk - l.base)
	}
	for range keep {
		l.chunks[0] = nil
		l.chunks = l.chunks[1:]
		l.base++
	}
}
