package kinesis

import (
	"strconv"
	"strings"
)

// Sequence numbers are 56 decimal digits, as AWS's typically are:
//
//	49 | shard number, 12 digits | counter, 42 digits
//
// The counter counts the shard's records from 1; counter 0 is the shard's
// StartingSequenceNumber, before its first record. Within a shard, later
// records have larger numbers, and as every number has the same width,
// comparing the strings compares the numbers. A number names its shard, so
// one used with another shard is refused. The counter survives a restart
// (it is kept with the shard), so numbers never repeat within a stream.

const (
	seqPrefix   = "49"
	seqIndexLen = 12
	seqCountLen = 42
	seqLen      = len(seqPrefix) + seqIndexLen + seqCountLen
)

func sequence(index int, counter uint64) string {
	if index < 0 || index >= 1e12 {
		return seqPrefix + pad(uint64(index), seqIndexLen) + pad(counter, seqCountLen)
	}
	// A uint64 has at most 20 digits: the counter always fits.
	var b [seqLen]byte
	copy(b[:], seqPrefix)
	putDigits(b[len(seqPrefix):len(seqPrefix)+seqIndexLen], uint64(index))
	putDigits(b[len(seqPrefix)+seqIndexLen:], counter)
	return string(b[:])
}

func (sh *shard) seq(counter uint64) string { return sequence(sh.Index, counter) }

// parseSequence returns the shard number and counter of a sequence number
// firehose-local made.
func parseSequence(s string) (index int, counter uint64, ok bool) {
	if len(s) != seqLen || !strings.HasPrefix(s, seqPrefix) {
		return 0, 0, false
	}
	i, err1 := strconv.ParseUint(s[len(seqPrefix):len(seqPrefix)+seqIndexLen], 10, 31)
	c, err2 := strconv.ParseUint(s[len(seqPrefix)+seqIndexLen:], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return int(i), c, true
}

// counterOf returns the counter of sequence number seq, which must be one
// the shard has given (or its starting one).
func (sh *shard) counterOf(seq string) (uint64, bool) {
	i, c, ok := parseSequence(seq)
	if !ok || i != sh.Index || c > sh.Last {
		return 0, false
	}
	return c, true
}
