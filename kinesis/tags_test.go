package kinesis_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/firehose-local/firehose-local/kinesis"
)

// resourceTags is ListTagsForResource of arn, as "key=value" strings.
func (e *env) resourceTags(t *testing.T, arn string) []string {
	t.Helper()
	out, err := e.client.ListTagsForResource(t.Context(), &awskinesis.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil {
		t.Fatalf("ListTagsForResource %s: %v", arn, err)
	}
	var got []string
	for _, tg := range out.Tags {
		got = append(got, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	return got
}

// TagResource, UntagResource and ListTagsForResource work on a stream (the
// same tags as AddTagsToStream's) and on a consumer (tagged at
// registration too), and the tags are kept across a restart.
func TestTagResource(t *testing.T) {
	dir := t.TempDir()
	h, closeDB := openState(t, dir)
	e := newEnv(t, kinesis.Options{State: h})
	ctx := t.Context()
	arn := streamARN
	if _, err := e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1), Tags: map[string]string{"team": "data"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.TagResource(ctx, &awskinesis.TagResourceInput{ResourceARN: aws.String(arn), Tags: map[string]string{"env": "dev", "team": "platform"}}); err != nil {
		t.Fatal(err)
	}
	if got := e.resourceTags(t, arn); !slices.Equal(got, []string{"env=dev", "team=platform"}) {
		t.Fatalf("stream tags %v", got)
	}
	old, err := e.client.ListTagsForStream(ctx, &awskinesis.ListTagsForStreamInput{StreamName: aws.String("s")})
	if err != nil || len(old.Tags) != 2 {
		t.Fatalf("ListTagsForStream %+v %v, want the same 2 tags", old, err)
	}
	if _, err := e.client.UntagResource(ctx, &awskinesis.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if got := e.resourceTags(t, arn); !slices.Equal(got, []string{"env=dev"}) {
		t.Fatalf("stream tags after UntagResource %v", got)
	}

	reg, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("app"), Tags: map[string]string{"owner": "me"}})
	if err != nil {
		t.Fatal(err)
	}
	consumer := aws.ToString(reg.Consumer.ConsumerARN)
	if got := e.resourceTags(t, consumer); !slices.Equal(got, []string{"owner=me"}) {
		t.Fatalf("consumer tags %v", got)
	}
	if _, err := e.client.TagResource(ctx, &awskinesis.TagResourceInput{ResourceARN: aws.String(consumer), Tags: map[string]string{"x": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UntagResource(ctx, &awskinesis.UntagResourceInput{ResourceARN: aws.String(consumer), TagKeys: []string{"owner"}}); err != nil {
		t.Fatal(err)
	}
	if got := e.resourceTags(t, consumer); !slices.Equal(got, []string{"x=1"}) {
		t.Fatalf("consumer tags %v", got)
	}
	if got := e.resourceTags(t, arn); !slices.Equal(got, []string{"env=dev"}) {
		t.Fatalf("the stream's tags changed with its consumer's: %v", got)
	}

	// At most 50 tags a resource.
	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err = e.client.TagResource(ctx, &awskinesis.TagResourceInput{ResourceARN: aws.String(consumer), Tags: many})
	wantErr(t, err, "InvalidArgumentException", "A resource can have at most 50 tags; this call would give it 51.")
	_, err = e.client.TagResource(ctx, &awskinesis.TagResourceInput{ResourceARN: aws.String(arn + "x"), Tags: map[string]string{"a": "b"}})
	wantErr(t, err, "ResourceNotFoundException", "Stream sx under account "+account+" not found.")

	// Kept across a restart.
	closeDB()
	h2, _ := openState(t, dir)
	e2 := newEnv(t, kinesis.Options{State: h2, Now: e.clock.Now})
	if got := e2.resourceTags(t, consumer); !slices.Equal(got, []string{"x=1"}) {
		t.Fatalf("consumer tags after reopen %v", got)
	}
	if got := e2.resourceTags(t, arn); !slices.Equal(got, []string{"env=dev"}) {
		t.Fatalf("stream tags after reopen %v", got)
	}
	// A deregistered consumer's tags go with it.
	if _, err := e2.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(consumer)}); err != nil {
		t.Fatal(err)
	}
	_, err = e2.client.ListTagsForResource(ctx, &awskinesis.ListTagsForResourceInput{ResourceARN: aws.String(consumer)})
	wantErr(t, err, "ResourceNotFoundException", "Consumer "+consumer+", account "+account+" not found.")
}
