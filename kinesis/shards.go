package kinesis

import (
	"encoding/base64"
	"math/big"
	"strconv"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// defaultListShards is ListShards' page size when MaxResults is not given.
const defaultListShards = 1000

// A ListShards NextToken is the URL-safe base64 of
//
//	region NUL stream NUL stream creation (ms) NUL last shard id NUL page size NUL filter
//
// where filter holds the filter's type and time, so that the next page
// lists the same shards.
func (s *Service) listShards(region string, in map[string]any) (any, *awsjson.Error) {
	var st *stream
	var after string
	limit := int(integer(in, "MaxResults", defaultListShards))
	var filter shardFilter
	if tok := str(in, "NextToken"); tok != "" {
		if in["StreamName"] != nil || in["StreamARN"] != nil {
			return nil, invalidArgument("NextToken and StreamName or StreamARN cannot be given together.")
		}
		p, ok := decodeToken(tok, 7)
		if !ok {
			return nil, errBadToken
		}
		created, err1 := strconv.ParseInt(p[2], 10, 64)
		size, err2 := strconv.Atoi(p[4])
		at, err3 := strconv.ParseInt(p[6], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, errBadToken
		}
		var err *awsjson.Error
		if st, err = s.find(p[0], p[1]); err != nil {
			return nil, err
		}
		if st.Created != created {
			return nil, streamNotFound(p[1], s.opts.Account)
		}
		after, filter = p[3], shardFilter{typ: p[5], at: at}
		if in["MaxResults"] == nil {
			limit = size
		}
	} else {
		var err *awsjson.Error
		if st, err = s.lookup(region, in); err != nil {
			return nil, err
		}
		after = str(in, "ExclusiveStartShardId")
		if f, ok := in["ShardFilter"].(map[string]any); ok {
			if filter, err = s.parseFilter(st, f); err != nil {
				return nil, err
			}
			if filter.typ == "AFTER_SHARD_ID" {
				after, filter = str(f, "ShardId"), shardFilter{}
			}
		}
	}
	var outs []shardOut
	var next string
	for _, sh := range st.Shards {
		if (after != "" && sh.id() <= after) || !filter.keeps(sh) {
			continue
		}
		if len(outs) == limit {
			last := outs[len(outs)-1].ShardID
			next = encodeToken(st.Region, st.Name, strconv.FormatInt(st.Created, 10), last,
				strconv.Itoa(limit), filter.typ, strconv.FormatInt(filter.at, 10))
			break
		}
		outs = append(outs, sh.out())
	}
	if outs == nil {
		outs = []shardOut{}
	}
	return struct {
		Shards    []shardOut
		NextToken string `json:",omitempty"`
	}{outs, next}, nil
}

func encodeToken(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, sep)))
}

func decodeToken(tok string, n int) ([]string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, false
	}
	p := strings.Split(string(raw), sep)
	return p, len(p) == n
}

// shardFilter is a ListShards ShardFilter of a type that picks shards by
// time: AT_* lists the shards open at the time, FROM_* those and every
// shard made after it. The trim horizon is now less the retention period
// (firehose-local never drops a closed shard). The zero filter keeps all.
type shardFilter struct {
	typ string
	at  int64 // Unix milliseconds
}

func (s *Service) parseFilter(st *stream, f map[string]any) (shardFilter, *awsjson.Error) {
	typ := str(f, "Type")
	_, hasID := f["ShardId"]
	ts, hasTime := timestamp(f, "Timestamp")
	switch typ {
	case "AFTER_SHARD_ID":
		if !hasID {
			return shardFilter{}, invalidArgument("ShardFilter of type AFTER_SHARD_ID needs a ShardId.")
		}
		return shardFilter{typ: typ}, nil
	case "AT_TIMESTAMP", "FROM_TIMESTAMP":
		if !hasTime {
			return shardFilter{}, invalidArgument("ShardFilter of type %s needs a Timestamp.", typ)
		}
	case "AT_LATEST":
		ts = s.nowMS()
	case "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON":
		ts = s.nowMS() - int64(st.Retention)*3_600_000
	}
	if hasID && typ != "AFTER_SHARD_ID" {
		return shardFilter{}, invalidArgument("ShardFilter of type %s takes no ShardId.", typ)
	}
	return shardFilter{typ: typ, at: max(ts, st.Created)}, nil
}

func (f shardFilter) keeps(sh *shard) bool {
	if f.typ == "" {
		return true
	}
	openAt := sh.Created <= f.at && (!sh.Closed || sh.ClosedAt > f.at)
	if strings.HasPrefix(f.typ, "FROM_") {
		return openAt || sh.Created > f.at
	}
	return openAt
}

// newShard appends a shard over [start, end] to a stream (a copy being
// changed).
func (st *stream) newShard(start, end *big.Int, parent, adjacent string, now int64) *shard {
	sh := &shard{Index: len(st.Shards), Parent: parent, Adjacent: adjacent,
		Start: start.String(), End: end.String(), Created: now, start: start, end: end, log: &recordLog{}}
	st.Shards = append(st.Shards, sh)
	return sh
}

func (sh *shard) close(now int64) { sh.Closed, sh.ClosedAt = true, now }

// split closes parent and makes its two children, [start, key−1] and
// [key, end].
func (st *stream) split(parent *shard, key *big.Int, now int64) (*shard, *shard) {
	parent.close(now)
	return st.newShard(parent.start, new(big.Int).Sub(key, one), parent.id(), "", now),
		st.newShard(key, parent.end, parent.id(), "", now)
}

// merge closes a and b, adjacent, and makes their child over both ranges:
// a is its parent, b its adjacent parent.
func (st *stream) merge(a, b *shard, now int64) *shard {
	lo, hi := a, b
	if b.start.Cmp(a.start) < 0 {
		lo, hi = b, a
	}
	a.close(now)
	b.close(now)
	return st.newShard(lo.start, hi.end, a.id(), b.id(), now)
}

// openShard finds a shard of a stream for a split or a merge.
func (s *Service) openShard(c *stream, id string) (*shard, *awsjson.Error) {
	sh, err := s.shardOf(c, id)
	if err != nil {
		return nil, err
	}
	if sh.Closed {
		return nil, shardClosed(id, c.Name, s.opts.Account)
	}
	return sh, nil
}

// SplitShard closes the shard and makes two children: [start, key−1] and
// [key, end], both with it as their parent. Children are ACTIVE at once.
func (s *Service) splitShard(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	c := st.clone()
	parent, err := s.openShard(c, str(in, "ShardToSplit"))
	if err != nil {
		return nil, err
	}
	key, ok := new(big.Int).SetString(str(in, "NewStartingHashKey"), 10)
	if !ok || key.Cmp(parent.start) <= 0 || key.Cmp(parent.end) > 0 {
		return nil, invalidArgument("NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.",
			str(in, "NewStartingHashKey"), parent.id(), c.Name, s.opts.Account, parent.Start, parent.End)
	}
	if err := s.checkShardQuota(c.Region, 1); err != nil {
		return nil, err
	}
	c.split(parent, key, s.nowMS())
	return struct{}{}, s.save(c)
}

// MergeShards closes two adjacent shards and makes one child over both
// ranges, whose parent is ShardToMerge and adjacent parent
// AdjacentShardToMerge.
func (s *Service) mergeShards(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	c := st.clone()
	a, err := s.openShard(c, str(in, "ShardToMerge"))
	if err != nil {
		return nil, err
	}
	b, err := s.openShard(c, str(in, "AdjacentShardToMerge"))
	if err != nil {
		return nil, err
	}
	lo, hi := a, b
	if b.start.Cmp(a.start) < 0 {
		lo, hi = b, a
	}
	if a == b || new(big.Int).Add(lo.end, one).Cmp(hi.start) != 0 {
		return nil, invalidArgument("Shards %s and %s in stream %s under account %s are not adjacent.", a.id(), b.id(), c.Name, s.opts.Account)
	}
	c.merge(a, b, s.nowMS())
	return struct{}{}, s.save(c)
}
