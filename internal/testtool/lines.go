package testtool

import (
	"bufio"
	"fmt"
	"io"
	"testing"
	"time"
)

// Lines reads r (a process's standard output) line by line in the
// background and returns a function that waits up to timeout for the next
// line. If r ends first, or the time runs out, it fails t naming what and
// quoting tail (the process's standard error).
func Lines(t testing.TB, r io.Reader, what string, tail fmt.Stringer, timeout time.Duration) func() string {
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("%s exited: %s", what, tail)
			}
			return l
		case <-time.After(timeout):
			t.Fatalf("no line from %s within %v: %s", what, timeout, tail)
		}
		return ""
	}
}
