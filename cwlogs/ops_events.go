package cwlogs

import (
	"container/heap"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// PutLogEvents' limits.
const (
	maxBatchBytes  = 1_048_576
	maxBatchSpan   = 24 * time.Hour
	maxEventAge    = 14 * 24 * time.Hour
	maxEventFuture = 2 * time.Hour
)

// maxPageEvents and maxPageBytes bound a page of GetLogEvents and
// FilterLogEvents: 10,000 events or 1 MB.
const (
	maxPageEvents = 10_000
	maxPageBytes  = 1 << 20
)

// descendingSince is the earliest startTime FilterLogEvents accepts with
// startFromHead=false (2024-01-01T00:00:00Z).
const descendingSince = 1704067200000

type rejectedInfo struct {
	TooNewLogEventStartIndex *int `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldLogEventEndIndex   *int `json:"tooOldLogEventEndIndex,omitempty"`
	ExpiredLogEventEndIndex  *int `json:"expiredLogEventEndIndex,omitempty"`
}

func (a *API) putLogEvents(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
		LogEvents     []struct {
			Timestamp int64  `json:"timestamp"`
			Message   string `json:"message"`
		} `json:"logEvents"`
		// sequenceToken is accepted and ignored, as AWS does since 2023.
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	size := 0
	for i, e := range in.LogEvents {
		size += len(e.Message) + eventOverhead
		if i > 0 && e.Timestamp < in.LogEvents[i-1].Timestamp {
			return nil, invalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	if size > maxBatchBytes {
		return nil, invalidParameter("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
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
	now := s.nowMS()
	tooOld := now - maxEventAge.Milliseconds()
	tooNew := now + maxEventFuture.Milliseconds()
	expired, hasRetention := s.retentionCutoff(g)
	var rej rejectedInfo
	var rejected bool
	batch := make([]event, 0, len(in.LogEvents))
	for i, e := range in.LogEvents {
		switch {
		case e.Timestamp > tooNew:
			if rej.TooNewLogEventStartIndex == nil {
				rej.TooNewLogEventStartIndex = &i
			}
		case e.Timestamp < tooOld:
			rej.TooOldLogEventEndIndex = &i
		case hasRetention && e.Timestamp < expired:
			rej.ExpiredLogEventEndIndex = &i
		default:
			batch = append(batch, event{ts: e.Timestamp, msg: e.Message})
			continue
		}
		rejected = true
	}
	if len(batch) > 0 && batch[len(batch)-1].ts-batch[0].ts > maxBatchSpan.Milliseconds() {
		return nil, invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	for i := range batch {
		s.seq++
		batch[i].seq = s.seq
		batch[i].ingest = now
	}
	s.putEvents(st, batch, true)
	s.publish(st, batch)
	out := struct {
		NextSequenceToken     string        `json:"nextSequenceToken"`
		RejectedLogEventsInfo *rejectedInfo `json:"rejectedLogEventsInfo,omitempty"`
	}{NextSequenceToken: sequenceToken(st)}
	if rejected {
		out.RejectedLogEventsInfo = &rej
	}
	return out, nil
}

type outputEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

func (a *API) getLogEvents(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName       *string `json:"logGroupName"`
		LogGroupIdentifier *string `json:"logGroupIdentifier"`
		LogStreamName      string  `json:"logStreamName"`
		StartTime          *int64  `json:"startTime"`
		EndTime            *int64  `json:"endTime"`
		NextToken          *string `json:"nextToken"`
		Limit              *int    `json:"limit"`
		StartFromHead      bool    `json:"startFromHead"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, perr := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if perr != nil {
		return nil, perr
	}
	forward := in.StartFromHead
	var from pos
	if in.NextToken != nil {
		var ok bool
		// The token's direction wins over startFromHead.
		if forward, from, ok = parseStreamToken(*in.NextToken); !ok {
			return nil, errBadToken
		}
	}
	limit := pageLimit(in.Limit, maxPageEvents)
	s := a.store
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.groups[name]
	if g == nil {
		return nil, errNoGroup
	}
	st := g.streams[in.LogStreamName]
	if st == nil {
		return nil, errNoStream
	}
	evs := st.events
	// The time range [startTime, endTime) within what retention keeps.
	lo, hi := 0, len(evs)
	start, hasStart := int64(0), false
	if in.StartTime != nil {
		start, hasStart = *in.StartTime, true
	}
	if cutoff, ok := s.retentionCutoff(g); ok && (!hasStart || cutoff > start) {
		start, hasStart = cutoff, true
	}
	if hasStart {
		lo = sort.Search(len(evs), func(i int) bool { return evs[i].ts >= start })
	}
	if in.EndTime != nil {
		end := *in.EndTime
		hi = sort.Search(len(evs), func(i int) bool { return evs[i].ts >= end })
	}
	hi = max(hi, lo)
	var page []event
	if forward {
		i := lo
		if in.NextToken != nil {
			i = max(i, sort.Search(len(evs), func(i int) bool { return cmpPos(evs[i].key(), from) > 0 }))
		}
		bytes := 0
		for ; i < hi && len(page) < limit; i++ {
			if bytes += int(eventSize(evs[i].msg)); bytes > maxPageBytes && len(page) > 0 {
				break
			}
			page = append(page, evs[i])
		}
	} else {
		j := hi // exclusive
		if in.NextToken != nil {
			j = min(j, sort.Search(len(evs), func(i int) bool { return cmpPos(evs[i].key(), from) >= 0 }))
		}
		i, bytes := j, 0
		for i > lo && j-i < limit {
			if bytes += int(eventSize(evs[i-1].msg)); bytes > maxPageBytes && j > i {
				break
			}
			i--
		}
		if i < j {
			page = evs[i:j]
		}
	}
	out := struct {
		Events            []outputEvent `json:"events"`
		NextForwardToken  string        `json:"nextForwardToken"`
		NextBackwardToken string        `json:"nextBackwardToken"`
	}{Events: make([]outputEvent, len(page))}
	for i, e := range page {
		out.Events[i] = outputEvent{Timestamp: e.ts, Message: e.msg, IngestionTime: e.ingest}
	}
	switch {
	case len(page) > 0:
		out.NextForwardToken = streamToken(true, page[len(page)-1].key())
		out.NextBackwardToken = streamToken(false, page[0].key())
	case in.NextToken != nil && forward:
		// The end of the stream: the same token again, which is how
		// clients know to stop (or to poll).
		out.NextForwardToken = *in.NextToken
		out.NextBackwardToken = streamToken(false, from.next())
	case in.NextToken != nil:
		out.NextBackwardToken = *in.NextToken
		out.NextForwardToken = streamToken(true, from.prev())
	default:
		// Nothing in range yet: forward from the start, backward from the
		// start (nothing before it).
		out.NextForwardToken = streamToken(true, pos{})
		out.NextBackwardToken = streamToken(false, pos{})
	}
	return out, nil
}

type filteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

func (a *API) filterLogEvents(c *call) (any, *awsjson.Error) {
	var in struct {
		LogGroupName        *string  `json:"logGroupName"`
		LogGroupIdentifier  *string  `json:"logGroupIdentifier"`
		LogStreamNames      []string `json:"logStreamNames"`
		LogStreamNamePrefix *string  `json:"logStreamNamePrefix"`
		StartTime           *int64   `json:"startTime"`
		EndTime             *int64   `json:"endTime"`
		FilterPattern       *string  `json:"filterPattern"`
		NextToken           *string  `json:"nextToken"`
		Limit               *int     `json:"limit"`
		StartFromHead       *bool    `json:"startFromHead"`
		// interleaved is ignored (always true), as AWS does since 2019.
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	name, perr := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if perr != nil {
		return nil, perr
	}
	if in.LogStreamNames != nil && in.LogStreamNamePrefix != nil {
		return nil, invalidParameter("Cannot specify both logStreamNames and logStreamNamePrefix.")
	}
	ascending := in.StartFromHead == nil || *in.StartFromHead
	if !ascending && in.NextToken == nil && in.StartTime != nil && *in.StartTime < descendingSince {
		return nil, invalidParameter("startFromHead=false requires a startTime on or after 2024-01-01T00:00:00Z.")
	}
	var after pos
	if in.NextToken != nil {
		var ok bool
		if ascending, after, ok = parseFilterToken(*in.NextToken); !ok {
			return nil, errBadToken
		}
	}
	pattern := &filterPattern{}
	if in.FilterPattern != nil {
		var err error
		if pattern, err = parseFilterPattern(*in.FilterPattern); err != nil {
			if u := (*errFilterUnsupported)(nil); errors.As(err, &u) {
				return nil, invalidParameter("firehose-local does not support %s yet.", u.what)
			}
			return nil, invalidParameter("%s", err.Error())
		}
	}
	limit := pageLimit(in.Limit, maxPageEvents)
	s := a.store
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.groups[name]
	if g == nil {
		return nil, errNoGroup
	}
	var streams []*stream
	switch {
	case in.LogStreamNames != nil:
		seen := map[string]bool{}
		for _, n := range in.LogStreamNames {
			if st := g.streams[n]; st != nil && !seen[n] {
				seen[n] = true
				streams = append(streams, st)
			}
		}
	default:
		for _, st := range g.streams {
			if in.LogStreamNamePrefix == nil || strings.HasPrefix(st.name, *in.LogStreamNamePrefix) {
				streams = append(streams, st)
			}
		}
	}
	// One cursor per stream over its events in [startTime, endTime] (both
	// inclusive, as FilterLogEvents documents) that retention keeps, from
	// the token's position; merged by (timestamp, sequence).
	start, hasStart := int64(0), false
	if in.StartTime != nil {
		start, hasStart = *in.StartTime, true
	}
	if cutoff, ok := s.retentionCutoff(g); ok && (!hasStart || cutoff > start) {
		start, hasStart = cutoff, true
	}
	m := &merger{ascending: ascending}
	for _, st := range streams {
		evs := st.events
		lo, hi := 0, len(evs)
		if hasStart {
			lo = sort.Search(len(evs), func(i int) bool { return evs[i].ts >= start })
		}
		if in.EndTime != nil {
			end := *in.EndTime
			hi = sort.Search(len(evs), func(i int) bool { return evs[i].ts > end })
		}
		if in.NextToken != nil {
			if ascending {
				lo = max(lo, sort.Search(len(evs), func(i int) bool { return cmpPos(evs[i].key(), after) > 0 }))
			} else {
				hi = min(hi, sort.Search(len(evs), func(i int) bool { return cmpPos(evs[i].key(), after) >= 0 }))
			}
		}
		if lo >= hi {
			continue
		}
		cur := &cursor{st: st, lo: lo, hi: hi, i: lo}
		if !ascending {
			cur.i = hi - 1
		}
		m.cursors = append(m.cursors, cur)
	}
	heap.Init(m)
	out := struct {
		Events             []filteredEvent `json:"events"`
		SearchedLogStreams []struct{}      `json:"searchedLogStreams"`
		NextToken          string          `json:"nextToken,omitempty"`
	}{Events: []filteredEvent{}, SearchedLogStreams: []struct{}{}}
	bytes := 0
	var last pos
	for m.Len() > 0 {
		cur := m.cursors[0]
		e := &cur.st.events[cur.i]
		if cur.advance(ascending) {
			heap.Fix(m, 0)
		} else {
			heap.Pop(m)
		}
		if !pattern.match(e.msg) {
			continue
		}
		bytes += int(eventSize(e.msg))
		if len(out.Events) == limit || (bytes > maxPageBytes && len(out.Events) > 0) {
			out.NextToken = filterToken(ascending, last)
			break
		}
		last = e.key()
		out.Events = append(out.Events, filteredEvent{
			LogStreamName: cur.st.name, Timestamp: e.ts, Message: e.msg, IngestionTime: e.ingest, EventID: last.eventID(),
		})
	}
	return out, nil
}

// cursor walks one stream's events in [lo, hi).
type cursor struct {
	st        *stream
	lo, hi, i int
}

// advance moves to the next event; false when there is none.
func (c *cursor) advance(ascending bool) bool {
	if ascending {
		c.i++
		return c.i < c.hi
	}
	c.i--
	return c.i >= c.lo
}

func (c *cursor) key() pos { return c.st.events[c.i].key() }

// merger is a heap of cursors: the next event overall at the top.
type merger struct {
	ascending bool
	cursors   []*cursor
}

func (m *merger) Len() int { return len(m.cursors) }
func (m *merger) Less(i, j int) bool {
	c := cmpPos(m.cursors[i].key(), m.cursors[j].key())
	if m.ascending {
		return c < 0
	}
	return c > 0
}
func (m *merger) Swap(i, j int) { m.cursors[i], m.cursors[j] = m.cursors[j], m.cursors[i] }
func (m *merger) Push(x any)    { m.cursors = append(m.cursors, x.(*cursor)) }
func (m *merger) Pop() any {
	old := m.cursors
	c := old[len(old)-1]
	m.cursors = old[:len(old)-1]
	return c
}
