package builtin

import (
	"bytes"
	"crypto/md5"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// kplSub is a sub-record for the test encoder; ehk < 0 means none.
type kplSub struct {
	pk, ehk int
	data    []byte
	tags    [][2]string // key, value ("" value omitted)
}

// kplMessage encodes an AggregatedRecord from the format definition
// (amazon-kinesis-producer aggregation-format.md, spec §2.5).
func kplMessage(pks, ehks []string, subs []kplSub) []byte {
	var b []byte
	for _, k := range pks {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, k)
	}
	for _, k := range ehks {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, k)
	}
	for _, s := range subs {
		var r []byte
		r = protowire.AppendTag(r, 1, protowire.VarintType)
		r = protowire.AppendVarint(r, uint64(s.pk))
		if s.ehk >= 0 {
			r = protowire.AppendTag(r, 2, protowire.VarintType)
			r = protowire.AppendVarint(r, uint64(s.ehk))
		}
		r = protowire.AppendTag(r, 3, protowire.BytesType)
		r = protowire.AppendBytes(r, s.data)
		for _, t := range s.tags {
			var tb []byte
			tb = protowire.AppendTag(tb, 1, protowire.BytesType)
			tb = protowire.AppendString(tb, t[0])
			if t[1] != "" {
				tb = protowire.AppendTag(tb, 2, protowire.BytesType)
				tb = protowire.AppendString(tb, t[1])
			}
			r = protowire.AppendTag(r, 4, protowire.BytesType)
			r = protowire.AppendBytes(r, tb)
		}
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendBytes(b, r)
	}
	return b
}

// kplFrame wraps a protobuf message in the magic and its MD5.
func kplFrame(msg []byte) []byte {
	sum := md5.Sum(msg)
	out := append([]byte{0xF3, 0x89, 0x9A, 0xC2}, msg...)
	return append(out, sum[:]...)
}

func TestDeaggregateKPL(t *testing.T) {
	pks := []string{"alpha", "beta"}
	ehks := []string{"0", "340282366920938463463374607431768211455"}
	subs := []kplSub{
		{pk: 0, ehk: -1, data: []byte(`{"n":1}`)},
		{pk: 1, ehk: 1, data: []byte("two"), tags: [][2]string{{"k", "v"}, {"only-key", ""}}},
		{pk: 0, ehk: 0, data: nil},
		{pk: 1, ehk: -1, data: bytes.Repeat([]byte{0}, 300)},
	}
	got, ok := DeaggregateKPL(kplFrame(kplMessage(pks, ehks, subs)))
	if !ok {
		t.Fatal("not aggregated")
	}
	want := []KPLRecord{
		{PartitionKey: "alpha", Data: []byte(`{"n":1}`), SubSequence: 0},
		{PartitionKey: "beta", ExplicitHashKey: ehks[1], Data: []byte("two"), SubSequence: 1},
		{PartitionKey: "alpha", ExplicitHashKey: "0", Data: []byte{}, SubSequence: 2},
		{PartitionKey: "beta", Data: bytes.Repeat([]byte{0}, 300), SubSequence: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestDeaggregateKPLUnknownFieldsSkipped(t *testing.T) {
	msg := kplMessage([]string{"p"}, nil, []kplSub{{pk: 0, ehk: -1, data: []byte("x")}})
	msg = protowire.AppendTag(msg, 9, protowire.Fixed64Type)
	msg = protowire.AppendFixed64(msg, 7)
	msg = protowire.AppendTag(msg, 1, protowire.VarintType) // known number, other wire type
	msg = protowire.AppendVarint(msg, 5)
	got, ok := DeaggregateKPL(kplFrame(msg))
	if !ok || len(got) != 1 || string(got[0].Data) != "x" || got[0].PartitionKey != "p" {
		t.Fatalf("got %+v, %v", got, ok)
	}
}

func TestDeaggregateKPLEmptyAggregate(t *testing.T) {
	// Tables but no sub-records: an aggregate of nothing.
	got, ok := DeaggregateKPL(kplFrame(kplMessage([]string{"p"}, nil, nil)))
	if !ok || len(got) != 0 {
		t.Fatalf("got %+v, %v", got, ok)
	}
	// An empty protobuf is too short to be an aggregate.
	if got, ok := DeaggregateKPL(kplFrame(nil)); ok || got != nil {
		t.Fatalf("empty protobuf: got %+v, %v", got, ok)
	}
}

func TestDeaggregateKPLNotAggregated(t *testing.T) {
	good := kplFrame(kplMessage([]string{"p"}, []string{"1"}, []kplSub{{pk: 0, ehk: 0, data: []byte("x")}}))
	badMD5 := bytes.Clone(good)
	badMD5[len(badMD5)-1] ^= 1
	badMagic := bytes.Clone(good)
	badMagic[0] = 0xF2
	missingData := func() []byte {
		var r []byte
		r = protowire.AppendTag(r, 1, protowire.VarintType)
		r = protowire.AppendVarint(r, 0)
		var b []byte
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, "p")
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		return kplFrame(protowire.AppendBytes(b, r))
	}()
	missingPK := func() []byte {
		var r []byte
		r = protowire.AppendTag(r, 3, protowire.BytesType)
		r = protowire.AppendBytes(r, []byte("x"))
		var b []byte
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, "p")
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		return kplFrame(protowire.AppendBytes(b, r))
	}()
	noKeyTag := func() []byte {
		var tb []byte
		tb = protowire.AppendTag(tb, 2, protowire.BytesType)
		tb = protowire.AppendString(tb, "v")
		var r []byte
		r = protowire.AppendTag(r, 1, protowire.VarintType)
		r = protowire.AppendVarint(r, 0)
		r = protowire.AppendTag(r, 3, protowire.BytesType)
		r = protowire.AppendBytes(r, []byte("x"))
		r = protowire.AppendTag(r, 4, protowire.BytesType)
		r = protowire.AppendBytes(r, tb)
		var b []byte
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, "p")
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		return kplFrame(protowire.AppendBytes(b, r))
	}()
	truncatedMsg := kplMessage([]string{"p"}, nil, []kplSub{{pk: 0, ehk: -1, data: []byte("hello")}})
	cases := map[string][]byte{
		"nil":              nil,
		"plain":            []byte(`{"a":1}`),
		"magic only":       {0xF3, 0x89, 0x9A, 0xC2},
		"wrong MD5":        badMD5,
		"wrong magic":      badMagic,
		"truncated record": good[:len(good)-3],
		"truncated proto":  kplFrame(truncatedMsg[:len(truncatedMsg)-2]),
		"bad pk index":     kplFrame(kplMessage([]string{"p"}, nil, []kplSub{{pk: 1, ehk: -1, data: []byte("x")}})),
		"bad ehk index":    kplFrame(kplMessage([]string{"p"}, []string{"1"}, []kplSub{{pk: 0, ehk: 1, data: []byte("x")}})),
		"no pk table":      kplFrame(kplMessage(nil, nil, []kplSub{{pk: 0, ehk: -1, data: []byte("x")}})),
		"huge index":       kplFrame(kplMessage([]string{"p"}, nil, []kplSub{{pk: -1, ehk: -1, data: []byte("x")}})),
		"missing data":     missingData,
		"missing pk index": missingPK,
		"tag without key":  noKeyTag,
		"end group":        kplFrame(protowire.AppendTag(nil, 5, protowire.EndGroupType)),
		"bad varint":       kplFrame(bytes.Repeat([]byte{0xFF}, 11)),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if got, ok := DeaggregateKPL(data); ok || got != nil {
				t.Fatalf("got %+v, %v", got, ok)
			}
		})
	}
}

// FuzzDeaggregateKPL: no input panics; an aggregate's records encode back
// to an aggregate that gives the same records; and records built from the
// fuzzer's bytes round-trip.
func FuzzDeaggregateKPL(f *testing.F) {
	f.Add(kplFrame(kplMessage([]string{"a", "b"}, []string{"7"}, []kplSub{{pk: 1, ehk: 0, data: []byte("x"), tags: [][2]string{{"k", "v"}}}, {pk: 0, ehk: -1}})), "pk", []byte("data"))
	f.Add([]byte{0xF3, 0x89, 0x9A, 0xC2, 0x0A}, "", []byte{})
	f.Add([]byte("plain"), "k", []byte{0xF3})
	f.Fuzz(func(t *testing.T, data []byte, pk string, payload []byte) {
		if recs, ok := DeaggregateKPL(data); ok {
			checkKPLRoundTrip(t, recs)
		} else if recs != nil {
			t.Fatalf("not aggregated but %d records", len(recs))
		}
		// Records of the fuzzer's choosing, one or two per key.
		subs := []kplSub{{pk: 0, ehk: -1, data: payload}, {pk: 0, ehk: 0, data: data}}
		recs, ok := DeaggregateKPL(kplFrame(kplMessage([]string{pk}, []string{pk + "1"}, subs)))
		if !ok || len(recs) != 2 || recs[0].PartitionKey != pk || !bytes.Equal(recs[0].Data, payload) ||
			recs[1].ExplicitHashKey != pk+"1" || !bytes.Equal(recs[1].Data, data) {
			t.Fatalf("round trip: %+v, %v", recs, ok)
		}
	})
}

// checkKPLRoundTrip re-encodes recs (one table entry per record) and
// checks that de-aggregation gives them back.
func checkKPLRoundTrip(t *testing.T, recs []KPLRecord) {
	t.Helper()
	var pks, ehks []string
	subs := make([]kplSub, len(recs))
	for i, r := range recs {
		if r.SubSequence != i {
			t.Fatalf("record %d has SubSequence %d", i, r.SubSequence)
		}
		pks = append(pks, r.PartitionKey)
		subs[i] = kplSub{pk: i, ehk: -1, data: r.Data}
		if r.ExplicitHashKey != "" {
			subs[i].ehk = len(ehks)
			ehks = append(ehks, r.ExplicitHashKey)
		}
	}
	again, ok := DeaggregateKPL(kplFrame(kplMessage(pks, ehks, subs)))
	if len(recs) == 0 && len(pks) == 0 {
		// An aggregate of nothing encodes to an empty protobuf, which is
		// too short to be an aggregate.
		return
	}
	if !ok || len(again) != len(recs) {
		t.Fatalf("re-encoded: %d records, %v; want %d", len(again), ok, len(recs))
	}
	for i := range recs {
		a, b := recs[i], again[i]
		if a.PartitionKey != b.PartitionKey || a.ExplicitHashKey != b.ExplicitHashKey || !bytes.Equal(a.Data, b.Data) || a.SubSequence != b.SubSequence {
			t.Fatalf("record %d: %+v then %+v", i, a, b)
		}
	}
}
