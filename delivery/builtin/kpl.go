package builtin

import (
	"bytes"
	"crypto/md5"

	"google.golang.org/protobuf/encoding/protowire"
)

// kplMagic starts every record the Kinesis Producer Library aggregates
// (spec §2.5).
var kplMagic = []byte{0xF3, 0x89, 0x9A, 0xC2}

// KPLRecord is one user record taken out of a KPL aggregated record.
type KPLRecord struct {
	PartitionKey string
	// ExplicitHashKey is empty when the sub-record has none.
	ExplicitHashKey string
	// Data is a slice of the aggregated record (no copy).
	Data []byte
	// SubSequence is the sub-record's position in the aggregate, from 0:
	// the subsequenceNumber Firehose reports for it.
	SubSequence int
}

// DeaggregateKPL splits a Kinesis data stream record that the KPL
// aggregated into its user records, in order, and reports whether data was
// an aggregate. The format (spec §2.5): the magic bytes F3 89 9A C2, a
// proto2 AggregatedRecord, then the 16-byte MD5 of the protobuf bytes.
//
// As the KCL does (2.x AggregatorUtil.deaggregate), data that is not an
// aggregate is no error: a record without the magic, without at least one
// byte of protobuf before the digest, whose MD5 does not match or whose
// protobuf does not parse (a required field missing, an invalid field
// number) yields (nil, false), and the caller passes it on whole. A valid
// aggregate without sub-records yields no records and true: the KCL makes
// no user record of it. A sub-record whose index points outside a key
// table also yields (nil, false); there the KCL logs an error and keeps
// only the sub-records before it, which would lose data silently. Unknown
// fields, and known ones with another wire type, are skipped and a
// repeated scalar's last value wins, as protobuf parsers do; tags are
// checked but not returned. The KCL also drops sub-records whose hash key
// falls outside the shard's range; that needs the shard, so callers do it.
func DeaggregateKPL(data []byte) (records []KPLRecord, aggregated bool) {
	if len(data) <= len(kplMagic)+md5.Size || !bytes.HasPrefix(data, kplMagic) {
		return nil, false
	}
	msg := data[len(kplMagic) : len(data)-md5.Size]
	sum := md5.Sum(msg)
	if !bytes.Equal(sum[:], data[len(data)-md5.Size:]) {
		return nil, false
	}
	type sub struct {
		pk, ehk uint64
		hasEHK  bool
		data    []byte
	}
	var pks, ehks []string
	var subs []sub
	err := eachField(msg, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) bool {
		if typ != protowire.BytesType {
			return true // a known number with another wire type is an unknown field
		}
		switch num {
		case 1:
			pks = append(pks, string(v))
		case 2:
			ehks = append(ehks, string(v))
		case 3:
			var s sub
			var hasPK, hasData bool
			err := eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, n uint64) bool {
				switch {
				case num == 1 && typ == protowire.VarintType:
					s.pk, hasPK = n, true
				case num == 2 && typ == protowire.VarintType:
					s.ehk, s.hasEHK = n, true
				case num == 3 && typ == protowire.BytesType:
					s.data, hasData = v, true
				case num == 4 && typ == protowire.BytesType:
					return validTag(v)
				}
				return true
			})
			if err != nil || !hasPK || !hasData {
				return false
			}
			subs = append(subs, s)
		}
		return true
	})
	if err != nil {
		return nil, false
	}
	records = make([]KPLRecord, 0, len(subs))
	for i, s := range subs {
		if s.pk >= uint64(len(pks)) || s.hasEHK && s.ehk >= uint64(len(ehks)) {
			return nil, false
		}
		r := KPLRecord{PartitionKey: pks[s.pk], Data: s.data, SubSequence: i}
		if s.hasEHK {
			r.ExplicitHashKey = ehks[s.ehk]
		}
		records = append(records, r)
	}
	return records, true
}

// validTag reports whether b is a Tag message with its required key.
func validTag(b []byte) bool {
	hasKey := false
	err := eachField(b, func(num protowire.Number, typ protowire.Type, _ []byte, _ uint64) bool {
		if num == 1 && typ == protowire.BytesType {
			hasKey = true
		}
		return true
	})
	return err == nil && hasKey
}

// errKPLParse is what eachField returns for a malformed message; the
// callers only need to know that it failed.
type errKPLParse struct{}

func (errKPLParse) Error() string { return "malformed KPL protobuf" }

// eachField calls f for each field of the protobuf message b, with the
// value of a length-delimited field in v and of a varint in n, until f
// returns false. It fails on a malformed message and when f returns false.
func eachField(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, n uint64) bool) error {
	for len(b) > 0 {
		num, typ, k := protowire.ConsumeTag(b)
		if k < 0 || !num.IsValid() {
			return errKPLParse{}
		}
		b = b[k:]
		var v []byte
		var n uint64
		switch typ {
		case protowire.VarintType:
			n, k = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			v, k = protowire.ConsumeBytes(b)
		default:
			// Unknown fields of other types, groups included, are
			// skipped as protobuf parsers do.
			k = protowire.ConsumeFieldValue(num, typ, b)
		}
		if k < 0 {
			return errKPLParse{}
		}
		b = b[k:]
		if !f(num, typ, v, n) {
			return errKPLParse{}
		}
	}
	return nil
}
