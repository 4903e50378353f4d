package delivery

import "context"

// Wait waits until both of the pipeline's goroutines have exited (after
// Close or Discard): no batch of it is processed or delivered any more.
func (p *Pipeline) Wait(ctx context.Context) error {
	for _, ch := range []chan struct{}{p.procDone, p.finished} {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
