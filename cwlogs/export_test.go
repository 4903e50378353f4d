package cwlogs

// Sync waits until every change to s so far is in the state store.
func Sync(s *Store) { s.sync() }
