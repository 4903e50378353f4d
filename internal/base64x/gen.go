//go:build ignore

// gen writes base64x_amd64.s: base64 decoding of 64 characters at a time
// with AVX-512 VBMI. Run it with go generate.
package main

import "github.com/firehose-local/firehose-local/internal/asmgen"

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func main() { asmgen.Main("base64x_amd64.s", body) }

func body(p func(format string, args ...any)) {
	// values: each ASCII character's sextet, 0x80 for a character outside
	// the alphabet (= included: padding is left to the scalar code).
	var values [128]byte
	for i := range values {
		values[i] = 0x80
	}
	for v, c := range []byte(alphabet) {
		values[c] = byte(v)
	}
	table(p, "values", values[:])
	// pack: after the multiply-adds, the dword of each quantum holds its 24
	// bits, the first output byte in bits 16-23; pack picks the 48 output
	// bytes, 3 a dword, most significant first.
	var pack [64]byte
	for j := range 48 {
		pack[j] = byte(4*(j/3) + 2 - j%3)
	}
	table(p, "pack", pack[:])
	p("// func blocks(dst, src *byte, n int) bool")
	p("TEXT ·blocks(SB), NOSPLIT, $0-25")
	for _, l := range []string{
		"MOVQ dst+0(FP), DI",
		"MOVQ src+8(FP), SI",
		"MOVQ n+16(FP), CX",
		"VMOVDQU64 values<>+0(SB), Z0",
		"VMOVDQU64 values<>+64(SB), Z1",
		"VMOVDQU64 pack<>(SB), Z2",
		"MOVL $0x01400140, AX", // per pair of sextets: a·64 + b
		"VPBROADCASTD AX, Z3",
		"MOVL $0x00011000, AX", // per pair of those: ab·4096 + cd
		"VPBROADCASTD AX, Z4",
		"MOVQ $0x0000ffffffffffff, AX", // 48 bytes out of 64
		"KMOVQ AX, K2",
		"loop:",
		"TESTQ CX, CX",
		"JZ done",
		"VMOVDQU8 (SI), Z5",
		"VMOVDQA64 Z5, Z6",
		"VPERMI2B Z1, Z0, Z6", // Z6: the sextet of each character's low 7 bits
		"VPORQ Z5, Z6, Z7",    // a set top bit: outside the alphabet, or not ASCII
		"VPMOVB2M Z7, K1",
		"KORTESTQ K1, K1",
		"JNZ bad",
		"VPMADDUBSW Z3, Z6, Z6",
		"VPMADDWD Z4, Z6, Z6",
		"VPERMB Z6, Z2, Z6",
		"VMOVDQU8 Z6, K2, (DI)",
		"ADDQ $64, SI",
		"ADDQ $48, DI",
		"DECQ CX",
		"JMP loop",
		"done:",
		"MOVB $1, ret+24(FP)",
		"VZEROUPPER",
		"RET",
		"bad:",
		"MOVB $0, ret+24(FP)",
		"VZEROUPPER",
		"RET",
	} {
		if l[len(l)-1] == ':' {
			p("%s", l)
		} else {
			p("\t%s", l)
		}
	}
}

// table writes the read-only table name holding b (a multiple of 8 bytes),
// 8 bytes a DATA line.
func table(p func(string, ...any), name string, b []byte) {
	for i := 0; i < len(b); i += 8 {
		var q uint64
		for k := range 8 {
			q |= uint64(b[i+k]) << (8 * k)
		}
		p("DATA %s<>+%d(SB)/8, $0x%016x", name, i, q)
	}
	p("GLOBL %s<>(SB), RODATA|NOPTR, $%d", name, len(b))
	p("")
}
