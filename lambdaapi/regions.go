package lambdaapi

import "github.com/firehose-local/firehose-local/internal/regions"

// Regions lists the regions that have functions, sorted.
func (s *Service) Regions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return regions.WithResources(s.funcs)
}
