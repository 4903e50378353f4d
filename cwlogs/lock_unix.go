//go:build unix

package cwlogs

import (
	"os"
	"syscall"
)

// lockDir takes an exclusive, non-blocking lock on path (created if
// needed), so that two processes never share a data directory.
func lockDir(path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f.Close, nil // closing the file releases the lock
}
