package kinesis

import (
	"sort"
	"strings"
)

// Regions lists the regions that have streams, sorted.
func (s *Service) Regions() []string {
	s.mu.Lock()
	seen := map[string]bool{}
	for key := range s.streams {
		region, _, _ := strings.Cut(key, sep)
		seen[region] = true
	}
	s.mu.Unlock()
	return sortedKeys(seen)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
