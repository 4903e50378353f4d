package cwlogs

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// maxListLimit is DescribeLogGroups' and DescribeLogStreams' page size
// (and the model's maximum).
const maxListLimit = 50

// maxTags is how many tags a log group can have.
const maxTags = 50

// retentionDays are the values PutRetentionPolicy accepts.
var retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

type logGroupOut struct {
	LogGroupName              string `json:"logGroupName"`
	CreationTime              int64  `json:"creationTime"`
	RetentionInDays           *int   `json:"retentionInDays,omitempty"`
	MetricFilterCount         *int   `json:"metricFilterCount,omitempty"`
	Arn                       string `json:"arn"`
	StoredBytes               *int64 `json:"storedBytes,omitempty"`
	KmsKeyID                  string `json:"kmsKeyId,omitempty"`
	LogGroupClass             string `json:"logGroupClass,omitempty"`
	LogGroupArn               string `json:"logGroupArn,omitempty"`
	DeletionProtectionEnabled *bool  `json:"deletionProtectionEnabled,omitempty"`
}

type logStreamOut struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   *int64 `json:"lastIngestionTime,omitempty"`
	UploadSequenceToken string `json:"uploadSequenceToken,omitempty"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"` // always 0, as AWS since 2019
}

type empty struct{}

func (a *API) createLogGroup(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName              string            `json:"logGroupName"`
		KmsKeyID                  string            `json:"kmsKeyId"`
		Tags                      map[string]string `json:"tags"`
		LogGroupClass             string            `json:"logGroupClass"`
		DeletionProtectionEnabled bool              `json:"deletionProtectionEnabled"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if strings.HasPrefix(in.LogGroupName, "aws/") {
		return nil, invalidParameter("Log group names cannot start with 'aws/'.")
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.createGroup(in.LogGroupName, groupAttrs{
		class: in.LogGroupClass, kmsKeyID: in.KmsKeyID, tags: in.Tags, protected: in.DeletionProtectionEnabled,
	}, s.nowMS())
	switch err {
	case errGroupExists:
		return nil, errGroupDup
	case errTooManyGroups:
		return nil, errGroupLimit
	}
	return empty{}, nil
}

func (a *API) deleteLogGroup(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[in.LogGroupName]
	if g == nil {
		return nil, errNoGroup
	}
	if g.protected {
		return nil, errProtectedDel
	}
	s.deleteGroup(g)
	return empty{}, nil
}

func (a *API) describeLogGroups(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupNamePrefix  *string  `json:"logGroupNamePrefix"`
		LogGroupNamePattern *string  `json:"logGroupNamePattern"`
		NextToken           *string  `json:"nextToken"`
		Limit               *int     `json:"limit"`
		LogGroupClass       string   `json:"logGroupClass"`
		LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != nil && in.LogGroupNamePattern != nil {
		return nil, invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	if in.LogGroupIdentifiers != nil && (in.LogGroupNamePrefix != nil || in.LogGroupNamePattern != nil || in.LogGroupClass != "") {
		return nil, invalidParameter("logGroupIdentifiers cannot be combined with logGroupNamePrefix, logGroupNamePattern or logGroupClass.")
	}
	after, ok := afterName(in.NextToken, "dlg1")
	if !ok {
		return nil, errBadToken
	}
	limit := pageLimit(in.Limit, maxListLimit)
	var ids map[string]bool
	if in.LogGroupIdentifiers != nil {
		ids = map[string]bool{}
		for _, id := range in.LogGroupIdentifiers {
			ids[groupNameFromIdentifier(id)] = true
		}
	}
	s := a.store
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := struct {
		LogGroups []logGroupOut `json:"logGroups"`
		NextToken string        `json:"nextToken,omitempty"`
	}{LogGroups: []logGroupOut{}}
	for _, g := range s.sortedGroups() {
		switch {
		case in.NextToken != nil && g.name <= after,
			in.LogGroupNamePrefix != nil && !strings.HasPrefix(g.name, *in.LogGroupNamePrefix),
			in.LogGroupNamePattern != nil && !strings.Contains(g.name, *in.LogGroupNamePattern),
			in.LogGroupClass != "" && g.class != in.LogGroupClass,
			ids != nil && !ids[g.name]:
			continue
		}
		if len(out.LogGroups) == limit {
			out.NextToken = opaqueToken("dlg1", out.LogGroups[limit-1].LogGroupName)
			break
		}
		out.LogGroups = append(out.LogGroups, a.describeGroup(c.region, g, in.LogGroupNamePattern != nil))
	}
	return out, nil
}

// describeGroup renders g; brief (for logGroupNamePattern) keeps only
// arn, creationTime, logGroupArn, logGroupClass, logGroupName and
// metricFilterCount, as AWS does (recorded 2026-02-03: LocalStack's
// test_describe_log_groups_with_pattern).
func (a *API) describeGroup(region string, g *group, brief bool) logGroupOut {
	arn := a.groupARN(region, g.name)
	zero := 0
	out := logGroupOut{LogGroupName: g.name, CreationTime: g.created, Arn: arn + ":*", LogGroupArn: arn, LogGroupClass: g.class, MetricFilterCount: &zero}
	if brief {
		return out
	}
	var stored int64
	for _, st := range g.streams {
		stored += st.bytes - int64(len(st.events))*eventOverhead
	}
	out.StoredBytes = &stored
	if g.retention > 0 {
		out.RetentionInDays = &g.retention
	}
	out.KmsKeyID = g.kmsKeyID
	out.DeletionProtectionEnabled = &g.protected
	return out
}

func (a *API) createLogStream(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[in.LogGroupName]
	if g == nil {
		return nil, errNoGroup
	}
	if g.streams[in.LogStreamName] != nil {
		return nil, errStreamDup
	}
	s.createStream(g, in.LogStreamName, s.nowMS())
	return empty{}, nil
}

func (a *API) deleteLogStream(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[in.LogGroupName]
	if g == nil {
		return nil, errNoGroup
	}
	st := g.streams[in.LogStreamName]
	if st == nil {
		return nil, errNoStream
	}
	if g.protected {
		return nil, awsjson.NewError(errValidation, "The log group has deletion protection enabled. Disable deletion protection before deleting its log streams.")
	}
	s.deleteStream(st)
	return empty{}, nil
}

func (a *API) describeLogStreams(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName        *string `json:"logGroupName"`
		LogGroupIdentifier  *string `json:"logGroupIdentifier"`
		LogStreamNamePrefix *string `json:"logStreamNamePrefix"`
		OrderBy             string  `json:"orderBy"`
		Descending          bool    `json:"descending"`
		NextToken           *string `json:"nextToken"`
		Limit               *int    `json:"limit"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, perr := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if perr != nil {
		return nil, perr
	}
	byTime := in.OrderBy == "LastEventTime"
	if byTime && in.LogStreamNamePrefix != nil {
		return nil, invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	order := "n"
	if byTime {
		order = "t"
	}
	if in.Descending {
		order += "d"
	}
	type key struct {
		t    int64
		name string
	}
	cmpKey := func(x, y key) int {
		c := 0
		if byTime {
			c = cmp.Compare(x.t, y.t)
		}
		if c == 0 {
			c = cmp.Compare(x.name, y.name)
		}
		if in.Descending {
			c = -c
		}
		return c
	}
	var after *key
	if in.NextToken != nil {
		parts, ok := parseOpaqueToken(*in.NextToken, 4)
		if !ok || parts[0] != "dls1" || parts[1] != order {
			return nil, errBadToken
		}
		t, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			return nil, errBadToken
		}
		after = &key{t, parts[3]}
	}
	limit := pageLimit(in.Limit, maxListLimit)
	s := a.store
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.groups[name]
	if g == nil {
		return nil, errNoGroup
	}
	keyOf := func(st *stream) key {
		if byTime && st.hasEvents {
			return key{st.lastTS, st.name}
		}
		return key{0, st.name}
	}
	var streams []*stream
	for _, st := range g.streams {
		if in.LogStreamNamePrefix != nil && !strings.HasPrefix(st.name, *in.LogStreamNamePrefix) {
			continue
		}
		if after != nil && cmpKey(keyOf(st), *after) <= 0 {
			continue
		}
		streams = append(streams, st)
	}
	slices.SortFunc(streams, func(x, y *stream) int { return cmpKey(keyOf(x), keyOf(y)) })
	out := struct {
		LogStreams []logStreamOut `json:"logStreams"`
		NextToken  string         `json:"nextToken,omitempty"`
	}{LogStreams: []logStreamOut{}}
	if len(streams) > limit {
		last := keyOf(streams[limit-1])
		out.NextToken = opaqueToken("dls1", order, strconv.FormatInt(last.t, 10), last.name)
		streams = streams[:limit]
	}
	for _, st := range streams {
		out.LogStreams = append(out.LogStreams, a.describeStream(c.region, st))
	}
	return out, nil
}

func (a *API) describeStream(region string, st *stream) logStreamOut {
	out := logStreamOut{
		LogStreamName: st.name,
		CreationTime:  st.created,
		Arn:           a.groupARN(region, st.group.name) + ":log-stream:" + st.name,
	}
	if st.hasEvents {
		first, last, ingest := st.firstTS, st.lastTS, st.lastIngest
		out.FirstEventTimestamp, out.LastEventTimestamp, out.LastIngestionTime = &first, &last, &ingest
		out.UploadSequenceToken = sequenceToken(st)
	}
	return out
}

// sequenceToken is the (ignored, as in AWS since 2023) sequence token
// PutLogEvents returns and DescribeLogStreams shows.
func sequenceToken(st *stream) string { return fmt.Sprintf("%056d", st.puts) }

func (a *API) putRetentionPolicy(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName    string `json:"logGroupName"`
		RetentionInDays int    `json:"retentionInDays"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !slices.Contains(retentionDays, in.RetentionInDays) {
		vals := make([]string, len(retentionDays))
		for i, d := range retentionDays {
			vals[i] = strconv.Itoa(d)
		}
		v := awsjson.Violation(strconv.Itoa(in.RetentionInDays), "retentionInDays", "satisfy enum value set: ["+strings.Join(vals, ", ")+"]")
		return nil, invalidParameter("%s", awsjson.ValidationError([]string{v}).Message)
	}
	return a.updateGroup(in.LogGroupName, func(s *Store, g *group) *awsjson.Error {
		g.retention = in.RetentionInDays
		for _, st := range g.streams {
			s.expire(st)
		}
		return nil
	})
}

func (a *API) deleteRetentionPolicy(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return a.updateGroup(in.LogGroupName, func(_ *Store, g *group) *awsjson.Error {
		g.retention = 0
		return nil
	})
}

func (a *API) putDeletionProtection(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupIdentifier        string `json:"logGroupIdentifier"`
		DeletionProtectionEnabled bool   `json:"deletionProtectionEnabled"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return a.updateGroup(groupNameFromIdentifier(in.LogGroupIdentifier), func(_ *Store, g *group) *awsjson.Error {
		g.protected = in.DeletionProtectionEnabled
		return nil
	})
}

// updateGroup changes a group's attributes under the lock and persists
// them.
func (a *API) updateGroup(name string, fn func(*Store, *group) *awsjson.Error) (any, *awsjson.Error) {
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[name]
	if g == nil {
		return nil, errNoGroup
	}
	if err := fn(s, g); err != nil {
		return nil, err
	}
	s.persistGroup(g.name)
	return empty{}, nil
}

// groupFromARN resolves a tagging resourceArn: only log groups have tags
// here.
func groupFromARN(arn string) (string, *awsjson.Error) {
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":log-group:") {
		return "", awsjson.NewError(errResourceNotFound, "The specified resource does not exist.")
	}
	return groupNameFromIdentifier(arn), nil
}

type tagsOut struct {
	Tags map[string]string `json:"tags"`
}

func (a *API) listTags(name string) (any, *awsjson.Error) {
	s := a.store
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.groups[name]
	if g == nil {
		return nil, errNoGroup
	}
	tags := maps.Clone(g.tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return tagsOut{tags}, nil
}

func (a *API) setTags(name string, add map[string]string, remove []string) (any, *awsjson.Error) {
	return a.updateGroup(name, func(_ *Store, g *group) *awsjson.Error {
		tags := maps.Clone(g.tags)
		if tags == nil {
			tags = map[string]string{}
		}
		maps.Copy(tags, add)
		for _, k := range remove {
			delete(tags, k)
		}
		if len(tags) > maxTags {
			return awsjson.NewError(errTooManyTags, "A resource can have no more than %d tags.", maxTags)
		}
		g.tags = tags
		return nil
	})
}

func (a *API) listTagsForResource(c *call) (any, *awsjson.Error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, err := groupFromARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return a.listTags(name)
}

func (a *API) tagResource(c *call) (any, *awsjson.Error) {
	var in struct {
		ResourceArn string            `json:"resourceArn"`
		Tags        map[string]string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, err := groupFromARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return a.setTags(name, in.Tags, nil)
}

func (a *API) untagResource(c *call) (any, *awsjson.Error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, err := groupFromARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return a.setTags(name, nil, in.TagKeys)
}

func (a *API) listTagsLogGroup(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return a.listTags(in.LogGroupName)
}

func (a *API) tagLogGroup(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName string            `json:"logGroupName"`
		Tags         map[string]string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return a.setTags(in.LogGroupName, in.Tags, nil)
}

func (a *API) untagLogGroup(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName string   `json:"logGroupName"`
		Tags         []string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	return a.setTags(in.LogGroupName, nil, in.Tags)
}
