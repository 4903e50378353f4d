package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// The generated event decodes as aws-lambda-go's KinesisFirehoseEvent, the
// type real Go transforms take.
func TestEventCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "records.txt")
	if err := os.WriteFile(in, []byte("{\"a\":1}\nsecond line\r\nno newline at end"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	if code := eventCommand([]string{"--records", in, "--stream", "orders", "--region", "eu-west-1"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var ev events.KinesisFirehoseEvent
	if err := json.Unmarshal([]byte(out.String()), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.DeliveryStreamArn != "arn:aws:firehose:eu-west-1:000000000000:deliverystream/orders" || ev.Region != "eu-west-1" || ev.InvocationID == "" {
		t.Fatalf("event = %+v", ev)
	}
	want := []string{`{"a":1}`, "second line", "no newline at end"}
	if len(ev.Records) != len(want) {
		t.Fatalf("%d records", len(ev.Records))
	}
	for i, r := range ev.Records {
		if string(r.Data) != want[i] || r.RecordID == "" || r.ApproximateArrivalTimestamp.IsZero() {
			t.Fatalf("record %d = %+v", i, r)
		}
	}
}
