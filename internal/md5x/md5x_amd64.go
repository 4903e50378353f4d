//go:build amd64 && !purego

package md5x

import "golang.org/x/sys/cpu"

// vector reports whether block16 runs here: it needs AVX-512 F (and the
// operating system's support for its registers, which cpu checks).
var vector = cpu.X86.HasAVX512F

// block16 runs the MD5 compression function over sixteen blocks from the
// initial state: m[l] is lane l's block, out[w][l] word w of lane l's
// state after it (md5x_amd64.s, written by gen.go).
//
//go:noescape
func block16(m *[lanes][64]byte, out *[4][lanes]uint32)
