package kinesis

import (
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// An account's quotas in a region, AWS's defaults ("Quotas and limits" in
// the Kinesis Data Streams developer guide): 20,000 shards in US East (N.
// Virginia), US West (Oregon) and Europe (Ireland), 1,000 or 6,000 in the
// other regions (which have which is not documented: 6,000 here), and 50
// streams in ON_DEMAND mode. DescribeLimits answers them; CreateStream,
// SplitShard and UpdateShardCount are refused with LimitExceededException
// past the shard quota, CreateStream and UpdateStreamMode past the
// ON_DEMAND stream quota. The open shards of every stream of the region
// count, ON_DEMAND streams' included.
const onDemandStreamQuota = 50

func shardQuota(region string) int {
	switch region {
	case "us-east-1", "us-west-2", "eu-west-1":
		return 20_000
	}
	return 6_000
}

// usage counts the open shards and the ON_DEMAND streams of a region.
func (s *Service) usage(region string) (openShards, onDemand int) {
	for _, st := range s.streams {
		if st.Region != region {
			continue
		}
		openShards += st.openShards()
		if st.Mode == "ON_DEMAND" {
			onDemand++
		}
	}
	return openShards, onDemand
}

// checkShardQuota refuses a request that would open add more shards in
// region than its quota allows, with AWS's text (as kinesalite reproduces
// it).
func (s *Service) checkShardQuota(region string, add int) *awsjson.Error {
	open, _ := s.usage(region)
	if limit := shardQuota(region); add > 0 && open+add > limit {
		return awsjson.NewError(awsjson.ErrLimitExceeded,
			"This request would exceed the shard limit for the account %s in %s. Current shard count for the account: %d. Limit: %d. Number of additional shards that would have resulted from this request: %d.",
			s.opts.Account, region, open, limit, add)
	}
	return nil
}

// checkOnDemandQuota refuses one more ON_DEMAND stream in region past the
// quota (the text is firehose-local's).
func (s *Service) checkOnDemandQuota(region string) *awsjson.Error {
	if _, n := s.usage(region); n >= onDemandStreamQuota {
		return awsjson.NewError(awsjson.ErrLimitExceeded,
			"This request would exceed the limit of %d data streams in ON_DEMAND mode for the account %s in %s.", onDemandStreamQuota, s.opts.Account, region)
	}
	return nil
}

func (s *Service) describeLimits(region string, _ map[string]any) (any, *awsjson.Error) {
	open, onDemand := s.usage(region)
	return struct {
		ShardLimit               int
		OpenShardCount           int
		OnDemandStreamCount      int
		OnDemandStreamCountLimit int
	}{shardQuota(region), open, onDemand, onDemandStreamQuota}, nil
}
