package cwlogs

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// pos is a position in a stream's order: an event's (timestamp, sequence),
// or a point between two events.
type pos struct {
	ts  int64
	seq uint64
}

func cmpPos(a, b pos) int {
	if c := cmp.Compare(a.ts, b.ts); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// prev is the position just before p (p itself at the very start).
func (p pos) prev() pos {
	switch {
	case p.seq > 0:
		return pos{p.ts, p.seq - 1}
	case p.ts > 0:
		return pos{p.ts - 1, math.MaxUint64}
	}
	return p
}

// next is the position just after p (p itself at the very end).
func (p pos) next() pos {
	switch {
	case p.seq < math.MaxUint64:
		return pos{p.ts, p.seq + 1}
	case p.ts < math.MaxInt64:
		return pos{p.ts + 1, 0}
	}
	return p
}

// eventID renders p as CloudWatch Logs renders event IDs and the positions
// in its GetLogEvents tokens: 56 decimal digits. Here they are the
// timestamp (20 digits) then the sequence number (36 digits), so IDs sort
// like the events.
func (p pos) eventID() string { return fmt.Sprintf("%020d%036d", p.ts, p.seq) }

// parseEventID is the inverse of eventID.
func parseEventID(s string) (pos, bool) {
	if len(s) != 56 || strings.Trim(s, "0123456789") != "" {
		return pos{}, false
	}
	ts, err := strconv.ParseInt(s[:20], 10, 64)
	if err != nil {
		return pos{}, false
	}
	seq, err := strconv.ParseUint(s[20:], 10, 64)
	if err != nil {
		return pos{}, false
	}
	return pos{ts, seq}, true
}

// GetLogEvents tokens are "f/<position>/s" (events after the position, the
// next page forward) and "b/<position>/s" (events before it), the shape of
// AWS's tokens.
func streamToken(forward bool, p pos) string {
	d := "b/"
	if forward {
		d = "f/"
	}
	return d + p.eventID() + "/s"
}

func parseStreamToken(t string) (forward bool, p pos, ok bool) {
	switch {
	case strings.HasPrefix(t, "f/"):
		forward = true
	case strings.HasPrefix(t, "b/"):
	default:
		return false, pos{}, false
	}
	p, ok = parseEventID(strings.TrimSuffix(t[2:], "/s"))
	return forward, p, ok
}

// Opaque page tokens (FilterLogEvents, DescribeLogGroups,
// DescribeLogStreams) are base64url text naming where the previous page
// stopped.
func opaqueToken(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x00")))
}

func parseOpaqueToken(t string, n int) ([]string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return nil, false
	}
	parts := strings.Split(string(b), "\x00")
	if len(parts) != n {
		return nil, false
	}
	return parts, true
}

// afterName reads a list's nextToken of kind, which names the last item of
// the previous page ("" without a token).
func afterName(token *string, kind string) (string, bool) {
	if token == nil {
		return "", true
	}
	parts, ok := parseOpaqueToken(*token, 2)
	if !ok || parts[0] != kind {
		return "", false
	}
	return parts[1], true
}

// pageLimit is a request's page size: its limit (at least the model's
// minimum, 1), or def without one.
func pageLimit(limit *int, def int) int {
	if limit == nil {
		return def
	}
	return max(*limit, 1)
}

// filterToken is FilterLogEvents' nextToken: the direction and the
// position of the last event returned.
func filterToken(ascending bool, p pos) string {
	d := "d"
	if ascending {
		d = "a"
	}
	return opaqueToken("fle1", d, p.eventID())
}

func parseFilterToken(t string) (ascending bool, p pos, ok bool) {
	parts, ok := parseOpaqueToken(t, 3)
	if !ok || parts[0] != "fle1" || (parts[1] != "a" && parts[1] != "d") {
		return false, pos{}, false
	}
	p, ok = parseEventID(parts[2])
	return parts[1] == "a", p, ok
}
