// Package regions holds what the services that keep their resources per
// region share about those regions.
package regions

import "sort"

// WithResources lists the regions (the keys of byRegion) whose map of
// resources is not empty, sorted. The caller holds whatever lock guards
// byRegion.
func WithResources[V any](byRegion map[string]map[string]V) []string {
	out := make([]string, 0, len(byRegion))
	for r, resources := range byRegion {
		if len(resources) > 0 {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}
