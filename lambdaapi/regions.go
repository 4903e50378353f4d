package lambdaapi

import "sort"

// Regions lists the regions that have functions, sorted.
func (s *Service) Regions() []string {
	s.mu.Lock()
	out := make([]string, 0, len(s.funcs))
	for r, fns := range s.funcs {
		if len(fns) > 0 {
			out = append(out, r)
		}
	}
	s.mu.Unlock()
	sort.Strings(out)
	return out
}
