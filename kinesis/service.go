package kinesis

import (
	"encoding/json"
	"log/slog"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/statestore"
)

// Options configures a Service.
type Options struct {
	// Account is the account ID of every stream. Default 000000000000.
	Account string
	// Region is the region of a call that names none. Default us-east-1.
	Region string
	// State, if set, is where streams and records live durably; nil keeps
	// them in memory only.
	State *statestore.Handle
	// Logger receives debug events. Default: discarded.
	Logger *slog.Logger
	// Now is the clock of arrival times, iterators and retention. Default
	// Clock.Now.
	Now func() time.Time
	// Limits, if set, applies each shard's throughput limits (see
	// traffic.go); by default no call is throttled.
	Limits bool
	// Clock times SubscribeToShard's 5-minute subscriptions and their
	// events while nothing is put. Default clock.System.
	Clock clock.Clock
}

// Service is Kinesis Data Streams of one account, in every region.
type Service struct {
	opts    Options
	mu      sync.Mutex
	streams map[string]*stream // streamKey(region, name)
	traffic traffic
	fan     fanout // enhanced fan-out subscriptions
}

// stream is one stream as stored (its records apart).
type stream struct {
	Region     string   `json:"region"`
	Name       string   `json:"name"`
	Mode       string   `json:"mode"`
	Created    int64    `json:"created"`   // Unix milliseconds
	Retention  int      `json:"retention"` // hours
	Encryption string   `json:"encryption"`
	KeyID      string   `json:"keyId,omitempty"`
	Tags       []tag    `json:"tags,omitempty"` // sorted by key
	Shards     []*shard `json:"shards"`         // in creation order: parents first
	// Consumers are the registered enhanced fan-out consumers, in
	// registration order (see consumers.go).
	Consumers []*consumer `json:"consumers,omitempty"`
	// Policy is the stream's resource policy, "" for none (policies.go).
	Policy string `json:"policy,omitempty"`
	// MaxRecordKiB is the most data a record may have, in KiB
	// (MaxRecordSizeInKiB); 0, in a stream saved before it was kept, is
	// the default (see stream.maxRecordKiB).
	MaxRecordKiB int `json:"maxRecordKiB,omitempty"`
	// ModeSwitches are when UpdateStreamMode changed the mode (Unix
	// milliseconds), the last two at most: see updateStreamMode.
	ModeSwitches []int64 `json:"modeSwitches,omitempty"`
	// ShardMetrics are the shard-level metrics enhanced monitoring has
	// enabled, in the model's order (monitoring.go).
	ShardMetrics []string `json:"shardMetrics,omitempty"`
}

type tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// shard is one shard. Its records are in memory, oldest first, in its log
// (recordlog.go), and in the state store under their own keys. Index is
// also the shard's place in its stream's Shards.
type shard struct {
	Index    int    `json:"index"` // the number in its id
	Parent   string `json:"parent,omitempty"`
	Adjacent string `json:"adjacent,omitempty"`
	Start    string `json:"start"` // hash keys, decimal
	End      string `json:"end"`
	Created  int64  `json:"created"`
	Closed   bool   `json:"closed,omitempty"`
	ClosedAt int64  `json:"closedAt,omitempty"`
	Last     uint64 `json:"last"` // counter of the newest record (0: none yet)

	start, end *big.Int
	// log is shared by the copies of the shard (see stream.clone).
	log *recordLog
}

func (sh *shard) id() string { return shardID(sh.Index) }

func shardID(i int) string { return "shardId-" + pad(uint64(i), 12) }

func pad(n uint64, width int) string {
	s := strconv.FormatUint(n, 10)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// parse fills the shard's parsed hash keys.
func (sh *shard) parse() bool {
	var ok1, ok2 bool
	sh.start, ok1 = new(big.Int).SetString(sh.Start, 10)
	sh.end, ok2 = new(big.Int).SetString(sh.End, 10)
	return ok1 && ok2
}

// New returns the service, reloaded from opts.State if set.
func New(opts Options) (*Service, error) {
	if opts.Account == "" {
		opts.Account = "000000000000"
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Now == nil {
		opts.Now = opts.Clock.Now
	}
	s := &Service{opts: opts, streams: map[string]*stream{}}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

type opFunc func(s *Service, region string, in map[string]any) (any, *awsjson.Error)

var operations = map[string]opFunc{
	"CreateStream":                  (*Service).createStream,
	"DeleteStream":                  (*Service).deleteStream,
	"DescribeStream":                (*Service).describeStream,
	"DescribeStreamSummary":         (*Service).describeStreamSummary,
	"ListStreams":                   (*Service).listStreams,
	"ListShards":                    (*Service).listShards,
	"IncreaseStreamRetentionPeriod": (*Service).increaseRetention,
	"DecreaseStreamRetentionPeriod": (*Service).decreaseRetention,
	"AddTagsToStream":               (*Service).addTags,
	"RemoveTagsFromStream":          (*Service).removeTags,
	"ListTagsForStream":             (*Service).listTags,
	"TagResource":                   (*Service).tagResource,
	"UntagResource":                 (*Service).untagResource,
	"ListTagsForResource":           (*Service).listTagsForResource,
	"StartStreamEncryption":         (*Service).startEncryption,
	"StopStreamEncryption":          (*Service).stopEncryption,
	"SplitShard":                    (*Service).splitShard,
	"MergeShards":                   (*Service).mergeShards,
	"UpdateShardCount":              (*Service).updateShardCount,
	"UpdateMaxRecordSize":           (*Service).updateMaxRecordSize,
	"UpdateStreamMode":              (*Service).updateStreamMode,
	"DescribeLimits":                (*Service).describeLimits,
	"EnableEnhancedMonitoring":      (*Service).enableMonitoring,
	"DisableEnhancedMonitoring":     (*Service).disableMonitoring,
	"PutRecord":                     (*Service).putRecord,
	"PutRecords":                    (*Service).putRecords,
	"GetShardIterator":              (*Service).getShardIterator,
	"GetRecords":                    (*Service).getRecords,
	"RegisterStreamConsumer":        (*Service).registerConsumer,
	"DescribeStreamConsumer":        (*Service).describeConsumer,
	"ListStreamConsumers":           (*Service).listConsumers,
	"DeregisterStreamConsumer":      (*Service).deregisterConsumer,
	"PutResourcePolicy":             (*Service).putPolicy,
	"GetResourcePolicy":             (*Service).getPolicy,
	"DeleteResourcePolicy":          (*Service).deletePolicy,
}

// Call runs the operation op (without TargetPrefix) in region ("" for
// Options.Region) with the JSON request body, and returns the response to
// encode as JSON or the error Kinesis would send. A change is committed to
// the state store before Call returns.
func (s *Service) Call(region, op string, body []byte) (any, *awsjson.Error) {
	if _, inModel := Model().Operations[op]; !inModel {
		return nil, unknownOperation(TargetPrefix + op)
	}
	if op == subscribeOp {
		return nil, invalidArgument("SubscribeToShard answers an event stream: it is served over HTTP (NewAPI) only.")
	}
	fn, ok := operations[op]
	if !ok {
		s.opts.Logger.Debug("kinesis: refusing an operation firehose-local does not serve", "operation", op)
		return nil, notSupported(op)
	}
	if region == "" {
		region = s.opts.Region
	}
	if op == "PutRecord" || op == "PutRecords" {
		// The data plane's fast path decodes and hashes before the lock.
		if req, ok := decodePut(op, body); ok {
			defer req.release() // after the unlock: put copied what it keeps
			s.mu.Lock()
			defer s.mu.Unlock()
			if op == "PutRecord" {
				return s.putOne(region, req)
			}
			return s.putMany(region, req)
		}
	}
	in, verr := Model().DecodeAndValidate(op, body)
	if verr != nil {
		return nil, verr
	}
	for _, m := range refusedMembers {
		if in[m] != nil {
			return nil, invalidArgument("firehose-local does not support %s in %s yet.", m, op)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(s, region, in)
}

func streamKey(region, name string) string { return region + sep + name }

// arn is the ARN of a stream.
func (s *Service) arn(region, name string) string {
	return "arn:aws:kinesis:" + region + ":" + s.opts.Account + ":stream/" + name
}

// nameFromARN returns the stream name of a stream ARN of this account and
// region, or "" if it names a stream elsewhere. The second result is the
// name to report as not found.
func (s *Service) nameFromARN(region, arn string) (string, string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "stream/") {
		return "", arn
	}
	name := strings.TrimPrefix(parts[5], "stream/")
	if parts[2] != "kinesis" || parts[3] != region || parts[4] != s.opts.Account {
		return "", name
	}
	return name, name
}

// lookup finds the stream a request names by StreamName or StreamARN.
func (s *Service) lookup(region string, in map[string]any) (*stream, *awsjson.Error) {
	name, _ := in["StreamName"].(string)
	arn, hasARN := in["StreamARN"].(string)
	return s.lookupBy(region, name, arn, hasARN)
}

// lookupBy is lookup of a StreamName ("": none) and StreamARN (if hasARN).
func (s *Service) lookupBy(region, name, arn string, hasARN bool) (*stream, *awsjson.Error) {
	if hasARN {
		n, shown := s.nameFromARN(region, arn)
		if name != "" && name != shown {
			return nil, invalidArgument("StreamName %s and StreamARN %s name different streams.", name, arn)
		}
		if n == "" {
			return nil, streamNotFound(shown, s.opts.Account)
		}
		name = n
	}
	if name == "" {
		return nil, errNoStream
	}
	return s.find(region, name)
}

func (s *Service) find(region, name string) (*stream, *awsjson.Error) {
	if st := s.streams[streamKey(region, name)]; st != nil {
		return st, nil
	}
	return nil, streamNotFound(name, s.opts.Account)
}

// lookupARN finds a stream by its ARN, for the Go API.
func (s *Service) lookupARN(region, arn string) (*stream, *awsjson.Error) {
	if region == "" {
		region = s.opts.Region
	}
	name, shown := s.nameFromARN(region, arn)
	if name == "" {
		return nil, streamNotFound(shown, s.opts.Account)
	}
	return s.find(region, name)
}

func (st *stream) shard(id string) *shard {
	for _, sh := range st.Shards {
		if sh.id() == id {
			return sh
		}
	}
	return nil
}

// shardOf finds a shard of st or answers AWS's error for a missing one.
func (s *Service) shardOf(st *stream, id string) (*shard, *awsjson.Error) {
	if sh := st.shard(id); sh != nil {
		return sh, nil
	}
	return nil, shardNotFound(id, st.Name, s.opts.Account)
}

func (s *Service) nowMS() int64 { return s.opts.Now().UnixMilli() }

// epoch renders Unix milliseconds as JSON 1.1 renders a timestamp: epoch
// seconds, with a fraction.
func epoch(ms int64) json.Number {
	return json.Number(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64))
}

func str(in map[string]any, k string) string { v, _ := in[k].(string); return v }

// integer reads an integer member (validated by the model), or def.
func integer(in map[string]any, k string, def int64) int64 {
	if n, ok := in[k].(json.Number); ok {
		if v, err := n.Int64(); err == nil {
			return v
		}
	}
	return def
}

// timestamp reads a timestamp member (epoch seconds, maybe fractional) as
// Unix milliseconds.
func timestamp(in map[string]any, k string) (int64, bool) {
	n, ok := in[k].(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	if err != nil {
		return 0, false
	}
	return int64(f*1000 + 0.5), true
}
