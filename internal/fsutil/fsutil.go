// Package fsutil holds the durable file operations the persistent stores
// share: the write-ahead log's and the state store's directories.
package fsutil

import "os"

// SyncDir makes the creations, renames and removals in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
