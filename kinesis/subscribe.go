package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/google/uuid"

	"github.com/firehose-local/firehose-local/clock"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/protocol/cborjson"
)

// SubscribeToShard is served by the HTTP handler only (Call refuses it):
// its answer is an AWS event stream (application/vnd.amazon.eventstream),
// written and flushed event by event over the request's own connection,
// HTTP/1.1 (chunked) or HTTP/2. It opens with an initial-response event
// ({}), then sends a SubscribeToShardEvent at once (records or none) and
// another whenever records are put to the shard (PutRecord and PutRecords
// wake the subscription), each with up to 10,000 records and 10 MiB. While
// nothing is put, an event without records (the ContinuationSequenceNumber
// and MillisBehindLatest as ever) is sent 5 seconds on Options.Clock after
// the last event, so a client (KCL 2 cancels a subscription silent for
// about 35 seconds, as logged in awslabs/amazon-kinesis-client#463) sees
// the subscription alive. AWS sends such events but documents no
// interval: the 5 seconds are ours.
//
// ContinuationSequenceNumber is the sequence number of the last record
// sent (or of the starting position), to resume with
// AFTER_SEQUENCE_NUMBER; MillisBehindLatest is as GetRecords's. Once a
// closed shard's last record is sent, the last event has ChildShards and no
// ContinuationSequenceNumber (as AWS marks a shard's end), and the stream
// ends.
//
// A subscription ends after 5 minutes on Options.Clock, when the client
// goes away, and, with an exception event, when its consumer, stream or
// shard is gone (ResourceNotFoundException) or another subscription of the
// same consumer and shard takes over (ResourceInUseException).
//
// The call rules AWS documents, on Options.Clock: one SubscribeToShard call
// per second per consumer and shard (a call within a second of the last one
// not so refused is refused with LimitExceededException, whatever became of
// that one); a second SubscribeToShard of the same consumer and shard within
// 5 seconds of a subscription still open is refused with
// ResourceInUseException, a later one takes over. The rate is checked
// first, once the consumer and shard are found.
//
// A CBOR request (the Java SDK v2's, and so KCL 2's) is answered with the
// same events, their payloads in CBOR (:content-type
// application/x-amz-cbor-1.1) as the SDK's CBOR protocol reads every event
// payload: blobs as byte strings, ApproximateArrivalTimestamp as tag 1
// around epoch milliseconds, exceptions as a map with "message" (the type
// is in :exception-type); errors before the stream starts are CBOR errors.
//
// The texts: "Another active subscription exists for this consumer:
// <account>:<stream>:<shard>:<consumer name>" is AWS's, as recorded in
// client logs (awslabs/amazon-kinesis-client#391, daangn/kinesumer#16);
// the LimitExceededException text and the exception ending a subscription
// taken over are ours.

const (
	subscribeOp     = "SubscribeToShard"
	subscriptionTTL = 5 * time.Minute
	takeoverAfter   = 5_000 // milliseconds
	callInterval    = 1_000 // milliseconds: one call a second per consumer and shard
	heartbeat       = 5 * time.Second
)

// fanout is the service's enhanced fan-out state, guarded by Service.mu.
type fanout struct {
	subs    map[string]*subscription // consumer ARN NUL shard id
	changed map[string]chan struct{} // streamKey: closed when the stream changes
	calls   map[string]int64         // consumer ARN NUL shard id: Unix milliseconds of the last call not refused for the rate
}

// pruneCallsAt is the number of remembered calls past which those older
// than callInterval are forgotten.
const pruneCallsAt = 1024

// call counts a SubscribeToShard call of key at now (Unix milliseconds),
// and reports whether it is within the rate.
func (f *fanout) call(key string, now int64) bool {
	if last, ok := f.calls[key]; ok && now-last < callInterval && now >= last {
		return false
	}
	if f.calls == nil {
		f.calls = map[string]int64{}
	}
	if len(f.calls) >= pruneCallsAt {
		for k, t := range f.calls {
			if now-t >= callInterval || now < t {
				delete(f.calls, k)
			}
		}
	}
	f.calls[key] = now
	return true
}

// notify wakes the subscriptions of a stream: it was changed.
func (s *Service) notify(region, name string) {
	k := streamKey(region, name)
	if ch := s.fan.changed[k]; ch != nil {
		close(ch)
		delete(s.fan.changed, k)
	}
}

// changes returns a channel closed at the stream's next change.
func (s *Service) changes(region, name string) <-chan struct{} {
	k := streamKey(region, name)
	if s.fan.changed == nil {
		s.fan.changed = map[string]chan struct{}{}
	}
	ch := s.fan.changed[k]
	if ch == nil {
		ch = make(chan struct{})
		s.fan.changed[k] = ch
	}
	return ch
}

// subscription is one SubscribeToShard in progress.
type subscription struct {
	key, arn                    string // arn: the consumer's
	region, stream, shard, name string // name: the consumer's
	streamCreated, consCreated  int64
	after                       uint64 // counter of the last record sent
	started                     int64  // Unix milliseconds
	kicked                      chan struct{}
}

// subscribe checks a SubscribeToShard request and registers it.
func (s *Service) subscribe(region string, body []byte) (*subscription, *awsjson.Error) {
	const op = subscribeOp
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
	arn := str(in, "ConsumerARN")
	st, c, err := s.consumerByARN(region, arn)
	if err != nil {
		return nil, err
	}
	sh, err := s.shardOf(st, str(in, "ShardId"))
	if err != nil {
		return nil, err
	}
	now := s.nowMS()
	key := arn + sep + sh.id()
	if !s.fan.call(key, now) {
		return nil, awsjson.NewError(awsjson.ErrLimitExceeded,
			"Rate exceeded for consumer %s and shard %s: one SubscribeToShard call per second.", arn, sh.id())
	}
	pos, _ := in["StartingPosition"].(map[string]any)
	after, err := s.startAfter(st, sh, pos)
	if err != nil {
		return nil, err
	}
	if old := s.fan.subs[key]; old != nil {
		if now-old.started < takeoverAfter {
			return nil, awsjson.NewError(awsjson.ErrResourceInUse,
				"Another active subscription exists for this consumer: %s:%s:%s:%s", s.opts.Account, st.Name, sh.id(), c.Name)
		}
		close(old.kicked)
		delete(s.fan.subs, key)
	}
	sub := &subscription{key: key, arn: arn, region: st.Region, stream: st.Name, shard: sh.id(), name: c.Name,
		streamCreated: st.Created, consCreated: c.Created, after: after, started: now, kicked: make(chan struct{})}
	if s.fan.subs == nil {
		s.fan.subs = map[string]*subscription{}
	}
	s.fan.subs[key] = sub
	return sub, nil
}

func (s *Service) unsubscribe(sub *subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fan.subs[sub.key] == sub {
		delete(s.fan.subs, sub.key)
	}
}

// startAfter is the counter after which a StartingPosition starts, as
// GetShardIterator's types start.
func (s *Service) startAfter(st *stream, sh *shard, pos map[string]any) (uint64, *awsjson.Error) {
	typ := str(pos, "Type")
	seq, hasSeq := pos["SequenceNumber"].(string)
	ts, hasTime := timestamp(pos, "Timestamp")
	bySeq := typ == "AT_SEQUENCE_NUMBER" || typ == "AFTER_SEQUENCE_NUMBER"
	switch {
	case bySeq && !hasSeq:
		return 0, invalidArgument("StartingPosition Type %s needs a SequenceNumber.", typ)
	case !bySeq && hasSeq:
		return 0, invalidArgument("StartingPosition Type %s takes no SequenceNumber.", typ)
	case typ == "AT_TIMESTAMP" && !hasTime:
		return 0, invalidArgument("StartingPosition Type AT_TIMESTAMP needs a Timestamp.")
	case typ != "AT_TIMESTAMP" && hasTime:
		return 0, invalidArgument("StartingPosition Type %s takes no Timestamp.", typ)
	}
	switch typ {
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		c, ok := sh.counterOf(seq)
		if !ok {
			return 0, invalidArgument("StartingSequenceNumber %s used in SubscribeToShard on shard %s in stream %s under account %s is invalid.", seq, sh.id(), st.Name, s.opts.Account)
		}
		if typ == "AT_SEQUENCE_NUMBER" && c > 0 {
			c--
		}
		return c, nil
	case "TRIM_HORIZON":
		return 0, nil
	case "AT_TIMESTAMP":
		return sh.atTime(ts), nil
	}
	return sh.Last, nil // LATEST, or AT_TIMESTAMP after the newest record
}

type shardEvent struct {
	Records                    []recordOut
	ContinuationSequenceNumber *string `json:",omitempty"`
	MillisBehindLatest         int64
	ChildShards                []childShard `json:",omitempty"`
}

// next reads the subscription's next event. more is true when records
// remain after it; end when it is the shard's last; gone is the exception
// ending a subscription whose consumer, stream or shard is no more; wake is
// closed at the stream's next change.
func (s *Service) next(sub *subscription) (ev shardEvent, more, end bool, gone *awsjson.Error, wake <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[streamKey(sub.region, sub.stream)]
	if st == nil || st.Created != sub.streamCreated {
		return ev, false, false, streamNotFound(sub.stream, s.opts.Account), nil
	}
	if c := st.consumer(sub.name); c == nil || c.Created != sub.consCreated {
		return ev, false, false, consumerNotFound(sub.arn, s.opts.Account), nil
	}
	sh, gone := s.shardOf(st, sub.shard)
	if gone != nil {
		return ev, false, false, gone, nil
	}
	all := s.unread(st, sh, sub.after)
	got := take(all, defaultGetRecords)
	ev.Records = make([]recordOut, 0, len(got))
	for _, r := range got {
		ev.Records = append(ev.Records, recordOut{sh.seq(r.Counter), epoch(r.Arrival), r.Data, r.Key, r.Encryption})
		sub.after = r.Counter
	}
	if len(got) < all.len() {
		ev.MillisBehindLatest = max(0, s.nowMS()-got[len(got)-1].Arrival)
	}
	if sh.Closed && sub.after >= sh.Last {
		ev.ChildShards = st.children(sh)
		return ev, false, true, nil, nil
	}
	cont := sh.seq(sub.after)
	ev.ContinuationSequenceNumber = &cont
	return ev, len(got) < all.len(), false, nil, s.changes(st.Region, st.Name)
}

// children are the shards a split or merge of sh made.
func (st *stream) children(sh *shard) []childShard {
	out := []childShard{}
	for _, c := range st.Shards {
		if c.Parent == sh.id() || c.Adjacent == sh.id() {
			parents := []string{c.Parent}
			if c.Adjacent != "" {
				parents = append(parents, c.Adjacent)
			}
			out = append(out, childShard{c.id(), parents, hashKeyRange{c.Start, c.End}})
		}
	}
	return out
}

// serveSubscription answers SubscribeToShard: errors before the stream
// starts as ordinary JSON errors, then the event stream.
func (a *api) serveSubscription(w http.ResponseWriter, r *http.Request, body []byte, release func(), cbor bool) {
	s := a.svc
	sub, err := s.subscribe(awsjson.RequestRegion(r, s.opts.Region), body)
	release()
	if err != nil {
		if cbor {
			writeCBORError(w, err)
		} else {
			writeError(w, err)
		}
		return
	}
	defer s.unsubscribe(sub)
	expired := make(chan struct{})
	timer := s.opts.Clock.AfterFunc(subscriptionTTL, func() { close(expired) })
	defer timer.Stop()

	h := w.Header()
	h.Set("Content-Type", "application/vnd.amazon.eventstream")
	h.Set("x-amzn-RequestId", uuid.NewString())
	w.WriteHeader(http.StatusOK)
	out := &eventWriter{w: w, rc: http.NewResponseController(w), enc: eventstream.NewEncoder(), cbor: cbor}
	why := s.pump(r.Context(), out, sub, expired)
	s.opts.Logger.Debug("kinesis: subscription ended", "consumer", sub.arn, "shard", sub.shard, "why", why)
}

// pump sends the subscription's events until it ends, and says why it
// ended.
func (s *Service) pump(ctx context.Context, out *eventWriter, sub *subscription, expired <-chan struct{}) string {
	if err := out.event("initial-response", "SubscribeToShardOutput", struct{}{}); err != nil {
		return "writing: " + err.Error()
	}
	var (
		beat    clock.Timer   // the next heartbeat's
		beating chan struct{} // closed when it is due
		due     bool
	)
	defer func() {
		if beat != nil {
			beat.Stop()
		}
	}()
	for first := true; ; first = false {
		ev, more, end, gone, wake := s.next(sub)
		if gone != nil {
			_ = out.exception(gone)
			return gone.Message
		}
		// Woken by a change that brought nothing for this shard: no event,
		// unless a heartbeat is due.
		if first || len(ev.Records) > 0 || end || due {
			// The next heartbeat is set before the event goes out, so a
			// client holding the event finds it set (and a test advancing
			// a fake clock fires it).
			if beat != nil {
				beat.Stop()
			}
			if !end {
				ch := make(chan struct{})
				beat, beating, due = s.opts.Clock.AfterFunc(heartbeat, func() { close(ch) }), ch, false
			}
			if err := out.event("SubscribeToShardEvent", "SubscribeToShardEvent", ev); err != nil {
				return "writing: " + err.Error()
			}
			if end {
				return "the shard is closed and every record was sent"
			}
		}
		if more {
			continue
		}
		select {
		case <-wake:
		case <-beating:
			due = true
		case <-ctx.Done():
			return "the client went away"
		case <-expired:
			return "5 minutes passed"
		case <-sub.kicked:
			_ = out.exception(awsjson.NewError(awsjson.ErrResourceInUse,
				"Another subscription of consumer %s to shard %s has taken over this one.", sub.arn, sub.shard))
			return "taken over"
		}
	}
}

// eventWriter writes event stream messages, each flushed at once, their
// payloads JSON or, for a CBOR request, CBOR.
type eventWriter struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	enc  *eventstream.Encoder
	cbor bool
}

func (o *eventWriter) write(msg eventstream.Message) error {
	if err := o.enc.Encode(o.w, msg); err != nil {
		return err
	}
	if err := o.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// payload encodes v, of the model's shape, as the request's protocol does.
func (o *eventWriter) payload(shape string, v any) ([]byte, string, error) {
	b, err := json.Marshal(v)
	if err != nil || !o.cbor {
		return b, "application/json", err
	}
	b, err = cborjson.ResponseToCBOR(Model(), shape, b)
	return b, cborType, err
}

// event writes an event of type typ whose payload is v, of shape.
func (o *eventWriter) event(typ, shape string, v any) error {
	payload, ct, err := o.payload(shape, v)
	if err != nil {
		return err
	}
	var msg eventstream.Message
	msg.Headers.Set(":event-type", eventstream.StringValue(typ))
	msg.Headers.Set(":message-type", eventstream.StringValue("event"))
	msg.Headers.Set(":content-type", eventstream.StringValue(ct))
	msg.Payload = payload
	return o.write(msg)
}

func (o *eventWriter) exception(e *awsjson.Error) error {
	payload, ct, err := o.payload(e.Type, struct {
		Message string `json:"message"`
	}{e.Message})
	if err != nil {
		return err
	}
	var msg eventstream.Message
	msg.Headers.Set(":exception-type", eventstream.StringValue(e.Type))
	msg.Headers.Set(":message-type", eventstream.StringValue("exception"))
	msg.Headers.Set(":content-type", eventstream.StringValue(ct))
	msg.Payload = payload
	return o.write(msg)
}
