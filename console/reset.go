package console

// Reset stops every demo run, waits for them and forgets them (POST
// /_local/reset); new runs may start afterwards.
func (c *Console) Reset() {
	d := c.demos
	d.mu.Lock()
	runs := make([]*demoRun, 0, len(d.runs))
	for _, dr := range d.runs {
		dr.cancel()
		runs = append(runs, dr)
	}
	if d.runs != nil { // nil: closed, the server is stopping
		d.runs = map[string]*demoRun{}
	}
	d.mu.Unlock()
	for _, dr := range runs {
		<-dr.done
	}
}
