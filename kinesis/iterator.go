package kinesis

import (
	"encoding/base64"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// A shard iterator is opaque to clients: the URL-safe base64 of
//
//	1 NUL region NUL stream NUL stream creation (ms) NUL shard NUL after NUL created (ms) NUL issue
//
// where after is the counter of the last record already read (the next
// read starts at the record after it) and created is when the iterator
// was made (issue, see issued, is not read back). An iterator is good for 5 minutes (iteratorTTL) on the
// service's clock; one of a stream deleted (and maybe created again) since
// finds no stream.

const iteratorTTL = 300_000 // milliseconds

type iterator struct {
	region, stream string
	streamCreated  int64
	shard          string
	after          uint64
	created        int64
}

// issued numbers the iterators this process hands out: the eighth field of
// an iterator, so that two made in the same millisecond at the same
// position still differ, as AWS's always do (recorded: LocalStack's
// test_get_records_next_shard_iterator). Decoding ignores it.
var issued atomic.Uint64

func (it iterator) encode() string {
	raw := strings.Join([]string{"1", it.region, it.stream, strconv.FormatInt(it.streamCreated, 10),
		it.shard, strconv.FormatUint(it.after, 10), strconv.FormatInt(it.created, 10), strconv.FormatUint(issued.Add(1), 10)}, sep)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeIterator(s string) (iterator, bool) {
	// AWS reads an iterator sent inside double quotes as the iterator
	// (recorded: LocalStack's
	// test_get_records_shard_iterator_with_surrounding_quotes).
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return iterator{}, false
	}
	p := strings.Split(string(raw), sep)
	if len(p) == 8 { // the issue number
		p = p[:7]
	}
	if len(p) != 7 || p[0] != "1" {
		return iterator{}, false
	}
	sc, err1 := strconv.ParseInt(p[3], 10, 64)
	after, err2 := strconv.ParseUint(p[5], 10, 64)
	created, err3 := strconv.ParseInt(p[6], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return iterator{}, false
	}
	return iterator{region: p[1], stream: p[2], streamCreated: sc, shard: p[4], after: after, created: created}, true
}

// resolve finds the stream and shard of an iterator, checking its age.
func (s *Service) resolve(tok string) (iterator, *stream, *shard, *awsjson.Error) {
	it, ok := decodeIterator(tok)
	if !ok {
		return it, nil, nil, errBadIterator
	}
	now := s.nowMS()
	if now-it.created > iteratorTTL {
		return it, nil, nil, expiredIterator(it.created, now)
	}
	st, err := s.find(it.region, it.stream)
	if err != nil {
		return it, nil, nil, err
	}
	if st.Created != it.streamCreated {
		return it, nil, nil, streamNotFound(it.stream, s.opts.Account)
	}
	sh, err := s.shardOf(st, it.shard)
	if err != nil {
		return it, nil, nil, err
	}
	return it, st, sh, nil
}
