package reqbody

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// trickle hands out its data a few bytes at a time and records the largest
// buffer it was given to fill.
type trickle struct {
	data    []byte
	step    int
	maxRoom int
	read    int  // bytes handed out so far
	tooMuch bool // offered more room than twice what had been read
}

func (t *trickle) Read(p []byte) (int, error) {
	// The room offered must never be much more than what arrived.
	if len(p) > max(firstBuffer, 2*t.read)+512 {
		t.tooMuch = true
	}
	t.maxRoom = max(t.maxRoom, len(p))
	if len(t.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), t.step, len(t.data))
	copy(p, t.data[:n])
	t.data = t.data[n:]
	t.read += n
	return n, nil
}

// A body that announces far more than it sends is never given a buffer of
// the announced size: the buffer grows with what arrives.
func TestGrowsAsBytesArrive(t *testing.T) {
	for _, pooled := range []bool{false, true} {
		b := NewBudget(1 << 30)
		src := &trickle{data: bytes.Repeat([]byte("x"), 300<<10), step: 7000}
		read := b.Read
		if pooled {
			read = b.ReadPooled
		}
		body, err := read(src, 1<<30) // announces 1 GiB
		if err != nil {
			t.Fatal(err)
		}
		if len(body.Bytes) != 300<<10 || src.tooMuch {
			t.Fatalf("pooled %v: read %d bytes; offered room up to %d (more than twice what had arrived: %v)",
				pooled, len(body.Bytes), src.maxRoom, src.tooMuch)
		}
		if b.InUse() != 300<<10 {
			t.Fatalf("in use %d while held", b.InUse())
		}
		body.Release()
		body.Release() // harmless
		if b.InUse() != 0 {
			t.Fatalf("in use %d after release", b.InUse())
		}
	}

	// Nothing sent: nothing beyond the first small buffer.
	b := NewBudget(1 << 30)
	src := &trickle{step: 1}
	body, err := b.Read(src, 70<<20)
	if err != nil || len(body.Bytes) != 0 || src.maxRoom > firstBuffer {
		t.Fatalf("empty body announced as 70 MiB: %v, %d bytes, room %d", err, len(body.Bytes), src.maxRoom)
	}
}

// An honest announced length fills the buffer exactly, beyond the first
// buffer too.
func TestExactFill(t *testing.T) {
	for _, n := range []int{0, 1, 100, firstBuffer, firstBuffer + 1, 100 << 10, 5 << 20} {
		data := bytes.Repeat([]byte("y"), n)
		body, err := NewBudget(1<<30).Read(io.LimitReader(bytes.NewReader(data), int64(n)), int64(n))
		if err != nil || !bytes.Equal(body.Bytes, data) {
			t.Fatalf("%d bytes: %v, got %d", n, err, len(body.Bytes))
		}
		if n > 0 && cap(body.Bytes) != n {
			t.Errorf("%d bytes: buffer of %d", n, cap(body.Bytes))
		}
	}
	// A body longer than announced is read whole all the same.
	body, err := NewBudget(1<<30).Read(strings.NewReader("0123456789"), 4)
	if err != nil || string(body.Bytes) != "0123456789" {
		t.Fatalf("longer than announced: %v %q", err, body.Bytes)
	}
}

// The budget is shared: past it, reads fail with ErrBusy and hold nothing;
// released bodies make room again.
func TestBudget(t *testing.T) {
	b := NewBudget(250)
	first, err := b.Read(strings.NewReader(strings.Repeat("a", 100)), 100)
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.ReadPooled(strings.NewReader(strings.Repeat("b", 100)), -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(strings.NewReader(strings.Repeat("c", 100)), 100); !errors.Is(err, ErrBusy) {
		t.Fatalf("past the budget: %v", err)
	}
	if b.InUse() != 200 || b.Refused() != 1 {
		t.Fatalf("in use %d, refused %d; want 200, 1", b.InUse(), b.Refused())
	}
	first.Release()
	third, err := b.Read(strings.NewReader(strings.Repeat("c", 100)), 100)
	if err != nil || string(third.Bytes) != strings.Repeat("c", 100) {
		t.Fatalf("after a release: %v", err)
	}
	second.Release()
	third.Release()
	if b.InUse() != 0 {
		t.Fatalf("in use %d at the end", b.InUse())
	}

	// A read error is returned and releases what was read.
	boom := errors.New("boom")
	if _, err := b.Read(io.MultiReader(strings.NewReader("abc"), errReader{boom}), 10); !errors.Is(err, boom) {
		t.Fatalf("read error: %v", err)
	}
	if b.InUse() != 0 {
		t.Fatalf("in use %d after a failed read", b.InUse())
	}

	// A nil budget bounds nothing.
	var none *Budget
	body, err := none.ReadPooled(strings.NewReader("free"), 4)
	if err != nil || string(body.Bytes) != "free" || none.InUse() != 0 {
		t.Fatalf("nil budget: %v %q", err, body.Bytes)
	}
	body.Release()
	held := Held([]byte("x"))
	held.Release()
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
