package cwlogs

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// MaxSubscriptionFilters is how many subscription filters a log group may
// have: two, as recorded from AWS (LocalStack's
// test_put_subscription_filter_limit_exceeded, 2026-02-06, refuses a
// third) and as the model's documentation says. A later third-party
// source reads the quotas page as five (aws-cloudformation/cfn-lint#4688,
// 2026-09); see docs/differences.md.
const MaxSubscriptionFilters = 2

// Destinations is where subscription filters deliver: the emulator's
// Firehose. Put puts one record into the Firehose stream streamARN as
// CloudWatch Logs does. An error wrapping ErrRetryable (throttling, a 5xx)
// is retried; any other error drops the record, as CloudWatch Logs does
// for non-retryable errors.
type Destinations interface {
	Put(streamARN string, record []byte) error
}

// ErrRetryable marks a Destinations error that CloudWatch Logs retries
// (throttling, a service error) rather than dropping the record.
var ErrRetryable = errors.New("retryable")

// subFilter is a subscription filter. It is persisted with its group (the
// JSON names are those of the journal of earlier releases, and of the state
// store).
type subFilter struct {
	Name         string `json:"n"`
	Pattern      string `json:"p"`
	Dest         string `json:"d"`
	Role         string `json:"r,omitempty"`
	Distribution string `json:"dist,omitempty"`
	Transformed  bool   `json:"tr,omitempty"` // applyOnTransformedLogs
	Created      int64  `json:"c"`

	pattern *filterPattern // parsed Pattern; nil matches nothing
}

// parse sets f.pattern from f.Pattern.
func (f *subFilter) parse() error {
	p, err := parseFilterPattern(f.Pattern)
	if err != nil {
		return err
	}
	f.pattern = p
	return nil
}

func (f *subFilter) match(msg string) bool { return f.pattern != nil && f.pattern.match(msg) }

// cloneFilters copies a group's filters (they are shared by value: a filter
// never changes once stored, it is replaced).
func cloneFilters(fs []*subFilter) []*subFilter { return slices.Clone(fs) }

// parseFilters parses the patterns of a stored group's subscription
// filters; one that no longer parses matches nothing, with a warning.
func (s *Store) parseFilters(group string, fs []*subFilter) []*subFilter {
	fs = slices.DeleteFunc(fs, func(f *subFilter) bool { return f == nil })
	for _, f := range fs {
		if err := f.parse(); err != nil {
			s.opts.Logger.Warn("cwlogs: a subscription filter's pattern no longer parses; it matches nothing", "group", group, "filter", f.Name, "error", err)
		}
	}
	return fs
}

var (
	errNoSubFilter = awsjson.NewError(errResourceNotFound, "The specified subscription filter does not exist.")
	errSubLimit    = awsjson.NewError(errLimitExceeded, "Resource limit exceeded.")
	errTestMessage = invalidParameter("Could not deliver test message to specified Firehose stream. Check if the given Firehose stream is in ACTIVE state.")
)

// controlMessage is the health check CloudWatch Logs sends to a Firehose
// stream when a subscription filter is put (shared/spec/firehose-pipeline.md
// §3.2), at time ts (epoch ms).
func controlMessage(ts int64) []byte {
	return appendMessage(nil, "CONTROL_MESSAGE", "CloudwatchLogs", "", "", nil, []subEvent{{ts: ts, msg: "CWL CONTROL MESSAGE: Checking health of destination Firehose."}}, true)
}

// checkDestination applies CloudWatch Logs' rules on a destination ARN and
// the role that goes with it, and refuses by name the destinations
// firehose-local does not deliver to yet.
func checkDestination(dest, role string) *awsjson.Error {
	parts := strings.SplitN(dest, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || parts[2] == "" {
		// Not an ARN: AWS's wording is not known.
		return invalidParameter("destinationArn is not a valid ARN: %s", dest)
	}
	vendor := parts[2]
	switch vendor {
	case "firehose", "kinesis":
		if role == "" {
			return invalidParameter("destinationArn for vendor %s cannot be used without roleArn", vendor)
		}
	case "lambda":
		if role != "" {
			return invalidParameter("destinationArn for vendor lambda cannot be used with roleArn")
		}
	case "logs":
	default:
		return invalidParameter("PutSubscriptionFilter operation cannot work with destinationArn for vendor %s", vendor)
	}
	switch vendor {
	case "kinesis":
		return invalidParameter("firehose-local does not support subscription filters delivering to Kinesis Data Streams yet.")
	case "lambda":
		return invalidParameter("firehose-local does not support subscription filters delivering to Lambda functions yet.")
	case "logs":
		return invalidParameter("firehose-local does not support subscription filters delivering to CloudWatch Logs destinations (cross-account) yet.")
	}
	return nil
}

func (a *API) putSubscriptionFilter(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName           string   `json:"logGroupName"`
		FilterName             string   `json:"filterName"`
		FilterPattern          string   `json:"filterPattern"`
		DestinationArn         string   `json:"destinationArn"`
		RoleArn                string   `json:"roleArn"`
		Distribution           string   `json:"distribution"`
		ApplyOnTransformedLogs bool     `json:"applyOnTransformedLogs"`
		FieldSelectionCriteria string   `json:"fieldSelectionCriteria"`
		EmitSystemFields       []string `json:"emitSystemFields"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	f := &subFilter{
		Name: in.FilterName, Pattern: in.FilterPattern, Dest: in.DestinationArn, Role: in.RoleArn,
		Distribution: cmp.Or(in.Distribution, "ByLogStream"), Transformed: in.ApplyOnTransformedLogs,
	}
	if err := f.parse(); err != nil {
		if u := (*errFilterUnsupported)(nil); errors.As(err, &u) {
			return nil, invalidParameter("firehose-local does not support %s yet.", u.what)
		}
		return nil, invalidParameter("%s", err.Error())
	}
	if err := checkDestination(in.DestinationArn, in.RoleArn); err != nil {
		return nil, err
	}
	// These select or add system fields for centralized (cross-account,
	// cross-region) logs; refused rather than accepted and ignored.
	if in.FieldSelectionCriteria != "" {
		return nil, invalidParameter("firehose-local does not support fieldSelectionCriteria in subscription filters yet.")
	}
	if len(in.EmitSystemFields) > 0 {
		return nil, invalidParameter("firehose-local does not support emitSystemFields in subscription filters yet.")
	}
	s := a.store
	check := func() (*group, int, *awsjson.Error) {
		g := s.groups[in.LogGroupName]
		if g == nil {
			return nil, -1, errNoGroup
		}
		i := slices.IndexFunc(g.subs, func(x *subFilter) bool { return x.Name == f.Name })
		if i < 0 && len(g.subs) >= MaxSubscriptionFilters {
			return nil, -1, errSubLimit
		}
		return g, i, nil
	}
	s.mu.RLock()
	_, _, err := check()
	now := s.nowMS()
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	// CloudWatch Logs checks the destination by delivering a test message,
	// on every call. It is sent without the store's lock: Firehose may log
	// to CloudWatch Logs while it takes the record.
	if s.opts.Subscriptions == nil || s.opts.Subscriptions.Put(f.Dest, gzipMember(controlMessage(now))) != nil {
		return nil, errTestMessage
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, i, err := check()
	if err != nil {
		return nil, err
	}
	f.Created = s.nowMS()
	subs := cloneFilters(g.subs)
	if i >= 0 {
		f.Created = subs[i].Created // an update keeps the filter's creation time
		subs[i] = f
	} else {
		subs = append(subs, f)
	}
	g.subs = subs
	s.persistGroup(g.name)
	return empty{}, nil
}

type subFilterOut struct {
	FilterName             string `json:"filterName"`
	LogGroupName           string `json:"logGroupName"`
	FilterPattern          string `json:"filterPattern"`
	DestinationArn         string `json:"destinationArn"`
	RoleArn                string `json:"roleArn,omitempty"`
	Distribution           string `json:"distribution"`
	ApplyOnTransformedLogs bool   `json:"applyOnTransformedLogs"`
	CreationTime           int64  `json:"creationTime"`
}

func (a *API) describeSubscriptionFilters(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName     string  `json:"logGroupName"`
		FilterNamePrefix *string `json:"filterNamePrefix"`
		NextToken        *string `json:"nextToken"`
		Limit            *int    `json:"limit"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	after, ok := afterName(in.NextToken, "dsf1")
	if !ok {
		return nil, errBadToken
	}
	limit := pageLimit(in.Limit, maxListLimit)
	s := a.store
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.groups[in.LogGroupName]
	if g == nil {
		return nil, errNoGroup
	}
	subs := cloneFilters(g.subs)
	// ASCII-sorted by filter name, as the API reference says.
	slices.SortFunc(subs, func(x, y *subFilter) int { return cmp.Compare(x.Name, y.Name) })
	out := struct {
		SubscriptionFilters []subFilterOut `json:"subscriptionFilters"`
		NextToken           string         `json:"nextToken,omitempty"`
	}{SubscriptionFilters: []subFilterOut{}}
	for _, f := range subs {
		if in.NextToken != nil && f.Name <= after ||
			in.FilterNamePrefix != nil && !strings.HasPrefix(f.Name, *in.FilterNamePrefix) {
			continue
		}
		if len(out.SubscriptionFilters) == limit {
			out.NextToken = opaqueToken("dsf1", out.SubscriptionFilters[limit-1].FilterName)
			break
		}
		out.SubscriptionFilters = append(out.SubscriptionFilters, subFilterOut{
			FilterName: f.Name, LogGroupName: g.name, FilterPattern: f.Pattern, DestinationArn: f.Dest,
			RoleArn: f.Role, Distribution: f.Distribution, ApplyOnTransformedLogs: f.Transformed, CreationTime: f.Created,
		})
	}
	return out, nil
}

func (a *API) deleteSubscriptionFilter(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
		FilterName   string `json:"filterName"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return a.updateGroup(in.LogGroupName, func(_ *Store, g *group) *awsjson.Error {
		i := slices.IndexFunc(g.subs, func(x *subFilter) bool { return x.Name == in.FilterName })
		if i < 0 {
			return errNoSubFilter
		}
		g.subs = slices.Delete(cloneFilters(g.subs), i, i+1)
		return nil
	})
}

// publish hands the events of batch (just stored in st) that st's group's
// subscription filters match to the delivery queue; the caller holds mu.
func (s *Store) publish(st *stream, batch []event) {
	if len(st.group.subs) == 0 || s.sender == nil {
		return
	}
	for _, f := range st.group.subs {
		var evs []subEvent
		var size int64
		for i := range batch {
			e := &batch[i]
			if f.match(e.msg) {
				evs = append(evs, subEvent{ts: e.ts, seq: e.seq, msg: e.msg})
				size += eventSize(e.msg)
			}
		}
		if len(evs) > 0 {
			s.sender.enqueue(&subItem{dest: f.Dest, filter: f.Name, group: st.group.name, stream: st.name, events: evs, size: size})
		}
	}
}
