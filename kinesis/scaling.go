package kinesis

import (
	"slices"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// UpdateShardCount with UNIFORM_SCALING ends with TargetShardCount open
// shards that tile the hash key space evenly (as CreateStream tiles it).
// It gets there as AWS does, by splits and merges, so that every new
// shard has at most two parents and consumers can follow the lineage:
// first each open shard that a boundary of the new tiling cuts is split
// there, then the shards within each new range are merged from the lowest
// up. (The intermediate shards are firehose-local's: AWS's may differ in
// number.) As in AWS, the target is at most double and at least half the
// open shard count.
func (s *Service) updateShardCount(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	if st.Mode == "ON_DEMAND" {
		return nil, invalidArgument("UpdateShardCount is not allowed for stream %s in ON_DEMAND mode.", st.Name)
	}
	current := st.openShards()
	target := int(integer(in, "TargetShardCount", 0))
	if target > 2*current || 2*target < current {
		return nil, invalidArgument("TargetShardCount %d of stream %s under account %s must be at most double and at least half the open shard count %d.",
			target, st.Name, s.opts.Account, current)
	}
	if target > maxShards {
		return nil, awsjson.NewError(awsjson.ErrLimitExceeded, "firehose-local allows at most %d shards per stream; TargetShardCount was %d.", maxShards, target)
	}
	if err := s.checkShardQuota(st.Region, target-current); err != nil {
		return nil, err
	}
	c := st.clone()
	now := s.nowMS()
	starts, ends := tile(zero(), maxHashKey, target)
	// Split open shards at every boundary of the new tiling inside them.
	for _, b := range starts[1:] {
		for _, sh := range c.open() {
			if sh.start.Cmp(b) < 0 && b.Cmp(sh.end) <= 0 {
				c.split(sh, b, now)
				break
			}
		}
	}
	// Merge the open shards within each new range, lowest first.
	for i := range starts {
		var in []*shard
		for _, sh := range c.open() {
			if sh.start.Cmp(starts[i]) >= 0 && sh.end.Cmp(ends[i]) <= 0 {
				in = append(in, sh)
			}
		}
		slices.SortFunc(in, func(a, b *shard) int { return a.start.Cmp(b.start) })
		for len(in) > 1 {
			in = append([]*shard{c.merge(in[0], in[1], now)}, in[2:]...)
		}
	}
	if err := s.save(c); err != nil {
		return nil, err
	}
	return struct {
		StreamName        string
		CurrentShardCount int64
		TargetShardCount  int64
		StreamARN         string
	}{st.Name, int64(current), int64(target), s.arn(st.Region, st.Name)}, nil
}

// open lists the stream's open shards.
func (st *stream) open() []*shard {
	var out []*shard
	for _, sh := range st.Shards {
		if !sh.Closed {
			out = append(out, sh)
		}
	}
	return out
}
