package firehose

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestBufferStaysWithinItsSizeHint puts records of random sizes into a
// stream with a 1 MiB size hint: every object handed to the store was
// written into one buffer of at most that size, never grown past it (a
// grown buffer is copied twice, by append and by the store, which keeps no
// more than an eighth of spare room).
func TestBufferStaysWithinItsSizeHint(t *testing.T) {
	e := newKinesisEnv(t, false)
	e.mustCall("CreateDeliveryStream", `{"DeliveryStreamName":"s","DeliveryStreamType":"DirectPut",
		"ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::123456789012:role/r","BucketARN":"arn:aws:s3:::b",
		"BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":900}}}`)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		var b strings.Builder
		b.WriteString(`{"DeliveryStreamName":"s","Records":[`)
		for i := range 100 {
			if i > 0 {
				b.WriteByte(',')
			}
			rec := strings.Repeat("x", 100+rng.IntN(2000))
			b.WriteString(`{"Data":"` + base64.StdEncoding.EncodeToString([]byte(rec)) + `"}`)
		}
		b.WriteString(`]}`)
		e.mustCall("PutRecordBatch", b.String())
	}
	e.close()
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	if len(e.store.bodies) < 4 {
		t.Fatalf("%d objects, want at least 4 (about 4 MiB put with a 1 MiB hint)", len(e.store.bodies))
	}
	const hint = 1 << 20
	for i, lc := range e.store.bodies {
		if lc[0] > hint || lc[1] > hint {
			t.Errorf("object %d: %d bytes in a buffer of %d, want both at most %d", i, lc[0], lc[1], hint)
		}
	}
}
