package glue

import "sort"

// Regions lists the regions that have databases, sorted.
func (c *Catalog) Regions() []string {
	c.mu.RLock()
	out := make([]string, 0, len(c.regions))
	for r, dbs := range c.regions {
		if len(dbs) > 0 {
			out = append(out, r)
		}
	}
	c.mu.RUnlock()
	sort.Strings(out)
	return out
}
