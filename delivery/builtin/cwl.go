package builtin

// CloudWatchLogs is the CloudWatchLogProcessing processor. With Extract
// (DataMessageExtraction true) a CloudWatch Logs subscription payload
// (spec §3.2), already decompressed, becomes its log events' messages;
// without, records pass unchanged.
type CloudWatchLogs struct {
	Extract bool
}

// Process appends what the processor makes of record to dst: record itself
// without Extract (callers may skip the copy), else ExtractMessages.
func (c *CloudWatchLogs) Process(dst, record []byte) ([]byte, *Failure) {
	if !c.Extract {
		return append(dst, record...), nil
	}
	return ExtractMessages(dst, record)
}

// ExtractMessages appends the messages of a CloudWatch Logs subscription
// payload to dst, each followed by "\n" (spec §3.3: the messages one per
// line; that the record ends with "\n" too is unverified). A DATA_MESSAGE
// without events, and the CONTROL_MESSAGE CloudWatch Logs sends when a
// filter is created, append nothing: an empty record, which Firehose drops
// (unverified). Anything else than such a payload (not JSON, no
// messageType or logEvents, an event without a string message) is a
// Failure with our code CloudWatchLogProcessing.MalformedData under
// processing-failed, dst returned as it was. Other members are skipped,
// and may come in any order.
func ExtractMessages(dst, record []byte) ([]byte, *Failure) {
	start := len(dst)
	fail := func(why string) ([]byte, *Failure) {
		return dst[:start], &Failure{
			Code:       CodeCloudWatchLogsFailed,
			Message:    "The record is not a CloudWatch Logs subscription message: " + why + ".",
			OutputType: OutputCloudWatchLogsFailed,
		}
	}
	b := record
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fail("it is not a JSON object")
	}
	var messageType []byte
	var typeBuf [16]byte
	events := false
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return fail("it has no messageType")
	}
	for {
		j, complex, err := scanString(b, i)
		if err != nil {
			return fail("it is not valid JSON")
		}
		key := b[i+1 : j-1]
		if complex {
			key = appendUnquoted(nil, b[i:j])
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return fail("it is not valid JSON")
		}
		i = skipSpace(b, i+1)
		switch string(key) {
		case "messageType":
			j, _, err := scanString(b, i)
			if err != nil {
				return fail("its messageType is not a string")
			}
			messageType = appendUnquoted(typeBuf[:0], b[i:j])
			i = j
		case "logEvents":
			// A repeated member counts once, the last time, as in jq.
			dst = dst[:start]
			var ok bool
			if dst, i, ok = appendEventMessages(dst, b, i); !ok {
				return fail("its logEvents is not an array of events with a string message")
			}
			events = true
		default:
			if i, err = skipValue(b, i, 2); err != nil {
				return fail("it is not valid JSON")
			}
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return fail("it is not valid JSON")
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return fail("it is not valid JSON")
		}
		i = skipSpace(b, i+1)
	}
	if skipSpace(b, i+1) != len(b) {
		return fail("it is not one JSON object")
	}
	switch {
	case messageType == nil:
		return fail("it has no messageType")
	case !events:
		return fail("it has no logEvents")
	case string(messageType) == "DATA_MESSAGE":
		return dst, nil
	case string(messageType) == "CONTROL_MESSAGE":
		return dst[:start], nil
	}
	return fail("its messageType is neither DATA_MESSAGE nor CONTROL_MESSAGE")
}

// appendEventMessages reads the logEvents array at b[i], appending each
// event's message and "\n" to dst, and returns the index after the array.
func appendEventMessages(dst, b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '[' {
		return dst, 0, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return dst, i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '{' {
			return dst, 0, false
		}
		i = skipSpace(b, i+1)
		var message []byte // the message's JSON string
		for i < len(b) && b[i] != '}' {
			j, complex, err := scanString(b, i)
			if err != nil {
				return dst, 0, false
			}
			isMessage := !complex && string(b[i+1:j-1]) == "message" ||
				complex && string(appendUnquoted(nil, b[i:j])) == "message"
			i = skipSpace(b, j)
			if i >= len(b) || b[i] != ':' {
				return dst, 0, false
			}
			i = skipSpace(b, i+1)
			if isMessage {
				if j, _, err = scanString(b, i); err != nil {
					return dst, 0, false
				}
				message = b[i:j]
			} else if j, err = skipValue(b, i, 4); err != nil {
				return dst, 0, false
			}
			i = skipSpace(b, j)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				if i < len(b) && b[i] == '}' {
					return dst, 0, false
				}
			} else if i >= len(b) || b[i] != '}' {
				return dst, 0, false
			}
		}
		if i >= len(b) || message == nil {
			return dst, 0, false
		}
		dst = append(appendUnquoted(dst, message), '\n')
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return dst, 0, false
		}
		if b[i] == ']' {
			return dst, i + 1, true
		}
		if b[i] != ',' {
			return dst, 0, false
		}
		i = skipSpace(b, i+1)
	}
}
