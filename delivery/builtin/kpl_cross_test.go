package builtin

import (
	"bytes"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// No Go KPL aggregation library is served by the module proxy
// (github.com/awslabs/kinesis-aggregation/go and /go/v2 answer 403), so the
// independent producer and parser here is the protobuf runtime itself,
// given the messages of the format definition (spec §2.5) as a proto2
// descriptor.

var kplDescriptor = sync.OnceValues(func() (protoreflect.MessageDescriptor, error) {
	field := func(name string, num int32, label descriptorpb.FieldDescriptorProto_Label,
		typ descriptorpb.FieldDescriptorProto_Type, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: &name, Number: &num, Label: &label, Type: &typ}
		if typeName != "" {
			f.TypeName = &typeName
		}
		return f
	}
	const (
		rep = descriptorpb.FieldDescriptorProto_LABEL_REPEATED
		req = descriptorpb.FieldDescriptorProto_LABEL_REQUIRED
		opt = descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
		str = descriptorpb.FieldDescriptorProto_TYPE_STRING
		u64 = descriptorpb.FieldDescriptorProto_TYPE_UINT64
		byt = descriptorpb.FieldDescriptorProto_TYPE_BYTES
		msg = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
	)
	fd := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("kpltest/messages.proto"),
		Package: proto.String("kpltest"),
		Syntax:  proto.String("proto2"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("AggregatedRecord"), Field: []*descriptorpb.FieldDescriptorProto{
				field("partition_key_table", 1, rep, str, ""),
				field("explicit_hash_key_table", 2, rep, str, ""),
				field("records", 3, rep, msg, ".kpltest.Record"),
			}},
			{Name: proto.String("Tag"), Field: []*descriptorpb.FieldDescriptorProto{
				field("key", 1, req, str, ""),
				field("value", 2, opt, str, ""),
			}},
			{Name: proto.String("Record"), Field: []*descriptorpb.FieldDescriptorProto{
				field("partition_key_index", 1, req, u64, ""),
				field("explicit_hash_key_index", 2, opt, u64, ""),
				field("data", 3, req, byt, ""),
				field("tags", 4, rep, msg, ".kpltest.Tag"),
			}},
		},
	}
	file, err := protodesc.NewFile(fd, nil)
	if err != nil {
		return nil, err
	}
	return file.Messages().ByName("AggregatedRecord"), nil
})

func aggregatedRecordDesc(t testing.TB) protoreflect.MessageDescriptor {
	t.Helper()
	d, err := kplDescriptor()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// protoRecords is what the protobuf runtime makes of msg: ok false when
// it does not parse (required fields included) or an index is out of range.
func protoRecords(t testing.TB, msg []byte) (recs []KPLRecord, ok bool) {
	d := aggregatedRecordDesc(t)
	m := dynamicpb.NewMessage(d)
	if err := proto.Unmarshal(msg, m); err != nil {
		return nil, false
	}
	pks := m.Get(d.Fields().ByName("partition_key_table")).List()
	ehks := m.Get(d.Fields().ByName("explicit_hash_key_table")).List()
	list := m.Get(d.Fields().ByName("records")).List()
	rd := d.Fields().ByName("records").Message()
	for i := range list.Len() {
		r := list.Get(i).Message()
		pk := r.Get(rd.Fields().ByName("partition_key_index")).Uint()
		if pk >= uint64(pks.Len()) {
			return nil, false
		}
		rec := KPLRecord{PartitionKey: pks.Get(int(pk)).String(), Data: r.Get(rd.Fields().ByName("data")).Bytes(), SubSequence: i}
		if f := rd.Fields().ByName("explicit_hash_key_index"); r.Has(f) {
			ehk := r.Get(f).Uint()
			if ehk >= uint64(ehks.Len()) {
				return nil, false
			}
			rec.ExplicitHashKey = ehks.Get(int(ehk)).String()
		}
		recs = append(recs, rec)
	}
	return recs, true
}

func sameKPLRecords(a, b []KPLRecord) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].PartitionKey != b[i].PartitionKey || a[i].ExplicitHashKey != b[i].ExplicitHashKey ||
			!bytes.Equal(a[i].Data, b[i].Data) || a[i].SubSequence != b[i].SubSequence {
			return false
		}
	}
	return true
}

// TestDeaggregateKPLProtobufProducer: aggregates that the protobuf runtime
// marshals de-aggregate to what was put in.
func TestDeaggregateKPLProtobufProducer(t *testing.T) {
	d := aggregatedRecordDesc(t)
	rd := d.Fields().ByName("records").Message()
	td := rd.Fields().ByName("tags").Message()
	m := dynamicpb.NewMessage(d)
	pks := m.Mutable(d.Fields().ByName("partition_key_table")).List()
	for _, k := range []string{"user-1", "user-2", "ünïcode"} {
		pks.Append(protoreflect.ValueOfString(k))
	}
	ehks := m.Mutable(d.Fields().ByName("explicit_hash_key_table")).List()
	ehks.Append(protoreflect.ValueOfString("170141183460469231731687303715884105728"))
	records := m.Mutable(d.Fields().ByName("records")).List()
	var want []KPLRecord
	for i := range 7 {
		r := dynamicpb.NewMessage(rd)
		pk := i % 3
		data := bytes.Repeat([]byte{byte('a' + i)}, i*50)
		r.Set(rd.Fields().ByName("partition_key_index"), protoreflect.ValueOfUint64(uint64(pk)))
		r.Set(rd.Fields().ByName("data"), protoreflect.ValueOfBytes(data))
		w := KPLRecord{PartitionKey: pks.Get(pk).String(), Data: data, SubSequence: i}
		if i%2 == 1 {
			r.Set(rd.Fields().ByName("explicit_hash_key_index"), protoreflect.ValueOfUint64(0))
			w.ExplicitHashKey = ehks.Get(0).String()
		}
		if i%3 == 0 {
			tag := dynamicpb.NewMessage(td)
			tag.Set(td.Fields().ByName("key"), protoreflect.ValueOfString("origin"))
			tag.Set(td.Fields().ByName("value"), protoreflect.ValueOfString("test"))
			r.Mutable(rd.Fields().ByName("tags")).List().Append(protoreflect.ValueOfMessage(tag))
		}
		records.Append(protoreflect.ValueOfMessage(r))
		want = append(want, w)
	}
	msg, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := DeaggregateKPL(kplFrame(msg))
	if !ok || !sameKPLRecords(got, want) {
		t.Fatalf("got %+v, %v\nwant %+v", got, ok, want)
	}
	// The hand encoder of kpl_test.go and the runtime agree on the records.
	if again, ok := protoRecords(t, kplMessage([]string{"a"}, []string{"1"}, []kplSub{{pk: 0, ehk: 0, data: []byte("x"), tags: [][2]string{{"k", ""}}}})); !ok ||
		!sameKPLRecords(again, []KPLRecord{{PartitionKey: "a", ExplicitHashKey: "1", Data: []byte("x")}}) {
		t.Fatalf("runtime read the hand-encoded aggregate as %+v, %v", again, ok)
	}
}

// FuzzDeaggregateKPLProtobuf: for any protobuf bytes, DeaggregateKPL and
// the protobuf runtime agree on whether they are an aggregate and on its
// records.
func FuzzDeaggregateKPLProtobuf(f *testing.F) {
	f.Add(kplMessage([]string{"a", "b"}, []string{"7"}, []kplSub{{pk: 1, ehk: 0, data: []byte("x"), tags: [][2]string{{"k", "v"}}}, {pk: 0, ehk: -1}}))
	f.Add(kplMessage([]string{"a"}, nil, []kplSub{{pk: 1, ehk: -1, data: []byte("x")}}))
	f.Add([]byte{0x1A, 0x02, 0x08, 0x00})
	f.Fuzz(func(t *testing.T, msg []byte) {
		got, ok := DeaggregateKPL(kplFrame(msg))
		want, wantOK := protoRecords(t, msg)
		if len(msg) == 0 {
			wantOK = false // too short to be an aggregate
		}
		if ok != wantOK || ok && !sameKPLRecords(got, want) {
			t.Fatalf("DeaggregateKPL %+v, %v; protobuf runtime %+v, %v", got, ok, want, wantOK)
		}
	})
}
