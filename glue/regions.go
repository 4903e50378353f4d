package glue

import "github.com/firehose-local/firehose-local/internal/regions"

// Regions lists the regions that have databases, sorted.
func (c *Catalog) Regions() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return regions.WithResources(c.regions)
}
