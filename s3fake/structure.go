package s3fake

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
)

// checkStructure walks the page tree of the bbolt file behind db, reading
// the file itself, and reports the first damage that could make bbolt loop
// or recurse forever (a page referenced twice, which a damaged page
// reference can make into a cycle), allocate gigabytes when it rewrites a
// page (an element whose length runs past its page), panic, or read outside
// its memory map (a page reference past the end, a page whose header does
// not match). It also checks that no page in the freelist is in use, which
// would make bbolt overwrite it. The content of values is not checked: that
// is what the objects' checksums are for.
//
// bbolt checks the checksums of its meta pages when it opens a file, but
// nothing else; its own Tx.Check does more but runs in a goroutine of its
// own, where a fault on the memory map kills the process, and follows page
// references recursively.
//
// The format read here is bbolt's (go.etcd.io/bbolt/internal/common, in
// the machine's byte order): a page is a 16-byte header (id uint64, flags
// uint16, count uint16, overflow uint32) followed by count 16-byte
// elements, branch (pos, ksize uint32, child page id uint64) or leaf
// (flags, pos, ksize, vsize uint32), where pos is relative to the element.
// A leaf element with flag 1 is a bucket: its value is the bucket's root
// page id and sequence (uint64 each), followed, if the root is 0, by the
// bucket's only page, inline.
func checkStructure(db *bolt.DB) error {
	var txid uint64
	var size int64
	if err := db.View(func(tx *bolt.Tx) error {
		txid, size = uint64(tx.ID()), tx.Size()
		return nil
	}); err != nil {
		return err
	}
	f, err := os.Open(db.Path())
	if err != nil {
		return err
	}
	defer f.Close()
	c := &structureCheck{r: f, pageSize: uint64(db.Info().PageSize), txid: txid}
	c.hwm = uint64(size) / c.pageSize
	c.seen = make([]uint64, (c.hwm+63)/64)
	return c.run()
}

// bbolt's page flags and its leaf flag for buckets.
const (
	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01
	noFreelist       = ^uint64(0)
)

var byteOrder = binary.NativeEndian

// structureCheck is one run of checkStructure.
type structureCheck struct {
	r        io.ReaderAt
	pageSize uint64
	txid     uint64
	hwm      uint64   // pages in use are below it
	seen     []uint64 // a bit per page: reachable
	stack    []uint64 // pages to visit
}

func (c *structureCheck) run() error {
	root, freelist, err := c.meta()
	if err != nil {
		return err
	}
	if err := c.mark(0, 1); err != nil { // the meta pages
		return err
	}
	c.stack = append(c.stack, root)
	for len(c.stack) > 0 {
		id := c.stack[len(c.stack)-1]
		c.stack = c.stack[:len(c.stack)-1]
		if err := c.page(id); err != nil {
			return err
		}
	}
	if freelist != noFreelist {
		return c.freelist(freelist)
	}
	return nil
}

// meta returns the root page and freelist page of the meta page that bbolt
// uses: the one of the transaction it opened.
func (c *structureCheck) meta() (root, freelist uint64, err error) {
	for i := range uint64(2) {
		m := make([]byte, 64)
		if _, err := c.r.ReadAt(m, int64(i*c.pageSize+16)); err != nil {
			return 0, 0, fmt.Errorf("meta page %d: %w", i, err)
		}
		if byteOrder.Uint32(m) == 0xED0CDAED && byteOrder.Uint64(m[48:]) == c.txid {
			return byteOrder.Uint64(m[16:]), byteOrder.Uint64(m[32:]), nil
		}
	}
	return 0, 0, fmt.Errorf("no meta page of transaction %d", c.txid)
}

// mark records pages id to id+overflow as reachable, failing if one of them
// was already or is not below the high-water mark.
func (c *structureCheck) mark(id uint64, overflow uint32) error {
	if id >= c.hwm || uint64(overflow) >= c.hwm-id {
		return fmt.Errorf("page %d (+%d overflow) is past the end (%d pages)", id, overflow, c.hwm)
	}
	for p := id; p <= id+uint64(overflow); p++ {
		if c.seen[p/64]&(1<<(p%64)) != 0 {
			return fmt.Errorf("page %d is referenced twice", p)
		}
		c.seen[p/64] |= 1 << (p % 64)
	}
	return nil
}

// header reads the header of page id and checks it.
func (c *structureCheck) header(id uint64, wantFlags ...uint16) (flags, count uint16, overflow uint32, err error) {
	if id < 2 || id >= c.hwm {
		return 0, 0, 0, fmt.Errorf("page %d is past the end (%d pages)", id, c.hwm)
	}
	h := make([]byte, 16)
	if _, err := c.r.ReadAt(h, int64(id*c.pageSize)); err != nil {
		return 0, 0, 0, fmt.Errorf("page %d: %w", id, err)
	}
	if got := byteOrder.Uint64(h); got != id {
		return 0, 0, 0, fmt.Errorf("page %d calls itself page %d", id, got)
	}
	flags, count, overflow = byteOrder.Uint16(h[8:]), byteOrder.Uint16(h[10:]), byteOrder.Uint32(h[12:])
	for _, f := range wantFlags {
		if flags == f {
			return flags, count, overflow, c.mark(id, overflow)
		}
	}
	return 0, 0, 0, fmt.Errorf("page %d has flags %#x", id, flags)
}

// page checks branch or leaf page id and queues the pages it refers to.
func (c *structureCheck) page(id uint64) error {
	flags, count, overflow, err := c.header(id, branchPageFlag, leafPageFlag)
	if err != nil {
		return err
	}
	extent := (uint64(overflow) + 1) * c.pageSize
	if 16+16*uint64(count) > extent {
		return fmt.Errorf("page %d: %d elements do not fit in it", id, count)
	}
	elems := make([]byte, 16*int(count))
	if _, err := c.r.ReadAt(elems, int64(id*c.pageSize+16)); err != nil {
		return fmt.Errorf("page %d: %w", id, err)
	}
	return c.elements(fmt.Sprint("page ", id), flags, elems, extent, func(off, n uint64) ([]byte, error) {
		b := make([]byte, n)
		_, err := c.r.ReadAt(b, int64(id*c.pageSize+off))
		return b, err
	}, true)
}

// elements checks the elements of a page (or an inline page) of extent
// bytes whose element array is elems; read reads n bytes at an offset in
// the page. Bucket values are only allowed when nested is true (an inline
// bucket holds no buckets).
func (c *structureCheck) elements(where string, flags uint16, elems []byte, extent uint64, read func(off, n uint64) ([]byte, error), nested bool) error {
	for i := 0; i < len(elems); i += 16 {
		e := elems[i:]
		at := 16 + uint64(i) // the element's offset in the page
		if flags == branchPageFlag {
			pos, ksize := uint64(byteOrder.Uint32(e)), uint64(byteOrder.Uint32(e[4:]))
			if at+pos+ksize > extent {
				return fmt.Errorf("%s: element %d runs past the page", where, i/16)
			}
			c.stack = append(c.stack, byteOrder.Uint64(e[8:]))
			continue
		}
		eflags := byteOrder.Uint32(e)
		pos, ksize, vsize := uint64(byteOrder.Uint32(e[4:])), uint64(byteOrder.Uint32(e[8:])), uint64(byteOrder.Uint32(e[12:]))
		if at+pos+ksize+vsize > extent {
			return fmt.Errorf("%s: element %d runs past the page", where, i/16)
		}
		if eflags&bucketLeafFlag == 0 {
			continue
		}
		if !nested {
			return fmt.Errorf("%s: element %d is a bucket inside an inline bucket", where, i/16)
		}
		if vsize < 16 {
			return fmt.Errorf("%s: element %d is a bucket of %d bytes", where, i/16, vsize)
		}
		v, err := read(at+pos+ksize, vsize)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if root := byteOrder.Uint64(v); root != 0 {
			c.stack = append(c.stack, root)
			continue
		}
		if err := c.inline(fmt.Sprintf("%s: inline bucket %d", where, i/16), v[16:]); err != nil {
			return err
		}
	}
	return nil
}

// inline checks the inline page p of a bucket.
func (c *structureCheck) inline(where string, p []byte) error {
	if len(p) < 16 {
		return fmt.Errorf("%s: %d bytes", where, len(p))
	}
	flags, count := byteOrder.Uint16(p[8:]), uint64(byteOrder.Uint16(p[10:]))
	if flags != leafPageFlag {
		return fmt.Errorf("%s: flags %#x", where, flags)
	}
	if 16+16*count > uint64(len(p)) {
		return fmt.Errorf("%s: %d elements do not fit in it", where, count)
	}
	return c.elements(where, flags, p[16:16+16*count], uint64(len(p)), nil, false)
}

// freelist checks that the pages listed as free are below the high-water
// mark, listed once and not reachable.
func (c *structureCheck) freelist(id uint64) error {
	_, count, overflow, err := c.header(id, freelistPageFlag)
	if err != nil {
		return fmt.Errorf("freelist: %w", err)
	}
	extent := (uint64(overflow) + 1) * c.pageSize
	off, n := uint64(16), uint64(count)
	if count == 0xFFFF {
		b := make([]byte, 8)
		if _, err := c.r.ReadAt(b, int64(id*c.pageSize+16)); err != nil {
			return fmt.Errorf("freelist: %w", err)
		}
		off, n = 24, byteOrder.Uint64(b)
	}
	if n > (extent-off)/8 {
		return errors.New("freelist: the list runs past its pages")
	}
	ids := make([]byte, 8*n)
	if _, err := c.r.ReadAt(ids, int64(id*c.pageSize+off)); err != nil {
		return fmt.Errorf("freelist: %w", err)
	}
	for i := 0; i < len(ids); i += 8 {
		free := byteOrder.Uint64(ids[i:])
		if free < 2 {
			return fmt.Errorf("freelist: lists page %d", free)
		}
		if err := c.mark(free, 0); err != nil {
			return fmt.Errorf("freelist: %w (in use, or listed twice)", err)
		}
	}
	return nil
}
