package md5x

import (
	"crypto/md5"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

// check compares Sums with crypto/md5 over msgs.
func check(t *testing.T, msgs [][]byte) {
	t.Helper()
	sums := make([][md5.Size]byte, len(msgs))
	Sums(msgs, sums)
	for i, m := range msgs {
		if want := md5.Sum(m); sums[i] != want {
			t.Fatalf("message %d of %d (%d bytes %q): got %x, want %x", i, len(msgs), len(m), m, sums[i], want)
		}
	}
}

// messages returns n random messages of up to maxLen bytes.
func messages(r *rand.Rand, n, maxLen int) [][]byte {
	msgs := make([][]byte, n)
	for i := range msgs {
		m := make([]byte, r.IntN(maxLen+1))
		for k := range m {
			m[k] = byte(r.Uint32())
		}
		msgs[i] = m
	}
	return msgs
}

func TestSums(t *testing.T) {
	if !vector {
		t.Log("no AVX-512 here: Sums uses crypto/md5 alone")
	}
	r := rand.New(rand.NewPCG(1, 2))
	// Every length up to two blocks, so both sides of MaxShort, in one batch.
	var all [][]byte
	for n := range 130 {
		m := make([]byte, n)
		for k := range m {
			m[k] = byte(r.Uint32())
		}
		all = append(all, m)
	}
	check(t, all)
	// Batches of every size around the lane count, long messages mixed in.
	for n := range 3*lanes + 2 {
		check(t, messages(r, n, 70))
	}
	// The known answers of RFC 1321, appendix A.5.
	for msg, want := range map[string]string{
		"":                           "d41d8cd98f00b204e9800998ecf8427e",
		"a":                          "0cc175b9c0f1b6a831c399e269772661",
		"abc":                        "900150983cd24fb0d6963f7d28e17f72",
		"message digest":             "f96b697d7cb7938d525a2f31aaf161d0",
		"abcdefghijklmnopqrstuvwxyz": "c3fcd3d76192e4007dfb496cca67e13b",
	} {
		sums := make([][md5.Size]byte, 1)
		Sums([][]byte{[]byte(msg)}, sums)
		if got := fmt.Sprintf("%x", sums[0]); got != want {
			t.Errorf("MD5(%q) = %s, want %s", msg, got, want)
		}
	}
}

// TestVector checks the vector code itself, which TestSums runs only where
// the processor has it.
func TestVector(t *testing.T) {
	if !vector {
		t.Skip("no vector code in this build or on this processor (AVX-512): block16 is never called here")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		check(t, messages(r, lanes, MaxShort))
	}
}

// TestGeneratedCodeIsCurrent checks that md5x_amd64.s is what gen.go
// writes.
func TestGeneratedCodeIsCurrent(t *testing.T) { testtool.CheckGenerated(t, "gen.go", "md5x_amd64.s") }

func BenchmarkSums(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	msgs := make([][]byte, 500)
	for i := range msgs {
		msgs[i] = fmt.Appendf(nil, "key-%d-%d", r.IntN(4), i)
	}
	sums := make([][md5.Size]byte, len(msgs))
	b.Run("md5x", func(b *testing.B) {
		for b.Loop() {
			Sums(msgs, sums)
		}
	})
	b.Run("crypto-md5", func(b *testing.B) {
		for b.Loop() {
			for i, m := range msgs {
				sums[i] = md5.Sum(m)
			}
		}
	})
}
