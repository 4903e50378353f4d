package kinesis

import (
	"slices"
	"strconv"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Enhanced fan-out consumers (RegisterStreamConsumer and its kin) are kept
// with their stream (stream.Consumers, in registration order), so they are
// saved, reloaded and deleted with it.
//
// A consumer's ARN is
//
//	arn:aws:kinesis:<region>:<account>:stream/<stream>/consumer/<name>:<creation, epoch seconds>
//
// RegisterStreamConsumer answers ConsumerStatus CREATING, as AWS does, but
// the consumer is ACTIVE at once: DescribeStreamConsumer and
// ListStreamConsumers show it ACTIVE, and SubscribeToShard takes it, from
// the next call on. DeregisterStreamConsumer removes it at once (AWS shows
// DELETING for a while), ending its subscriptions.

const (
	// maxConsumers is AWS's limit of registered consumers per stream.
	maxConsumers = 20
	// defaultListConsumers is ListStreamConsumers' default and largest
	// page (a larger MaxResults returns 100).
	defaultListConsumers = 100
	// listTokenTTL is how long a ListStreamConsumers NextToken is good for.
	listTokenTTL = 300_000 // milliseconds
)

// consumer is a registered enhanced fan-out consumer.
type consumer struct {
	Name    string `json:"name"`
	Created int64  `json:"created"` // Unix milliseconds
	// Policy is the consumer's resource policy, "" for none (policies.go).
	Policy string `json:"policy,omitempty"`
	// Tags are the consumer's tags, sorted by key (tags.go).
	Tags []tag `json:"tags,omitempty"`
}

func (s *Service) consumerARN(st *stream, c *consumer) string {
	return s.arn(st.Region, st.Name) + "/consumer/" + c.Name + ":" + strconv.FormatInt(c.Created/1000, 10)
}

func (st *stream) consumer(name string) *consumer {
	for _, c := range st.Consumers {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// parseConsumerARN splits a consumer ARN of this account and region into
// its stream, consumer name and creation second.
func (s *Service) parseConsumerARN(region, arn string) (streamName, name string, created int64, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "kinesis" || parts[3] != region || parts[4] != s.opts.Account {
		return "", "", 0, false
	}
	rest, found := strings.CutPrefix(parts[5], "stream/")
	if !found {
		return "", "", 0, false
	}
	streamName, rest, found = strings.Cut(rest, "/consumer/")
	i := strings.LastIndexByte(rest, ':')
	if !found || i < 0 {
		return "", "", 0, false
	}
	secs, err := strconv.ParseInt(rest[i+1:], 10, 64)
	if err != nil {
		return "", "", 0, false
	}
	return streamName, rest[:i], secs, true
}

// findConsumer finds the consumer a request names: by ConsumerARN, or by
// StreamARN and ConsumerName.
func (s *Service) findConsumer(region string, in map[string]any) (*stream, *consumer, *awsjson.Error) {
	arn, byARN := in["ConsumerARN"].(string)
	name, byName := in["ConsumerName"].(string)
	streamARN, hasStream := in["StreamARN"].(string)
	switch {
	case byARN && byName:
		return nil, nil, errConsumerBoth
	case byARN:
		// AWS accepts a ConsumerARN together with its StreamARN
		// (recorded: LocalStack's test_stream_consumers).
		st, c, err := s.consumerByARN(region, arn)
		if err == nil && hasStream && streamARN != s.arn(region, st.Name) {
			return nil, nil, errConsumerStream
		}
		return st, c, err
	case !byName || !hasStream:
		return nil, nil, errConsumerBoth
	}
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, nil, err
	}
	c := st.consumer(name)
	if c == nil {
		return nil, nil, consumerNotFound(name, s.opts.Account)
	}
	return st, c, nil
}

// consumerByARN finds a consumer by its ARN: one of a consumer registered
// again since (its creation second differs) is not found.
func (s *Service) consumerByARN(region, arn string) (*stream, *consumer, *awsjson.Error) {
	streamName, name, secs, ok := s.parseConsumerARN(region, arn)
	if !ok {
		return nil, nil, consumerNotFound(arn, s.opts.Account)
	}
	st := s.streams[streamKey(region, streamName)]
	if st == nil {
		return nil, nil, consumerNotFound(arn, s.opts.Account)
	}
	c := st.consumer(name)
	if c == nil || c.Created/1000 != secs {
		return nil, nil, consumerNotFound(arn, s.opts.Account)
	}
	return st, c, nil
}

type consumerOut struct {
	ConsumerName              string
	ConsumerARN               string
	ConsumerStatus            string
	ConsumerCreationTimestamp any
	StreamARN                 string `json:",omitempty"`
}

func (s *Service) consumerOut(st *stream, c *consumer, status string, withStream bool) consumerOut {
	out := consumerOut{c.Name, s.consumerARN(st, c), status, epoch(c.Created), ""}
	if withStream {
		out.StreamARN = s.arn(st.Region, st.Name)
	}
	return out
}

func (s *Service) registerConsumer(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	name := str(in, "ConsumerName")
	if st.consumer(name) != nil {
		return nil, consumerExists(name, st.Name, s.opts.Account)
	}
	if len(st.Consumers) >= maxConsumers {
		return nil, awsjson.NewError(awsjson.ErrLimitExceeded,
			"Stream %s under account %s already has %d registered consumers, the most a stream may have.", st.Name, s.opts.Account, maxConsumers)
	}
	tags, terr := mergeTags(nil, in["Tags"])
	if terr != nil {
		return nil, terr
	}
	c := st.clone()
	cons := &consumer{Name: name, Created: s.nowMS(), Tags: tags}
	c.Consumers = append(slices.Clone(st.Consumers), cons)
	if err := s.save(c); err != nil {
		return nil, err
	}
	return struct{ Consumer consumerOut }{s.consumerOut(c, cons, "CREATING", false)}, nil
}

func (s *Service) describeConsumer(region string, in map[string]any) (any, *awsjson.Error) {
	st, c, err := s.findConsumer(region, in)
	if err != nil {
		return nil, err
	}
	return struct{ ConsumerDescription consumerOut }{s.consumerOut(st, c, "ACTIVE", true)}, nil
}

// listConsumers pages through a stream's consumers in registration order.
// A NextToken holds the stream's creation time, the index of the next
// consumer and when it was made; a consumer deregistered between pages
// shifts the rest by one, as it would for AWS's paging by position.
func (s *Service) listConsumers(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	limit := int(min(integer(in, "MaxResults", defaultListConsumers), defaultListConsumers))
	from := 0
	if tok, ok := in["NextToken"].(string); ok {
		p, ok := decodeToken(tok, 4)
		if !ok || p[0] != "consumers" || p[1] != strconv.FormatInt(st.Created, 10) {
			return nil, errBadToken
		}
		i, err1 := strconv.Atoi(p[2])
		made, err2 := strconv.ParseInt(p[3], 10, 64)
		if err1 != nil || err2 != nil || i < 0 {
			return nil, errBadToken
		}
		if s.nowMS()-made > listTokenTTL {
			return nil, awsjson.NewError(errExpiredToken, "The NextToken has expired: it was made more than 300 seconds ago.")
		}
		from = min(i, len(st.Consumers))
	}
	page := st.Consumers[from:]
	var next string
	if len(page) > limit {
		page = page[:limit]
		next = encodeToken("consumers", strconv.FormatInt(st.Created, 10), strconv.Itoa(from+limit), strconv.FormatInt(s.nowMS(), 10))
	}
	outs := make([]consumerOut, len(page))
	for i, c := range page {
		outs[i] = s.consumerOut(st, c, "ACTIVE", false)
	}
	return struct {
		Consumers []consumerOut
		NextToken string `json:",omitempty"`
	}{outs, next}, nil
}

func (s *Service) deregisterConsumer(region string, in map[string]any) (any, *awsjson.Error) {
	st, cons, err := s.findConsumer(region, in)
	if err != nil {
		return nil, err
	}
	c := st.clone()
	c.Consumers = slices.DeleteFunc(slices.Clone(st.Consumers), func(x *consumer) bool { return x == cons })
	if err := s.save(c); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// The consumer errors. "Consumer <name or ARN>, account <account> not
// found." is AWS's text as getmoto/moto reproduces it; the others are
// firehose-local's, not recorded from AWS.

const errExpiredToken = "ExpiredNextTokenException"

var errConsumerBoth = invalidArgument("Either ConsumerARN, or StreamARN and ConsumerName, must be given, not both.")

var errConsumerStream = invalidArgument("The ConsumerARN is not a consumer of the given StreamARN.")

func consumerNotFound(consumer, account string) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrResourceNotFound, "Consumer %s, account %s not found.", consumer, account)
}

func consumerExists(name, stream, account string) *awsjson.Error {
	return awsjson.NewError(awsjson.ErrResourceInUse, "Consumer %s of stream %s under account %s already exists.", name, stream, account)
}
