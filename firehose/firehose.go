package firehose

import (
	"encoding/json"
	"maps"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// firehoseOp runs one control-plane operation on a validated request.
type firehoseOp func(s *Service, region string, body []byte, doc map[string]any) (any, *awsjson.Error)

var firehoseOps = map[string]firehoseOp{
	"CreateDeliveryStream":          (*Service).createDeliveryStream,
	"DescribeDeliveryStream":        (*Service).describeDeliveryStream,
	"ListDeliveryStreams":           (*Service).listDeliveryStreams,
	"DeleteDeliveryStream":          (*Service).deleteDeliveryStream,
	"UpdateDestination":             (*Service).updateDestination,
	"TagDeliveryStream":             (*Service).tagDeliveryStream,
	"UntagDeliveryStream":           (*Service).untagDeliveryStream,
	"ListTagsForDeliveryStream":     (*Service).listTagsForDeliveryStream,
	"StartDeliveryStreamEncryption": (*Service).startDeliveryStreamEncryption,
	"StopDeliveryStreamEncryption":  (*Service).stopDeliveryStreamEncryption,
}

type empty struct{}

func decodeInto(body []byte, v any) *awsjson.Error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return awsjson.NewError(awsjson.ErrSerialization, "Could not parse the request body: %s", err)
	}
	return nil
}

func (s *Service) arn(region, name string) string {
	return "arn:aws:firehose:" + region + ":" + s.account + ":deliverystream/" + name
}

// lookup returns the named stream, removing it first if its deletion has
// completed. The caller holds s.mu.
func (s *Service) lookup(region, name string) (*stream, *awsjson.Error) {
	st := s.streams[region][name]
	if st != nil && st.deleting && !s.clock.Now().Before(st.goneAt) {
		s.remove(st)
		st = nil
	}
	if st == nil {
		return nil, protocol.NotFound(name, s.account)
	}
	return st, nil
}

func (s *Service) remove(st *stream) {
	delete(s.streams[st.region], st.name)
	if st.pipe != nil {
		st.pipe.Discard()
	}
	if st.kinesis != nil {
		st.kinesis.stop()
	}
}

func (s *Service) createDeliveryStream(region string, body []byte, doc map[string]any) (any, *awsjson.Error) {
	var in protocol.CreateDeliveryStreamInput
	if err := decodeInto(body, &in); err != nil {
		return nil, err
	}
	dests := protocol.DestinationMembers(doc, "DestinationConfiguration")
	if len(dests) != 1 {
		return nil, awsjson.NewError(awsjson.ErrInvalidArgument, "Exactly one destination configuration is supported for a Firehose")
	}
	if err := protocol.CheckSupported(s.model(), "CreateDeliveryStreamInput", doc, reflect.TypeOf(in)); err != nil {
		return nil, err
	}
	if in.KinesisStreamSourceConfiguration != nil && s.cfg.Kinesis == nil {
		// As before there was a Kinesis service: refused by the member's name.
		return nil, protocol.Unsupported("KinesisStreamSourceConfiguration")
	}
	typ := in.DeliveryStreamType
	if typ == "" {
		typ = "DirectPut"
	}
	if typ != "DirectPut" && typ != typeKinesisSource {
		return nil, protocol.Unsupported("DeliveryStreamType " + typ)
	}
	var dest destination
	search, searchErr := createOpenSearch(&in)
	if searchErr != nil {
		return nil, searchErr
	}
	switch {
	case search != nil:
		dest.OpenSearch = search
	case in.HttpEndpointDestinationConfiguration != nil:
		h := *in.HttpEndpointDestinationConfiguration
		if err := delivery.CheckHTTP(&h); err != nil {
			return nil, err
		}
		if err := delivery.CheckEndpointURL(h.EndpointConfiguration.Url, "httpEndpointDestinationConfiguration.endpointConfiguration.url"); err != nil {
			return nil, err
		}
		dest.HTTP = &h
	case in.SplunkDestinationConfiguration != nil:
		h := *in.SplunkDestinationConfiguration
		if err := checkSplunk(&h); err != nil {
			return nil, err
		}
		dest.Splunk = &h
	case in.RedshiftDestinationConfiguration != nil:
		r := *in.RedshiftDestinationConfiguration
		if err := checkRedshiftCreate(&r); err != nil {
			return nil, err
		}
		dest.Redshift = &r
	case in.ExtendedS3DestinationConfiguration != nil:
		d := *in.ExtendedS3DestinationConfiguration
		dest.S3 = &d
	default:
		d := delivery.ExtendedS3(in.S3DestinationConfiguration)
		dest.S3 = &d
	}
	if dest.S3 != nil {
		if err := delivery.CheckS3(dest.S3); err != nil {
			return nil, err
		}
		if err := s.checkSchema(region, *dest.S3); err != nil {
			return nil, err
		}
	}
	var src *kinesisSource
	var start map[string]shardPos
	if typ == typeKinesisSource {
		var err *awsjson.Error
		if src, start, err = s.checkKinesisSource(&in); err != nil {
			return nil, err
		}
	}
	sse, err := sseInput(in.DeliveryStreamEncryptionConfigurationInput)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if existing, _ := s.lookup(region, in.DeliveryStreamName); existing != nil {
		return nil, awsjson.NewError(awsjson.ErrResourceInUse, "Firehose %s under accountId %s already exists", in.DeliveryStreamName, s.account)
	}
	if len(s.streams[region]) >= maxStreamsPerRegion {
		return nil, awsjson.NewError(awsjson.ErrLimitExceeded, "You have already consumed your firehose quota of %d hoses.", maxStreamsPerRegion)
	}
	st := &stream{
		name: in.DeliveryStreamName, region: region, arn: s.arn(region, in.DeliveryStreamName), typ: typ, incarnation: newIncarnation(),
		createdAt: now, readyAt: now.Add(s.cfg.TransitionDelay), version: 1, dest: dest,
		tags: map[string]*string{},
	}
	if src == nil {
		st.source = in.DirectPutSourceConfiguration
	}
	for _, t := range in.Tags {
		st.tags[t.Key] = t.Value
	}
	if sse != nil {
		st.sse = *sse
		st.sse.changedAt = now
	}
	if s.streams[region] == nil {
		s.streams[region] = map[string]*stream{}
	}
	s.streams[region][st.name] = st
	source := ""
	if src != nil {
		source = src.StreamARN
	}
	st.pipe = s.newPipeline(st, source)
	if src != nil {
		st.kinesis = s.newKinesisPoller(st, *src, start)
	}
	s.saveStreamsLocked()
	if st.kinesis != nil {
		st.kinesis.saveNow()
		st.kinesis.start()
	}
	return protocol.CreateDeliveryStreamOutput{DeliveryStreamARN: st.arn}, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// sseInput checks a DeliveryStreamEncryptionConfigurationInput.
func sseInput(in *protocol.DeliveryStreamEncryptionConfigurationInput) (*sseState, *awsjson.Error) {
	if in == nil {
		return nil, nil
	}
	switch {
	case in.KeyType == "CUSTOMER_MANAGED_CMK" && in.KeyARN == nil:
		return nil, awsjson.NewError(awsjson.ErrInvalidArgument, "KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.")
	case in.KeyType == "AWS_OWNED_CMK" && in.KeyARN != nil:
		return nil, awsjson.NewError(awsjson.ErrInvalidArgument, "KeyARN must not be specified when KeyType is AWS_OWNED_CMK.")
	}
	return &sseState{configured: true, enabled: true, keyType: in.KeyType, keyARN: in.KeyARN}, nil
}

func (s *Service) describeDeliveryStream(region string, body []byte, _ map[string]any) (any, *awsjson.Error) {
	var in protocol.DescribeDeliveryStreamInput
	if err := decodeInto(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.lookup(region, in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	d := st.describe(s.clock.Now(), s.cfg.TransitionDelay)
	if in.ExclusiveStartDestinationId != nil && *in.ExclusiveStartDestinationId >= DestinationID {
		d.Destinations = []protocol.DestinationDescription{}
	}
	return protocol.DescribeDeliveryStreamOutput{DeliveryStreamDescription: d}, nil
}

func (s *Service) listDeliveryStreams(region string, body []byte, _ map[string]any) (any, *awsjson.Error) {
	var in protocol.ListDeliveryStreamsInput
	if err := decodeInto(body, &in); err != nil {
		return nil, err
	}
	limit := 10
	if in.Limit != nil {
		limit = *in.Limit
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	names := []string{}
	for name := range s.streams[region] {
		st, err := s.lookup(region, name)
		if err != nil {
			continue
		}
		if in.DeliveryStreamType != nil && st.typ != *in.DeliveryStreamType {
			continue
		}
		if in.ExclusiveStartDeliveryStreamName != nil && name <= *in.ExclusiveStartDeliveryStreamName {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	out := protocol.ListDeliveryStreamsOutput{DeliveryStreamNames: names}
	if len(names) > limit {
		out.DeliveryStreamNames, out.HasMoreDeliveryStreams = names[:limit], true
	}
	return out, nil
}

func (s *Service) deleteDeliveryStream(region string, body []byte, _ map[string]any) (any, *awsjson.Error) {
	var in protocol.DeleteDeliveryStreamInput
	if err := decodeInto(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.lookup(region, in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if st.status(now) == StatusCreating {
		return nil, awsjson.NewError(awsjson.ErrResourceInUse, "Firehose %s under account %s is in CREATING state and cannot be deleted.", st.name, s.account)
	}
	if !st.deleting {
		st.deleting = true
		st.goneAt = now.Add(s.cfg.TransitionDelay)
		s.saveStreamsLocked()
		// AWS discards a deleted stream's buffered records.
		st.pipe.Discard()
		if st.kinesis != nil {
			st.kinesis.stop()
		}
	}
	if s.cfg.TransitionDelay == 0 {
		s.remove(st)
	}
	return empty{}, nil
}

func (s *Service) updateDestination(region string, body []byte, doc map[string]any) (any, *awsjson.Error) {
	var in protocol.UpdateDestinationInput
	if err := decodeInto(body, &in); err != nil {
		return nil, err
	}
	// A new endpoint URL is checked before taking the lock: the check may
	// resolve a host name.
	if u := in.HttpEndpointDestinationUpdate; u != nil && u.EndpointConfiguration != nil {
		if err := delivery.CheckEndpointURL(u.EndpointConfiguration.Url, "httpEndpointDestinationUpdate.endpointConfiguration.url"); err != nil {
			return nil, err
		}
	}
	if u := in.SplunkDestinationUpdate; u != nil && u.HECEndpoint != nil {
		if err := delivery.CheckHECEndpoint(*u.HECEndpoint); err != nil {
			return nil, err
		}
	}
	if err := checkOpenSearchUpdateEndpoint(&in); err != nil {
		return nil, err
	}
	if u := in.RedshiftDestinationUpdate; u != nil && u.ClusterJDBCURL != nil {
		if err := delivery.CheckJDBCURL(*u.ClusterJDBCURL, "redshiftDestinationUpdate.clusterJDBCURL"); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.lookup(region, in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	if status := st.status(s.clock.Now()); status != StatusActive {
		return nil, awsjson.NewError(awsjson.ErrResourceInUse, "Firehose %s under account %s is not ACTIVE (it is %s).", st.name, s.account, status)
	}
	if in.CurrentDeliveryStreamVersionId != strconv.Itoa(st.version) {
		return nil, awsjson.NewError(awsjson.ErrConcurrentModification,
			"Cannot update firehose: %s since the current version id: %d and the specified version id: %s do not match",
			st.name, st.version, in.CurrentDeliveryStreamVersionId)
	}
	if in.DestinationId != DestinationID {
		return nil, awsjson.NewError(awsjson.ErrInvalidArgument, "Destination Id %s not found for Firehose %s.", in.DestinationId, st.name)
	}
	updates := protocol.DestinationMembers(doc, "DestinationUpdate")
	if len(updates) != 1 {
		return nil, awsjson.NewError(awsjson.ErrInvalidArgument, "Exactly one destination update is supported for a Firehose")
	}
	if err := protocol.CheckSupported(s.model(), "UpdateDestinationInput", doc, reflect.TypeOf(in)); err != nil {
		return nil, err
	}
	next, err := s.mergeUpdate(st, updates[0], doc[updates[0]].(map[string]any))
	if err != nil {
		return nil, err
	}
	// Records buffered under the old configuration are delivered with it.
	st.pipe.Reconfigure(next, st.version+1)
	st.dest = next
	st.version++
	st.updatedAt = s.clock.Now()
	s.saveStreamsLocked()
	return empty{}, nil
}

// mergeUpdate applies the destination update named member to the stream's
// destination. An update of the same destination type merges into it; one of
// another type (S3 and HTTP endpoint, either way) replaces it and must carry
// every required member, as on AWS.
func (s *Service) mergeUpdate(st *stream, member string, update map[string]any) (destination, *awsjson.Error) {
	var next destination
	if next, ok, err := mergeOpenSearchUpdate(st, member, update); ok {
		return next, err
	}
	switch member {
	case "SplunkDestinationUpdate":
		return mergeSplunkUpdate(st, update)
	case "RedshiftDestinationUpdate":
		return s.mergeRedshift(st, update)
	case "HttpEndpointDestinationUpdate":
		cur := protocol.HttpEndpointDestinationConfiguration{}
		if st.dest.HTTP != nil {
			cur = *st.dest.HTTP
		} else if !hasMembers(update, "EndpointConfiguration") || !hasMembers(update, "S3Update", "RoleARN") || !hasMembers(update, "S3Update", "BucketARN") {
			return next, awsjson.NewError(awsjson.ErrInvalidArgument,
				"Changing the destination of Firehose %s to an HTTP endpoint requires HttpEndpointDestinationUpdate.EndpointConfiguration and S3Update with RoleARN and BucketARN.", st.name)
		}
		merged, err := mergeHTTPUpdate(cur, update)
		if err != nil {
			return next, err
		}
		if err := delivery.CheckHTTP(&merged); err != nil {
			return next, err
		}
		if st.dest.HTTP != nil && st.dest.HTTP.S3BackupMode == "AllData" && merged.S3BackupMode == "FailedDataOnly" {
			return next, awsjson.NewError(awsjson.ErrInvalidArgument, "S3BackupMode cannot be changed from AllData to FailedDataOnly.")
		}
		next.HTTP = &merged
	default: // ExtendedS3DestinationUpdate, S3DestinationUpdate
		cur := protocol.ExtendedS3DestinationConfiguration{}
		if st.dest.S3 != nil {
			cur = *st.dest.S3
		} else if !hasMembers(update, "RoleARN") || !hasMembers(update, "BucketARN") {
			return next, awsjson.NewError(awsjson.ErrInvalidArgument,
				"Changing the destination of Firehose %s to Amazon S3 requires %s.RoleARN and %s.BucketARN.", st.name, member, member)
		}
		merged, err := mergeS3Update(cur, update)
		if err != nil {
			return next, err
		}
		wasDP := st.dest.S3 != nil && delivery.DynamicPartitioning(*st.dest.S3)
		if isDP := delivery.DynamicPartitioning(merged); isDP && !wasDP {
			return next, awsjson.NewError(awsjson.ErrInvalidArgument, "Dynamic Partitioning can only be enabled when the Firehose stream is created.")
		} else if wasDP && !isDP {
			return next, awsjson.NewError(awsjson.ErrInvalidArgument, "Dynamic Partitioning cannot be disabled once it is enabled.")
		}
		if err := delivery.CheckS3(&merged); err != nil {
			return next, err
		}
		if err := s.checkSchema(st.region, merged); err != nil {
			return next, err
		}
		if st.dest.S3 != nil && st.dest.S3.S3BackupMode == "Enabled" && merged.S3BackupMode == "Disabled" {
			return next, awsjson.NewError(awsjson.ErrInvalidArgument, "S3BackupMode cannot be changed from Enabled to Disabled.")
		}
		next.S3 = &merged
	}
	return next, nil
}

// hasMembers reports whether the nested member path is present (non-null)
// in doc.
func hasMembers(doc map[string]any, path ...string) bool {
	var v any = doc
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[k]; !ok || v == nil {
			return false
		}
	}
	return true
}

// mergeHTTPUpdate merges an HTTP endpoint destination update into the
// current configuration, member by member; its S3Update merges into
// S3Configuration. Members the update omits keep their values, the
// EndpointConfiguration's AccessKey included.
func mergeHTTPUpdate(cur protocol.HttpEndpointDestinationConfiguration, update map[string]any) (protocol.HttpEndpointDestinationConfiguration, *awsjson.Error) {
	return mergeUpdate[protocol.HttpEndpointDestinationConfiguration](cur, update, s3UpdateRenames)
}

// mergeS3Update merges an S3 or ExtendedS3 destination update into the
// current configuration: members the update omits keep their values, and
// nested structures merge member by member.
func mergeS3Update(cur protocol.ExtendedS3DestinationConfiguration, update map[string]any) (protocol.ExtendedS3DestinationConfiguration, *awsjson.Error) {
	return mergeUpdate[protocol.ExtendedS3DestinationConfiguration](cur, update, map[string]string{"S3BackupUpdate": "S3BackupConfiguration"})
}

// s3UpdateRenames: a destination update's S3Update merges into the
// configuration's S3Configuration.
var s3UpdateRenames = map[string]string{"S3Update": "S3Configuration"}

// mergeUpdate merges a destination update into cur, the current
// configuration, through their JSON documents: the update's members named
// in renames first take their names in the configuration (S3Update:
// S3Configuration), then deepMerge merges it member by member (members the
// update omits or sets to null keep their values). It returns the merged
// document read as a T.
func mergeUpdate[T any](cur any, update map[string]any, renames map[string]string) (T, *awsjson.Error) {
	b, _ := json.Marshal(cur)
	var base map[string]any
	_ = json.Unmarshal(b, &base)
	if len(renames) > 0 {
		renamed := maps.Clone(update)
		for from, to := range renames {
			if v, ok := renamed[from]; ok {
				delete(renamed, from)
				renamed[to] = v
			}
		}
		update = renamed
	}
	deepMerge(base, update)
	b, _ = json.Marshal(base)
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		return out, awsjson.NewError(awsjson.ErrSerialization, "Could not merge the destination update: %s", err)
	}
	return out, nil
}

func deepMerge(dst, src map[string]any) {
	for k, v := range src {
		if v == nil {
			continue
		}
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				deepMerge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func (s *Service) tagDeliveryStream(region string, body []byte, _ map[string]any) (any, *awsjson.Error) {
	var in protocol.TagDeliveryStreamInput
	if err := decodeInto(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.lookup(region, in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	n := len(st.tags)
	for _, t := range in.Tags {
		if _, ok := st.tags[t.Key]; !ok {
			n++
		}
	}
	if n > maxTagsPerStream {
		return nil, awsjson.NewError(awsjson.ErrLimitExceeded, "Firehose %s under account %s would have %d tags; the limit is %d.", st.name, s.account, n, maxTagsPerStream)
	}
	for _, t := range in.Tags {
		st.tags[t.Key] = t.Value
	}
	s.saveStreamsLocked()
	return empty{}, nil
}

func (s *Service) untagDeliveryStream(region string, body []byte, _ map[string]any) (any, *awsjson.Error) {
	var in protocol.UntagDeliveryStreamInput
	if err := decodeInto(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.lookup(region, in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(st.tags, k)
	}
	s.saveStreamsLocked()
	return empty{}, nil
}

func (s *Service) listTagsForDeliveryStream(region string, body []byte, _ map[string]any) (any, *awsjson.Error) {
	var in protocol.ListTagsForDeliveryStreamInput
	if err := decodeInto(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.lookup(region, in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	tags := st.sortedTags()
	if in.ExclusiveStartTagKey != nil {
		i := sort.Search(len(tags), func(i int) bool { return tags[i].Key > *in.ExclusiveStartTagKey })
		tags = tags[i:]
	}
	out := protocol.ListTagsForDeliveryStreamOutput{Tags: tags}
	limit := maxTagsPerStream
	if in.Limit != nil {
		limit = *in.Limit
	}
	if len(tags) > limit {
		out.Tags, out.HasMoreTags = tags[:limit], true
	}
	return out, nil
}

func (s *Service) startDeliveryStreamEncryption(region string, body []byte, _ map[string]any) (any, *awsjson.Error) {
	var in protocol.StartDeliveryStreamEncryptionInput
	if err := decodeInto(body, &in); err != nil {
		return nil, err
	}
	cfg := in.DeliveryStreamEncryptionConfigurationInput
	if cfg == nil {
		cfg = &protocol.DeliveryStreamEncryptionConfigurationInput{KeyType: "AWS_OWNED_CMK"}
	}
	next, err := sseInput(cfg)
	if err != nil {
		return nil, err
	}
	return s.toggleSSE(region, in.DeliveryStreamName, next)
}

func (s *Service) stopDeliveryStreamEncryption(region string, body []byte, _ map[string]any) (any, *awsjson.Error) {
	var in protocol.StopDeliveryStreamEncryptionInput
	if err := decodeInto(body, &in); err != nil {
		return nil, err
	}
	return s.toggleSSE(region, in.DeliveryStreamName, nil)
}

// toggleSSE starts (next != nil) or stops server-side encryption, moving the
// status through ENABLING or DISABLING.
func (s *Service) toggleSSE(region, name string, next *sseState) (any, *awsjson.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.lookup(region, name)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if st.typ != "DirectPut" {
		return nil, awsjson.NewError(awsjson.ErrInvalidArgument, "Server-side encryption is only supported for DirectPut Firehose streams.")
	}
	if status := st.status(now); status != StatusActive {
		return nil, awsjson.NewError(awsjson.ErrResourceInUse, "Firehose %s under account %s is not ACTIVE (it is %s).", st.name, s.account, status)
	}
	switch st.sse.status(now, s.cfg.TransitionDelay) {
	case sseEnabling, sseDisabling:
		return nil, awsjson.NewError(awsjson.ErrResourceInUse, "Firehose %s under account %s is already changing its encryption status.", st.name, s.account)
	}
	recent := st.sse.toggles[:0]
	for _, t := range st.sse.toggles {
		if now.Sub(t) < 24*time.Hour {
			recent = append(recent, t)
		}
	}
	st.sse.toggles = recent
	if len(recent) >= maxSSEToggles {
		return nil, awsjson.NewError(awsjson.ErrLimitExceeded, "Firehose %s under account %s has reached the limit of %d StartDeliveryStreamEncryption and StopDeliveryStreamEncryption calls in 24 hours.", st.name, s.account, maxSSEToggles)
	}
	toggles := append(st.sse.toggles, now)
	if next != nil {
		st.sse = *next
	} else {
		if !st.sse.configured {
			st.sse.toggles = toggles
			s.saveStreamsLocked()
			return empty{}, nil
		}
		st.sse.enabled = false
	}
	st.sse.changedAt = now
	st.sse.toggles = toggles
	s.saveStreamsLocked()
	return empty{}, nil
}
