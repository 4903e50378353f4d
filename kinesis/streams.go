package kinesis

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

const (
	defaultRetention = 24   // hours
	maxRetention     = 8760 // hours
	// onDemandShards is the shard count of an ON_DEMAND stream. AWS starts
	// an on-demand stream with 4 shards and scales it with the traffic;
	// firehose-local keeps the 4.
	onDemandShards = 4
	// maxShards bounds a stream's open shards (AWS's limit is per account
	// and can be raised; this one keeps a typo from exhausting memory).
	maxShards = 10_000
)

// clone copies a stream's description (shards included, records shared)
// so that a change can be saved before it is made.
func (st *stream) clone() *stream {
	c := *st
	c.Tags = slices.Clone(st.Tags)
	c.Shards = make([]*shard, len(st.Shards))
	for i, sh := range st.Shards {
		cs := *sh
		c.Shards[i] = &cs
	}
	return &c
}

// save commits a changed copy of a stream, with more changes if given, and
// puts it in place.
func (s *Service) save(st *stream, more ...change) *awsjson.Error {
	if err := s.commit(append([]change{putStream(st)}, more...)...); err != nil {
		return err
	}
	s.streams[streamKey(st.Region, st.Name)] = st
	s.notify(st.Region, st.Name)
	return nil
}

func (s *Service) createStream(region string, in map[string]any) (any, *awsjson.Error) {
	name := str(in, "StreamName")
	if _, exists := s.streams[streamKey(region, name)]; exists {
		return nil, streamExists(name, s.opts.Account)
	}
	n := int(integer(in, "ShardCount", 0))
	// Neither a mode nor a shard count: AWS makes an ON_DEMAND stream of 4
	// shards (recorded, LocalStack's test_create_stream_without_shard_count).
	mode := "ON_DEMAND"
	if n > 0 {
		mode = "PROVISIONED"
	}
	if md, ok := in["StreamModeDetails"].(map[string]any); ok {
		mode = str(md, "StreamMode")
	}
	switch {
	case mode == "ON_DEMAND" && n > 0:
		return nil, invalidArgument("ShardCount is not allowed for a stream in ON_DEMAND mode.")
	case mode == "ON_DEMAND":
		n = onDemandShards
	case n == 0:
		return nil, invalidArgument("ShardCount is required for a stream in PROVISIONED mode.")
	case n > maxShards:
		return nil, awsjson.NewError(awsjson.ErrLimitExceeded, "firehose-local allows at most %d shards per stream; ShardCount was %d.", maxShards, n)
	}
	if mode == "ON_DEMAND" {
		if err := s.checkOnDemandQuota(region); err != nil {
			return nil, err
		}
	} else if err := s.checkShardQuota(region, n); err != nil {
		return nil, err
	}
	now := s.nowMS()
	st := &stream{Region: region, Name: name, Mode: mode, Created: now, Retention: defaultRetention, Encryption: "NONE",
		MaxRecordKiB: int(integer(in, "MaxRecordSizeInKiB", defaultMaxRecordKiB))}
	if tags, ok := in["Tags"].(map[string]any); ok {
		for k, v := range tags {
			vs, _ := v.(string)
			st.Tags = append(st.Tags, tag{k, vs})
		}
		sortTags(st.Tags)
	}
	starts, ends := tile(zero(), maxHashKey, n)
	for i := range n {
		sh := &shard{Index: i, Start: starts[i].String(), End: ends[i].String(), Created: now, log: &recordLog{}}
		sh.parse()
		st.Shards = append(st.Shards, sh)
	}
	return struct{}{}, s.save(st)
}

func (s *Service) deleteStream(region string, in map[string]any) (any, *awsjson.Error) {
	// A stream with registered consumers is deleted only with
	// EnforceConsumerDeletion, as AWS documents; the consumers go with it
	// and their subscriptions end.
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	if force, _ := in["EnforceConsumerDeletion"].(bool); len(st.Consumers) > 0 && !force {
		return nil, awsjson.NewError(awsjson.ErrResourceInUse,
			"Stream %s under account %s has registered consumers; delete them first or set EnforceConsumerDeletion.", st.Name, s.opts.Account)
	}
	if err := s.commit(deleteStream(st.Region, st.Name)); err != nil {
		return nil, err
	}
	delete(s.streams, streamKey(st.Region, st.Name))
	s.notify(st.Region, st.Name)
	return struct{}{}, nil
}

// Wire shapes of the answers.
type (
	hashKeyRange struct {
		StartingHashKey string
		EndingHashKey   string
	}
	seqRange struct {
		StartingSequenceNumber string
		EndingSequenceNumber   string `json:",omitempty"`
	}
	shardOut struct {
		ShardID               string `json:"ShardId"`
		ParentShardID         string `json:"ParentShardId,omitempty"`
		AdjacentParentShardID string `json:"AdjacentParentShardId,omitempty"`
		HashKeyRange          hashKeyRange
		SequenceNumberRange   seqRange
	}
	modeDetails struct{ StreamMode string }
	metrics     struct{ ShardLevelMetrics []string }
)

func (sh *shard) out() shardOut {
	o := shardOut{ShardID: sh.id(), ParentShardID: sh.Parent, AdjacentParentShardID: sh.Adjacent,
		HashKeyRange:        hashKeyRange{sh.Start, sh.End},
		SequenceNumberRange: seqRange{StartingSequenceNumber: sh.seq(0)}}
	if sh.Closed {
		o.SequenceNumberRange.EndingSequenceNumber = sh.seq(sh.Last)
	}
	return o
}

func (st *stream) openShards() int {
	n := 0
	for _, sh := range st.Shards {
		if !sh.Closed {
			n++
		}
	}
	return n
}

// Streams are ACTIVE from their creation: see the package doc.
const statusActive = "ACTIVE"

func (s *Service) describeStream(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	limit := int(integer(in, "Limit", 100))
	shards := st.Shards
	if after := str(in, "ExclusiveStartShardId"); after != "" {
		shards = slices.DeleteFunc(slices.Clone(shards), func(sh *shard) bool { return sh.id() <= after })
	}
	more := len(shards) > limit
	shards = shards[:min(limit, len(shards))]
	outs := make([]shardOut, 0, len(shards))
	for _, sh := range shards {
		outs = append(outs, sh.out())
	}
	type description struct {
		StreamName              string
		StreamARN               string
		StreamStatus            string
		StreamModeDetails       modeDetails
		Shards                  []shardOut
		HasMoreShards           bool
		RetentionPeriodHours    int
		StreamCreationTimestamp json.Number
		EnhancedMonitoring      []metrics
		EncryptionType          string
		KeyID                   string `json:"KeyId,omitempty"`
	}
	return struct{ StreamDescription description }{description{
		StreamName: st.Name, StreamARN: s.arn(st.Region, st.Name), StreamStatus: statusActive,
		StreamModeDetails: modeDetails{st.Mode}, Shards: outs, HasMoreShards: more,
		RetentionPeriodHours: st.Retention, StreamCreationTimestamp: epoch(st.Created),
		EnhancedMonitoring: enhancedMonitoring(st),
		EncryptionType:     st.Encryption, KeyID: st.KeyID,
	}}, nil
}

func (s *Service) describeStreamSummary(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	type summary struct {
		StreamName              string
		StreamARN               string
		StreamStatus            string
		StreamModeDetails       modeDetails
		RetentionPeriodHours    int
		StreamCreationTimestamp json.Number
		EnhancedMonitoring      []metrics
		EncryptionType          string
		KeyID                   string `json:"KeyId,omitempty"`
		OpenShardCount          int
		ConsumerCount           int
		MaxRecordSizeInKiB      int
	}
	return struct{ StreamDescriptionSummary summary }{summary{
		StreamName: st.Name, StreamARN: s.arn(st.Region, st.Name), StreamStatus: statusActive,
		StreamModeDetails: modeDetails{st.Mode}, RetentionPeriodHours: st.Retention,
		StreamCreationTimestamp: epoch(st.Created), EnhancedMonitoring: enhancedMonitoring(st),
		EncryptionType: st.Encryption, KeyID: st.KeyID, OpenShardCount: st.openShards(),
		ConsumerCount: len(st.Consumers), MaxRecordSizeInKiB: st.maxRecordKiB(),
	}}, nil
}

// streamNames lists the names of the streams of region, sorted.
func (s *Service) streamNames(region string) []string {
	var names []string
	for _, st := range s.streams {
		if st.Region == region {
			names = append(names, st.Name)
		}
	}
	slices.Sort(names)
	return names
}

// ListStreams pages names in order. A NextToken is the last name of its
// page, encoded: the next page starts after it.
func (s *Service) listStreams(region string, in map[string]any) (any, *awsjson.Error) {
	after := str(in, "ExclusiveStartStreamName")
	if tok := str(in, "NextToken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) == 0 {
			return nil, errBadToken
		}
		after = string(raw)
	}
	names := slices.DeleteFunc(s.streamNames(region), func(n string) bool { return n <= after })
	limit := int(integer(in, "Limit", 100))
	more := len(names) > limit
	names = names[:min(limit, len(names))]
	type summary struct {
		StreamName              string
		StreamARN               string
		StreamStatus            string
		StreamModeDetails       modeDetails
		StreamCreationTimestamp json.Number
	}
	out := struct {
		StreamNames     []string
		HasMoreStreams  bool
		NextToken       string `json:",omitempty"`
		StreamSummaries []summary
	}{StreamNames: names, HasMoreStreams: more, StreamSummaries: []summary{}}
	if names == nil {
		out.StreamNames = []string{}
	}
	for _, n := range names {
		st := s.streams[streamKey(region, n)]
		out.StreamSummaries = append(out.StreamSummaries, summary{n, s.arn(region, n), statusActive, modeDetails{st.Mode}, epoch(st.Created)})
	}
	if more {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(names[len(names)-1]))
	}
	return out, nil
}

func (s *Service) increaseRetention(region string, in map[string]any) (any, *awsjson.Error) {
	return s.setRetention(region, in, true)
}

func (s *Service) decreaseRetention(region string, in map[string]any) (any, *awsjson.Error) {
	return s.setRetention(region, in, false)
}

func (s *Service) setRetention(region string, in map[string]any, increase bool) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	h := int(integer(in, "RetentionPeriodHours", 0))
	switch {
	case h < defaultRetention:
		return nil, invalidArgument("Minimum allowed retention period is 24 hours. Requested retention period (%d hours) is too short.", h)
	case h > maxRetention:
		return nil, invalidArgument("Maximum allowed retention period is 8760 hours. Requested retention period (%d hours) is too long.", h)
	case increase && h < st.Retention:
		return nil, invalidArgument("Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", h, st.Name, st.Retention)
	case !increase && h > st.Retention:
		return nil, invalidArgument("Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", h, st.Name, st.Retention)
	}
	c := st.clone()
	c.Retention = h
	return struct{}{}, s.save(c)
}

// The largest record a stream takes: 1 MiB unless CreateStream or
// UpdateMaxRecordSize set it (1,024 to 10,240 KiB, which the model checks),
// as AWS documents for new and existing streams alike.
const defaultMaxRecordKiB = 1024

func (st *stream) maxRecordKiB() int {
	if st.MaxRecordKiB == 0 {
		return defaultMaxRecordKiB
	}
	return st.MaxRecordKiB
}

// maxRecordBytes is the most data a record of the stream may have.
func (st *stream) maxRecordBytes() int { return st.maxRecordKiB() << 10 }

// UpdateMaxRecordSize sets the largest record the stream takes from now
// on; records already put stay. Its input names the stream by StreamARN
// only (the model makes it optional because of StreamId, which is refused).
func (s *Service) updateMaxRecordSize(region string, in map[string]any) (any, *awsjson.Error) {
	arn, ok := in["StreamARN"].(string)
	if !ok {
		return nil, invalidArgument("UpdateMaxRecordSize needs a StreamARN.")
	}
	st, err := s.lookupBy(region, "", arn, true)
	if err != nil {
		return nil, err
	}
	c := st.clone()
	c.MaxRecordKiB = int(integer(in, "MaxRecordSizeInKiB", defaultMaxRecordKiB))
	return struct{}{}, s.save(c)
}

// A stream's mode may change twice in 24 hours, as AWS documents
// ("Switching between capacity modes").
const (
	modeSwitches     = 2
	modeSwitchWindow = 24 * 60 * 60 * 1000 // milliseconds
)

// UpdateStreamMode switches a stream between PROVISIONED and ON_DEMAND. The
// shards stay as they are (AWS keeps the shard count across a switch; an
// ON_DEMAND stream here never scales on its own, see CreateStream). A
// request for the mode the stream has changes nothing and is not counted.
func (s *Service) updateStreamMode(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookupBy(region, "", str(in, "StreamARN"), true) // required by the model
	if err != nil {
		return nil, err
	}
	md, _ := in["StreamModeDetails"].(map[string]any)
	mode := str(md, "StreamMode")
	if mode == st.Mode {
		return struct{}{}, nil
	}
	if mode == "ON_DEMAND" {
		if err := s.checkOnDemandQuota(st.Region); err != nil {
			return nil, err
		}
	}
	now := s.nowMS()
	var recent []int64
	for _, t := range st.ModeSwitches {
		if now-t < modeSwitchWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= modeSwitches {
		return nil, awsjson.NewError(awsjson.ErrLimitExceeded,
			"The capacity mode of stream %s under account %s can be switched at most %d times in 24 hours.", st.Name, s.opts.Account, modeSwitches)
	}
	c := st.clone()
	c.Mode = mode
	c.ModeSwitches = append(recent, now)
	return struct{}{}, s.save(c)
}

func sortTags(tags []tag) {
	slices.SortFunc(tags, func(a, b tag) int { return strings.Compare(a.Key, b.Key) })
}

// maxTags is the number of tags a stream may have.
const maxTags = 50

func (s *Service) addTags(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	c := st.clone()
	tags, _ := in["Tags"].(map[string]any)
	for k, v := range tags {
		vs, _ := v.(string)
		c.Tags = slices.DeleteFunc(c.Tags, func(t tag) bool { return t.Key == k })
		c.Tags = append(c.Tags, tag{k, vs})
	}
	if len(c.Tags) > maxTags {
		return nil, invalidArgument("A stream can have at most %d tags; this call would give stream %s %d.", maxTags, st.Name, len(c.Tags))
	}
	sortTags(c.Tags)
	return struct{}{}, s.save(c)
}

func (s *Service) removeTags(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	c := st.clone()
	keys, _ := in["TagKeys"].([]any)
	for _, k := range keys {
		c.Tags = slices.DeleteFunc(c.Tags, func(t tag) bool { return t.Key == k })
	}
	return struct{}{}, s.save(c)
}

func (s *Service) listTags(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	after := str(in, "ExclusiveStartTagKey")
	limit := int(integer(in, "Limit", maxTags))
	type tagOut struct {
		Key   string
		Value string
	}
	out := struct {
		Tags        []tagOut
		HasMoreTags bool
	}{Tags: []tagOut{}}
	for _, t := range st.Tags {
		if t.Key <= after && after != "" {
			continue
		}
		if len(out.Tags) == limit {
			out.HasMoreTags = true
			break
		}
		out.Tags = append(out.Tags, tagOut(t))
	}
	return out, nil
}

// StartStreamEncryption and StopStreamEncryption change what
// DescribeStream says (and what PutRecord answers); nothing is encrypted.
func (s *Service) startEncryption(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	c := st.clone()
	c.Encryption, c.KeyID = str(in, "EncryptionType"), str(in, "KeyId")
	return struct{}{}, s.save(c)
}

func (s *Service) stopEncryption(region string, in map[string]any) (any, *awsjson.Error) {
	st, err := s.lookup(region, in)
	if err != nil {
		return nil, err
	}
	c := st.clone()
	c.Encryption, c.KeyID = "NONE", ""
	return struct{}{}, s.save(c)
}
