package base64x

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/firehose-local/firehose-local/internal/testtool"
)

func TestDecode(t *testing.T) {
	for n := range 200 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + n)
		}
		text := []byte(base64.StdEncoding.EncodeToString(b))
		check := func(src []byte, room int) {
			t.Helper()
			want := make([]byte, room)
			wn, werr := base64.StdEncoding.Decode(want, src)
			got := make([]byte, room)
			gn, gerr := Decode(got, src)
			if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
				t.Fatalf("%q (room %d): %d %q %v, want %d %q %v", src, room, gn, got[:gn], gerr, wn, want[:wn], werr)
			}
		}
		check(text, base64.StdEncoding.DecodedLen(len(text)))
		check(text, base64.StdEncoding.DecodedLen(len(text))+8)
		if n%3 != 0 { // the padded quantum's leftover bits set: ignored
			odd := bytes.Clone(text)
			odd[len(odd)-1-(3-n%3)] |= 1
			if bytes.IndexByte(odd, '=') < 0 || odd[len(odd)-1-(3-n%3)] == '=' {
				t.Fatal("bad test")
			}
			check(odd, len(odd))
		}
		for _, bad := range []string{"\n", "\r\n", "!", "=", "==", "A=", "A===", "é", "\\", " "} {
			for _, at := range []int{0, len(text) / 2, max(0, len(text)-3)} {
				src := append(append(bytes.Clone(text[:at]), bad...), text[at:]...)
				check(src, len(src))
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "eA==", "eHk=", "eHl6", "eHl6eHl6eHl6eA==", "eA\r\n==", "e A==", "eHl6eHl6eHl6eHl6eHl6"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		room := base64.StdEncoding.DecodedLen(len(src)) + 8
		want := make([]byte, room)
		wn, werr := base64.StdEncoding.Decode(want, src)
		got := make([]byte, room)
		gn, gerr := Decode(got, src)
		if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
			t.Fatalf("%q: %d %q %v, want %d %q %v", src, gn, got[:gn], gerr, wn, want[:wn], werr)
		}
	})
}

// TestBadCharacterAnywhere puts characters outside the alphabet at every
// place of a text long enough for the vector code's blocks (and of one
// quantum past them), and compares with encoding/base64.
func TestBadCharacterAnywhere(t *testing.T) {
	if !vector {
		t.Log("no vector code in this build or on this processor (AVX-512 VBMI): the scalar code alone is checked")
	}
	b := make([]byte, 150)
	for i := range b {
		b[i] = byte(i * 101)
	}
	text := []byte(base64.StdEncoding.EncodeToString(b)) // 200 characters: 3 blocks and a quantum
	for at := range text {
		for _, c := range []byte{'=', '\n', '\r', '!', ' ', 0x7f, 0x80, 0xc1, 0xff, '-', '_', 0} {
			src := bytes.Clone(text)
			src[at] = c
			want := make([]byte, len(src))
			wn, werr := base64.StdEncoding.Decode(want, src)
			got := make([]byte, len(src))
			gn, gerr := Decode(got, src)
			if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
				t.Fatalf("%q at %d: %d %v, want %d %v", c, at, gn, gerr, wn, werr)
			}
		}
	}
}

// TestVectorBlocks checks the vector code on its own, where it runs.
func TestVectorBlocks(t *testing.T) {
	if !vector {
		t.Skip("no vector code in this build or on this processor (AVX-512 VBMI): blocks is never called here")
	}
	for n := 1; n <= 4; n++ {
		b := make([]byte, 48*n)
		for i := range b {
			b[i] = byte(i*7 + n)
		}
		src := []byte(base64.StdEncoding.EncodeToString(b))
		dst := make([]byte, 48*n+16)
		for i := range dst {
			dst[i] = 0xee
		}
		if !blocks(&dst[0], &src[0], n) {
			t.Fatalf("%d blocks of valid text refused", n)
		}
		if !bytes.Equal(dst[:48*n], b) {
			t.Fatalf("%d blocks: %x, want %x", n, dst[:48*n], b)
		}
		if !bytes.Equal(dst[48*n:], bytes.Repeat([]byte{0xee}, 16)) {
			t.Fatalf("%d blocks: wrote past 48·n bytes: %x", n, dst[48*n:])
		}
	}
}

// TestGeneratedCodeIsCurrent checks that base64x_amd64.s is what gen.go
// writes.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	testtool.CheckGenerated(t, "gen.go", "base64x_amd64.s")
}

// BenchmarkDecode decodes a record of 100 bytes, as the benches put them.
func BenchmarkDecode(b *testing.B) {
	src := []byte(base64.StdEncoding.EncodeToString(make([]byte, 100)))
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	b.Run("base64x", func(b *testing.B) {
		for b.Loop() {
			_, _ = Decode(dst, src)
		}
	})
	b.Run("encoding-base64", func(b *testing.B) {
		for b.Loop() {
			_, _ = base64.StdEncoding.Decode(dst, src)
		}
	})
}
