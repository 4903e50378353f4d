//go:build ignore

// gen writes md5x_amd64.s: sixteen MD5 compressions at once with
// AVX-512, one message block a lane. Run it with go generate.
package main

import (
	"math"

	"github.com/firehose-local/firehose-local/internal/asmgen"
)

func main() { asmgen.Main("md5x_amd64.s", body) }

func body(p func(format string, args ...any)) {
	// The sines table of RFC 1321, section 3.4.
	for i := range 64 {
		k := uint32(math.Floor(math.Abs(math.Sin(float64(i+1))) * (1 << 32)))
		p("DATA sines<>+%d(SB)/4, $0x%08x", 4*i, k)
	}
	p("GLOBL sines<>(SB), RODATA|NOPTR, $256")
	p("")
	p("// func block16(m *[16][64]byte, out *[4][16]uint32)")
	p("TEXT ·block16(SB), NOSPLIT, $0-16")
	p("\tMOVQ m+0(FP), SI")
	p("\tMOVQ out+8(FP), DI")
	// Z8..Z23: the sixteen lanes' blocks, a row each; transposed, Z8+j
	// holds word j of every lane.
	for l := range 16 {
		p("\tVMOVDQU32 %d(SI), Z%d", 64*l, 8+l)
	}
	transpose(p)
	// Z0..Z3: a, b, c, d; Z4..Z7 their initial values.
	for i, v := range []uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476} {
		p("\tMOVL $0x%08x, AX", v)
		p("\tVPBROADCASTD AX, Z%d", 4+i)
		p("\tVMOVDQA32 Z%d, Z%d", 4+i, i)
	}
	shifts := [4][4]int{{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}}
	// VPTERNLOGD's tables of F, G, H and I, with b in the destination,
	// c second and d third: bit b<<2|c<<1|d of the immediate is the result.
	funcs := [4]int{0xca, 0xe4, 0x96, 0x39}
	r := [4]int{0, 1, 2, 3} // the registers of a, b, c, d
	for i := range 64 {
		round := i / 16
		var g int
		switch round {
		case 0:
			g = i
		case 1:
			g = (5*i + 1) % 16
		case 2:
			g = (3*i + 5) % 16
		default:
			g = (7 * i) % 16
		}
		a, bb, c, d := r[0], r[1], r[2], r[3]
		p("\tVPADDD.BCST sines<>+%d(SB), Z%d, Z%d", 4*i, a, a)
		p("\tVPADDD Z%d, Z%d, Z%d", 8+g, a, a)
		p("\tVMOVDQA32 Z%d, Z24", bb)
		p("\tVPTERNLOGD $0x%02x, Z%d, Z%d, Z24", funcs[round], d, c)
		p("\tVPADDD Z24, Z%d, Z%d", a, a)
		p("\tVPROLD $%d, Z%d, Z%d", shifts[round][i%4], a, a)
		p("\tVPADDD Z%d, Z%d, Z%d", bb, a, a)
		r = [4]int{d, a, bb, c}
	}
	for i := range 4 {
		p("\tVPADDD Z%d, Z%d, Z%d", 4+i, i, i)
		p("\tVMOVDQU32 Z%d, %d(DI)", i, 64*i)
	}
	p("\tVZEROUPPER")
	p("\tRET")
}

// transpose writes the transposition of the 16x16 matrix of 32-bit words
// in Z8..Z23 (row l: lane l's block) in place, so that Z8+j holds word j
// of every lane, through Z0..Z7 and Z24..Z31. Go's assembler takes the
// operands in reverse: the second source, the first, the destination.
func transpose(p func(string, ...any)) {
	row := func(l int) int { return 8 + l }
	tmp := func(i int) int { // sixteen registers free before the rounds
		if i < 8 {
			return i
		}
		return 16 + i
	}
	// Rows 2k and 2k+1 interleaved, a 128-bit lane q at a time: T[2k]
	// holds their words 4q and 4q+1, T[2k+1] their words 4q+2 and 4q+3.
	for k := range 8 {
		p("\tVPUNPCKLDQ Z%d, Z%d, Z%d", row(2*k+1), row(2*k), tmp(2*k))
		p("\tVPUNPCKHDQ Z%d, Z%d, Z%d", row(2*k+1), row(2*k), tmp(2*k+1))
	}
	// Rows 4m to 4m+3: U[4m+c] holds, in lane q, their word 4q+c.
	for m := range 4 {
		t := 4 * m
		p("\tVPUNPCKLQDQ Z%d, Z%d, Z%d", tmp(t+2), tmp(t), row(t))
		p("\tVPUNPCKHQDQ Z%d, Z%d, Z%d", tmp(t+2), tmp(t), row(t+1))
		p("\tVPUNPCKLQDQ Z%d, Z%d, Z%d", tmp(t+3), tmp(t+1), row(t+2))
		p("\tVPUNPCKHQDQ Z%d, Z%d, Z%d", tmp(t+3), tmp(t+1), row(t+3))
	}
	// Word 4q+c of every lane: lane q of U[c], U[4+c], U[8+c] and U[12+c],
	// gathered by two rounds of 128-bit shuffles into Z8+4q+c (the four
	// registers the shuffles read).
	for c := range 4 {
		a, b, cc, d := row(c), row(4+c), row(8+c), row(12+c)
		v := [4]int{tmp(4 * c), tmp(4*c + 1), tmp(4*c + 2), tmp(4*c + 3)}
		p("\tVSHUFI32X4 $0x44, Z%d, Z%d, Z%d", b, a, v[0])            // A0 A1 B0 B1
		p("\tVSHUFI32X4 $0xee, Z%d, Z%d, Z%d", b, a, v[1])            // A2 A3 B2 B3
		p("\tVSHUFI32X4 $0x44, Z%d, Z%d, Z%d", d, cc, v[2])           // C0 C1 D0 D1
		p("\tVSHUFI32X4 $0xee, Z%d, Z%d, Z%d", d, cc, v[3])           // C2 C3 D2 D3
		p("\tVSHUFI32X4 $0x88, Z%d, Z%d, Z%d", v[2], v[0], row(c))    // A0 B0 C0 D0
		p("\tVSHUFI32X4 $0xdd, Z%d, Z%d, Z%d", v[2], v[0], row(4+c))  // A1 B1 C1 D1
		p("\tVSHUFI32X4 $0x88, Z%d, Z%d, Z%d", v[3], v[1], row(8+c))  // A2 B2 C2 D2
		p("\tVSHUFI32X4 $0xdd, Z%d, Z%d, Z%d", v[3], v[1], row(12+c)) // A3 B3 C3 D3
	}
}
