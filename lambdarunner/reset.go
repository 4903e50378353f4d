package lambdarunner

import "sync"

// Drop stops the processes of every function that keep does not keep (keep
// gets the function's ARN; nil keeps none), waits until they have exited,
// and forgets their pools: the next invocation of such a function, if it is
// registered again, cold-starts. The runner stays open.
func (r *Runner) Drop(keep func(arn string) bool) {
	r.mu.Lock()
	var drop []*pool
	for key, p := range r.pools {
		if keep == nil || !keep(key) {
			drop = append(drop, p)
			delete(r.pools, key)
		}
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range drop {
		wg.Go(func() { p.close(r.grace) })
	}
	wg.Wait()
}
