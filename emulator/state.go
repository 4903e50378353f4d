package emulator

import (
	"fmt"

	"github.com/firehose-local/firehose-local/statestore"
)

// openState opens the state store (DataDir/state.db) that keeps the
// control plane with --data-dir: delivery streams, functions, CloudWatch
// Logs. A store that cannot be created for want of space does not keep
// the server from starting (it would not deliver what its write-ahead log
// holds): it runs without one, its control plane in memory, and reads
// what earlier versions kept in files of their own.
func (s *Server) openState() error {
	if s.cfg.DataDir == "" {
		return nil
	}
	db, err := statestore.Open(s.cfg.DataDir)
	if statestore.IsNoSpace(err) {
		s.log.Error("no space left to create the state store: delivery streams, functions and CloudWatch Logs are kept in memory only until a restart with free space", "dir", s.cfg.DataDir, "error", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening the state store: %w", err)
	}
	s.state = db
	return nil
}
