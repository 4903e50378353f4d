package emulator

import (
	"github.com/firehose-local/firehose-local/firehose"
	"github.com/firehose-local/firehose-local/kinesis"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// kinesisSource is the built-in Kinesis Data Streams as the source of
// KinesisStreamAsSource delivery streams (firehose.KinesisReader).
type kinesisSource struct{ k *kinesis.Service }

func (s kinesisSource) Shards(region, streamARN string) ([]firehose.KinesisShard, *awsjson.Error) {
	shards, err := s.k.Shards(region, streamARN)
	if err != nil {
		return nil, err
	}
	out := make([]firehose.KinesisShard, len(shards))
	for i, sh := range shards {
		out[i] = firehose.KinesisShard{ID: sh.ID, ParentID: sh.ParentID, AdjacentParentID: sh.AdjacentParentID, Closed: sh.Closed}
	}
	return out, nil
}

func (s kinesisSource) ReadShard(region, streamARN, shardID, after string, limit int) ([]firehose.KinesisRecord, bool, *awsjson.Error) {
	recs, exhausted, err := s.k.ReadShard(region, streamARN, shardID, after, limit)
	if err != nil {
		return nil, false, err
	}
	out := make([]firehose.KinesisRecord, len(recs))
	for i, r := range recs {
		out[i] = firehose.KinesisRecord{SequenceNumber: r.SequenceNumber, PartitionKey: r.PartitionKey, Data: r.Data, Arrival: r.Arrival}
	}
	return out, exhausted, nil
}

func (s kinesisSource) LastSequence(region, streamARN, shardID string) (string, *awsjson.Error) {
	return s.k.LastSequence(region, streamARN, shardID)
}
