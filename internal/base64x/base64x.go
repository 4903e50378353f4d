// Package base64x decodes standard base64 (RFC 4648, padded), as the
// Firehose and Kinesis put paths receive every record's data, faster than
// encoding/base64 and with its results and errors for every input.
package base64x

import (
	"encoding/base64"
	"encoding/binary"
)

//go:generate go run gen.go

// Tables of Decode: the value of a base64 character shifted to its
// place in a quantum's 24 bits, or badChar.
var b64Tables = func() (t [4][256]uint32) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		for c := range t[i] {
			t[i][c] = badChar
		}
		for v, c := range []byte(alphabet) {
			t[i][c] = uint32(v) << (18 - 6*i)
		}
	}
	return t
}()

const badChar = 0xff000000

// Decode is base64.StdEncoding.Decode, faster. Where the processor has
// AVX-512 VBMI (amd64) it decodes 64 characters at a time while more than
// the last quantum remain (blocks). Then it decodes two quanta at a time
// through b64Tables while more than the last quantum remain and dst has
// room for a whole 8-byte store, then the rest a quantum at a time, the
// last with its padding (as the standard decoder, which is not strict, it
// ignores the bits a padded quantum leaves over). Anything else (a
// character outside the alphabet, text that is not whole quanta) it leaves
// to the standard decoder, from the start, for its result and its error.
func Decode(dst, src []byte) (int, error) {
	if len(src)%4 != 0 || len(dst) < len(src)/4*3 {
		return base64.StdEncoding.Decode(dst, src)
	}
	n, i := 0, 0
	if k := (len(src) - 4) / 64; vector && k > 0 {
		if !blocks(&dst[0], &src[0], k) {
			return base64.StdEncoding.Decode(dst, src)
		}
		n, i = 48*k, 64*k
	}
	t0, t1, t2, t3 := &b64Tables[0], &b64Tables[1], &b64Tables[2], &b64Tables[3]
	for len(src)-i > 12 && len(dst)-n >= 8 {
		s := src[i : i+8 : i+8]
		x := t0[s[0]] | t1[s[1]] | t2[s[2]] | t3[s[3]]
		y := t0[s[4]] | t1[s[5]] | t2[s[6]] | t3[s[7]]
		if (x|y)&badChar != 0 {
			return base64.StdEncoding.Decode(dst, src)
		}
		binary.BigEndian.PutUint64(dst[n:], uint64(x)<<40|uint64(y)<<16)
		n += 6
		i += 8
	}
	for ; i < len(src); i += 4 {
		s := src[i : i+4 : i+4]
		x := t0[s[0]] | t1[s[1]]
		switch last := i+4 == len(src); {
		case last && s[2] == '=' && s[3] == '=':
			if x&badChar != 0 {
				return base64.StdEncoding.Decode(dst, src)
			}
			dst[n] = byte(x >> 16)
			return n + 1, nil
		case last && s[3] == '=':
			x |= t2[s[2]]
			if x&badChar != 0 {
				return base64.StdEncoding.Decode(dst, src)
			}
			dst[n], dst[n+1] = byte(x>>16), byte(x>>8)
			return n + 2, nil
		}
		x |= t2[s[2]] | t3[s[3]]
		if x&badChar != 0 {
			return base64.StdEncoding.Decode(dst, src)
		}
		dst[n], dst[n+1], dst[n+2] = byte(x>>16), byte(x>>8), byte(x)
		n += 3
	}
	return n, nil
}
