package kinesis

import (
	"encoding/binary"
	"math/big"
)

// The hash key space is 0 to 2^128−1. CreateStream splits it evenly among
// N shards as Kinesis does: shard i starts at floor(2^128/N)·i and ends
// one before the next shard's start; the last ends at 2^128−1.

var (
	hashSpace  = new(big.Int).Lsh(big.NewInt(1), 128) // 2^128
	maxHashKey = new(big.Int).Sub(hashSpace, big.NewInt(1))
	one        = big.NewInt(1)
)

// tile returns the starting and ending hash keys of n shards over
// [lo, hi].
func tile(lo, hi *big.Int, n int) (starts, ends []*big.Int) {
	size := new(big.Int).Add(new(big.Int).Sub(hi, lo), one)
	step := new(big.Int).Div(size, big.NewInt(int64(n)))
	for i := range n {
		start := new(big.Int).Add(lo, new(big.Int).Mul(step, big.NewInt(int64(i))))
		starts = append(starts, start)
	}
	for i := range n {
		if i == n-1 {
			ends = append(ends, new(big.Int).Set(hi))
		} else {
			ends = append(ends, new(big.Int).Sub(starts[i+1], one))
		}
	}
	return starts, ends
}

// explicitHash parses an ExplicitHashKey (its pattern checked by the
// model) and checks its range.
func explicitHash(v string) (*big.Int, bool) {
	h, ok := new(big.Int).SetString(v, 10)
	if !ok || h.Sign() < 0 || h.Cmp(maxHashKey) > 0 {
		return nil, false
	}
	return h, true
}

// hashKey is a hash key as an unsigned 128-bit integer, high half first:
// routing a record compares these rather than allocating big.Ints.
type hashKey [2]uint64

func (a hashKey) less(b hashKey) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

// hashKeyOf reads a hash key, big-endian: a partition key's is the MD5 of
// its UTF-8 bytes read so.
func hashKeyOf(b *[16]byte) hashKey {
	return hashKey{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// toHashKey converts a hash key in range.
func toHashKey(h *big.Int) hashKey {
	var b [16]byte
	h.FillBytes(b[:])
	return hashKeyOf(&b)
}

func (a hashKey) big() *big.Int {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], a[0])
	binary.BigEndian.PutUint64(b[8:], a[1])
	return new(big.Int).SetBytes(b[:])
}

func zero() *big.Int { return new(big.Int) }
