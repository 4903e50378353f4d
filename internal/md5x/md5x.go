// Package md5x computes the MD5 digests of many short messages at once.
//
// Kinesis hashes the partition key of every record it is given with MD5,
// up to 500 keys a call, each a few bytes long: one MD5 block each. MD5 is
// a chain of dependent steps, so one digest takes as long as its 64 steps
// whatever the processor; but the steps of different messages are
// independent, and a vector unit runs sixteen of them side by side. Sums
// does that where the processor has AVX-512 (amd64), for messages of at
// most MaxShort bytes, and hashes the others one at a time with
// crypto/md5. The digests are crypto/md5's either way.
package md5x

import (
	"crypto/md5"
	"encoding/binary"
)

//go:generate go run gen.go

// MaxShort is the longest message that fits one block: 64 bytes less the
// padding byte and the 8 bytes of the length.
const MaxShort = 55

// lanes is how many messages one call of the vector code hashes.
const lanes = 16

// Sums sets sums[i] to the MD5 digest of msgs[i] for every i; sums must be
// at least as long as msgs.
func Sums(msgs [][]byte, sums [][md5.Size]byte) {
	_ = sums[:len(msgs)]
	if !vector {
		for i, m := range msgs {
			sums[i] = md5.Sum(m)
		}
		return
	}
	var b batch
	for i, m := range msgs {
		if len(m) > MaxShort {
			sums[i] = md5.Sum(m)
			continue
		}
		b.add(i, m)
		if b.n == lanes {
			b.run(sums)
		}
	}
	if b.n > 0 {
		b.run(sums)
	}
}

// batch is up to sixteen messages of one block each: m[l] is lane l's
// padded block (the vector code transposes them).
type batch struct {
	m   [lanes][64]byte
	out [4][lanes]uint32
	idx [lanes]int // the message of each lane
	n   int
}

// add pads message i (at most MaxShort bytes) into the next lane: the
// message, a 1 bit, zeros, and its length in bits, little-endian, in the
// last 8 bytes.
func (b *batch) add(i int, m []byte) {
	l, n := b.n, len(m)
	blk := &b.m[l]
	copy(blk[:], m)
	blk[n] = 0x80
	clear(blk[n+1 : 56])
	binary.LittleEndian.PutUint64(blk[56:], uint64(n)<<3)
	b.idx[l] = i
	b.n++
}

// run hashes the lanes added and writes their digests (lanes past n hash
// whatever they hold and are ignored).
func (b *batch) run(sums [][md5.Size]byte) {
	block16(&b.m, &b.out)
	for l := range b.n {
		s := sums[b.idx[l]][:]
		for w := range 4 {
			binary.LittleEndian.PutUint32(s[4*w:], b.out[w][l])
		}
	}
	b.n = 0
}
