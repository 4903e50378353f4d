package kinesis

import (
	"bytes"
	"time"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// ShardInfo is a shard as a consumer sees it.
type ShardInfo struct {
	ID, ParentID, AdjacentParentID string
	Closed                         bool // no more records will be added (after a split or merge)
}

// Record is a data record as GetRecords returns it.
type Record struct {
	SequenceNumber, PartitionKey string
	Data                         []byte
	Arrival                      time.Time // ApproximateArrivalTimestamp
}

// Shards lists every shard of the stream (open and closed, parents first).
func (s *Service) Shards(region, streamARN string) ([]ShardInfo, *awsjson.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.lookupARN(region, streamARN)
	if err != nil {
		return nil, err
	}
	out := make([]ShardInfo, len(st.Shards))
	for i, sh := range st.Shards {
		out[i] = ShardInfo{ID: sh.id(), ParentID: sh.Parent, AdjacentParentID: sh.Adjacent, Closed: sh.Closed}
	}
	return out, nil
}

// ReadShard returns up to limit records of the shard after the sequence
// number after ("" = from the oldest kept record); exhausted is true when
// the shard is closed and no record follows the last one returned. The
// records are copies: the caller may keep and change them.
func (s *Service) ReadShard(region, streamARN, shardID, after string, limit int) (recs []Record, exhausted bool, err *awsjson.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, sh, err := s.shardByARN(region, streamARN, shardID)
	if err != nil {
		return nil, false, err
	}
	var from uint64
	if after != "" {
		c, ok := sh.counterOf(after)
		if !ok {
			return nil, false, invalidArgument("Sequence number %s is not one of shard %s in stream %s.", after, shardID, st.Name)
		}
		from = c
	}
	all := s.unread(st, sh, from)
	n := all.len()
	if limit >= 0 && limit < n {
		n = limit
	}
	recs = make([]Record, n)
	for i := range recs {
		r := all.log.record(all.lo + i)
		recs[i] = Record{SequenceNumber: sh.seq(r.Counter), PartitionKey: r.Key, Data: bytes.Clone(r.Data), Arrival: time.UnixMilli(r.Arrival)}
	}
	return recs, sh.Closed && n == all.len(), nil
}

// LastSequence is the shard's newest sequence number ("" when it has
// none): where a LATEST reader starts.
func (s *Service) LastSequence(region, streamARN, shardID string) (string, *awsjson.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sh, err := s.shardByARN(region, streamARN, shardID)
	if err != nil {
		return "", err
	}
	if sh.Last == 0 {
		return "", nil
	}
	return sh.seq(sh.Last), nil
}

func (s *Service) shardByARN(region, arn, id string) (*stream, *shard, *awsjson.Error) {
	st, err := s.lookupARN(region, arn)
	if err != nil {
		return nil, nil, err
	}
	sh, err := s.shardOf(st, id)
	if err != nil {
		return nil, nil, err
	}
	return st, sh, nil
}
