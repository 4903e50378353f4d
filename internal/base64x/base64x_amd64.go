//go:build amd64 && !purego

package base64x

import "golang.org/x/sys/cpu"

// vector reports whether blocks runs here: it needs AVX-512 VBMI and BW
// (and the operating system's support for their registers, which cpu
// checks).
var vector = cpu.X86.HasAVX512VBMI && cpu.X86.HasAVX512BW

// blocks decodes n blocks of 64 characters of src into 48 bytes each of
// dst, and reports false, having written what it may, if a character is
// outside the alphabet (= included). src holds 64·n bytes, dst room for
// 48·n (base64x_amd64.s, written by gen.go).
//
//go:noescape
func blocks(dst, src *byte, n int) bool
