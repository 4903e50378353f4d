package firehose

import (
	"context"

	"github.com/firehose-local/firehose-local/delivery"
)

// Reset deletes every delivery stream in every region, as DeleteDeliveryStream
// does (buffered records are discarded, a KinesisStreamAsSource stream stops
// reading), at once whatever the transition delay, and waits until no
// pipeline of them processes or delivers anything any more: a delivery or
// Lambda call under way is cancelled, as for a deleted stream, or ends.
// With a data directory the definitions are gone from the state store, and
// the records the write-ahead log held for them are released.
func (s *Service) Reset(ctx context.Context) error {
	s.mu.Lock()
	var pipes []*delivery.Pipeline
	for _, byName := range s.streams {
		for _, st := range byName {
			st.deleting = true
			if st.pipe != nil {
				pipes = append(pipes, st.pipe)
			}
			s.remove(st)
		}
	}
	s.streams = map[string]map[string]*stream{}
	s.saveStreamsLocked()
	s.mu.Unlock()
	for _, p := range pipes {
		if err := p.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}
