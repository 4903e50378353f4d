// Package lineage keeps where each accepted record went: a bounded,
// in-memory index by the sequence number its RecordId encodes.
//
// The put path writes one fixed-size entry per record (a ring, allocated a
// page at a time as it fills): its stream, arrival, and the batch it sits
// in. Everything later is attached to batches, not records: a batch's fact
// says where it sits (processor buffer, destination buffer, error output)
// and, once written, its object key, destination and record offsets; an
// invocation's fact says what the Lambda function made of its records. A
// record's entry points at its batch's fact and its index in the batch.
//
// A nil *Index is lineage turned off: every method does nothing.
package lineage

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

const (
	pageBits = 12
	pageSize = 1 << pageBits
	stripes  = 64
)

// Results of a Lambda processor, per record.
const (
	ResultNone uint8 = iota
	ResultOk
	ResultDropped
	ResultProcessingFailed
)

var resultNames = [...]string{"", "Ok", "Dropped", "ProcessingFailed"}

// entry is one record. It holds no pointers, so the ring costs the
// garbage collector nothing to scan.
type entry struct {
	seq     uint64 // 0: empty
	arrival int64  // Unix ms
	stream  uint32 // index in Index.streams
	where   uint32 // fact of the batch it sits in, or was written in
	inv     uint32 // fact of the Lambda invocation that processed it; 0: none
	backup  uint32 // fact of the S3 backup batch with its source copy; 0: none
	idx     uint32 // its index in the where batch
	code    uint16 // its own error code (interned), for ProcessingFailed and error documents
	result  uint8
}

// Index is the lineage index. Its methods are safe for concurrent use.
type Index struct {
	size  uint64 // records kept: a power of two
	mask  uint64 // size - 1
	pages []atomic.Pointer[[pageSize]entry]
	locks [stripes]sync.Mutex

	mu       sync.Mutex // guards what follows
	streams  []StreamID
	streamID map[StreamID]uint32
	codes    []string
	codeID   map[string]uint16
	facts    []*fact
	nextFact uint32
	byObject map[string]uint32 // "bucket/key" -> fact
	byReq    map[string]uint32 // Lambda request ID -> invocation fact
	pagesIn  atomic.Int64      // pages allocated, for Memory
}

// StreamID names a delivery stream.
type StreamID struct{ Region, Name string }

// New returns an index of the last size records; size <= 0 turns lineage
// off (nil).
func New(size int) *Index {
	if size <= 0 {
		return nil
	}
	n := uint64(pageSize)
	for n < uint64(size) {
		n <<= 1
	}
	nf := max(256, size/64)
	return &Index{
		size:     n,
		mask:     n - 1,
		pages:    make([]atomic.Pointer[[pageSize]entry], n/pageSize),
		streamID: map[StreamID]uint32{},
		codes:    []string{""},
		codeID:   map[string]uint16{"": 0},
		facts:    make([]*fact, nf),
		byObject: map[string]uint32{},
		byReq:    map[string]uint32{},
	}
}

// Size is how many records the index keeps: the size asked for, rounded
// up to a power of two of at least a page.
func (x *Index) Size() int {
	if x == nil {
		return 0
	}
	return int(x.size)
}

// Stream returns the number of a stream, for Place.
func (x *Index) Stream(region, name string) uint32 {
	if x == nil {
		return 0
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	id := StreamID{region, name}
	if n, ok := x.streamID[id]; ok {
		return n
	}
	x.streams = append(x.streams, id)
	x.streamID[id] = uint32(len(x.streams) - 1)
	return uint32(len(x.streams) - 1)
}

func (x *Index) code(c string) uint16 {
	x.mu.Lock()
	defer x.mu.Unlock()
	if n, ok := x.codeID[c]; ok {
		return n
	}
	if len(x.codes) >= 1<<16-1 {
		return 0
	}
	x.codes = append(x.codes, c)
	x.codeID[c] = uint16(len(x.codes) - 1)
	return uint16(len(x.codes) - 1)
}

// slot returns the entry of seq's slot and locks its stripe.
func (x *Index) slot(seq uint64) (*entry, *sync.Mutex) {
	i := seq & x.mask
	p := x.page(i)
	l := &x.locks[(i>>6)%stripes]
	l.Lock()
	return &p[i&(pageSize-1)], l
}

// page returns the page of slot i, allocating it the first time.
func (x *Index) page(i uint64) *[pageSize]entry {
	pg := &x.pages[i>>pageBits]
	p := pg.Load()
	if p == nil {
		np := new([pageSize]entry)
		if pg.CompareAndSwap(nil, np) {
			x.pagesIn.Add(1)
		}
		p = pg.Load()
	}
	return p
}

// Placement is one record's place, for PlaceAll.
type Placement struct {
	Seq        uint64
	Where, Idx uint32
}

// PlaceAll is Place for records of one stream that arrived together, in
// increasing order of sequence number: it takes each stripe's lock once
// per run of records in it.
func (x *Index) PlaceAll(stream uint32, arrival int64, ps []Placement) {
	if x == nil {
		return
	}
	var held *sync.Mutex
	var heldPage *[pageSize]entry
	var heldBase uint64 = ^uint64(0)
	for _, pl := range ps {
		if pl.Seq == 0 {
			continue
		}
		i := pl.Seq & x.mask
		if base := i &^ 63; base != heldBase {
			if held != nil {
				held.Unlock()
			}
			heldPage = x.page(i)
			held, heldBase = &x.locks[(i>>6)%stripes], base
			held.Lock()
		}
		e := &heldPage[i&(pageSize-1)]
		switch {
		case e.seq == pl.Seq:
			e.where, e.idx = pl.Where, pl.Idx
		case e.seq < pl.Seq:
			*e = entry{seq: pl.Seq, arrival: arrival, stream: stream, where: pl.Where, idx: pl.Idx}
		}
	}
	if held != nil {
		held.Unlock()
	}
}

// Place records that record seq of stream, which arrived at arrival (Unix
// ms), sits at index idx of the batch whose fact is where. A record seen
// before keeps its arrival and what processed it.
func (x *Index) Place(seq uint64, stream uint32, arrival int64, where, idx uint32) {
	if x == nil || seq == 0 {
		return
	}
	e, l := x.slot(seq)
	switch {
	case e.seq == seq:
		e.where, e.idx = where, idx
	case e.seq < seq:
		*e = entry{seq: seq, arrival: arrival, stream: stream, where: where, idx: idx}
	}
	l.Unlock()
}

// Backup records that a copy of record seq sits in the S3 backup batch of
// the fact where.
func (x *Index) Backup(seq uint64, where uint32) {
	if x == nil || seq == 0 {
		return
	}
	e, l := x.slot(seq)
	if e.seq == seq {
		e.backup = where
	}
	l.Unlock()
}

// Processed records what the invocation inv made of record seq: result,
// and for ProcessingFailed its error code.
func (x *Index) Processed(seq uint64, inv uint32, result uint8, code string) {
	if x == nil || seq == 0 {
		return
	}
	c := uint16(0)
	if code != "" {
		c = x.code(code)
	}
	e, l := x.slot(seq)
	if e.seq == seq {
		e.inv, e.result, e.code = inv, result, c
	}
	l.Unlock()
}

// SetCode records record seq's own error code (an error document's).
func (x *Index) SetCode(seq uint64, code string) {
	if x == nil || seq == 0 {
		return
	}
	c := x.code(code)
	e, l := x.slot(seq)
	if e.seq == seq {
		e.code = c
	}
	l.Unlock()
}

func (x *Index) get(seq uint64) (entry, bool) {
	if x == nil || seq == 0 {
		return entry{}, false
	}
	i := seq & x.mask
	p := x.pages[i>>pageBits].Load()
	if p == nil {
		return entry{}, false
	}
	l := &x.locks[(i>>6)%stripes]
	l.Lock()
	e := p[i&(pageSize-1)]
	l.Unlock()
	return e, e.seq == seq
}

// Memory is the bytes the index holds now: its entry pages and a bound on
// its facts.
func (x *Index) Memory() int64 {
	if x == nil {
		return 0
	}
	n := x.pagesIn.Load() * pageSize * int64(unsafe.Sizeof(entry{}))
	x.mu.Lock()
	defer x.mu.Unlock()
	n += int64(len(x.facts)) * 8
	for _, f := range x.facts {
		if f != nil {
			n += f.memory()
		}
	}
	return n
}
