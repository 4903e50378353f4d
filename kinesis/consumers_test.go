package kinesis_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/firehose-local/firehose-local/kinesis"
)

const streamARN = "arn:aws:kinesis:us-east-1:" + account + ":stream/s"

func (e *env) register(t *testing.T, name string) types.Consumer {
	t.Helper()
	out, err := e.client.RegisterStreamConsumer(t.Context(), &awskinesis.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN), ConsumerName: aws.String(name)})
	if err != nil {
		t.Fatalf("RegisterStreamConsumer %s: %v", name, err)
	}
	return *out.Consumer
}

func TestConsumerLifecycle(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	e.create(t, "s", 1)
	c := e.register(t, "app")
	wantARN := fmt.Sprintf("%s/consumer/app:%d", streamARN, t0.Unix())
	if aws.ToString(c.ConsumerARN) != wantARN || c.ConsumerStatus != types.ConsumerStatusCreating ||
		aws.ToString(c.ConsumerName) != "app" || !c.ConsumerCreationTimestamp.Equal(t0) {
		t.Fatalf("registered %+v, want ARN %s", c, wantARN)
	}
	for _, in := range []*awskinesis.DescribeStreamConsumerInput{
		{ConsumerARN: c.ConsumerARN},
		{StreamARN: aws.String(streamARN), ConsumerName: aws.String("app")},
	} {
		d, err := e.client.DescribeStreamConsumer(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		cd := d.ConsumerDescription
		if aws.ToString(cd.ConsumerARN) != wantARN || cd.ConsumerStatus != types.ConsumerStatusActive || aws.ToString(cd.StreamARN) != streamARN {
			t.Fatalf("described %+v", cd)
		}
	}

	_, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN), ConsumerName: aws.String("app")})
	wantErr(t, err, "ResourceInUseException", "Consumer app of stream s under account "+account+" already exists.")
	_, err = e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN + "x"), ConsumerName: aws.String("app")})
	wantErr(t, err, "ResourceNotFoundException", "Stream sx under account "+account+" not found.")
	_, err = e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{StreamARN: aws.String(streamARN), ConsumerName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Consumer nope, account "+account+" not found.")
	stale := fmt.Sprintf("%s/consumer/app:%d", streamARN, t0.Unix()-1)
	_, err = e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(stale)})
	wantErr(t, err, "ResourceNotFoundException", "Consumer "+stale+", account "+account+" not found.")
	_, err = e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{ConsumerName: aws.String("app")})
	wantErr(t, err, "InvalidArgumentException", "Either ConsumerARN, or StreamARN and ConsumerName, must be given, not both.")

	// Deleting the stream needs EnforceConsumerDeletion while it has consumers.
	_, err = e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("s")})
	wantErrPrefix(t, err, "ResourceInUseException", "Stream s under account "+account+" has registered consumers")

	if _, err := e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: c.ConsumerARN}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: c.ConsumerARN})
	wantErr(t, err, "ResourceNotFoundException", "Consumer "+wantARN+", account "+account+" not found.")

	// Registered again a second later, it has a new ARN; the old one is gone.
	e.clock.Advance(time.Second)
	c2 := e.register(t, "app")
	if aws.ToString(c2.ConsumerARN) == wantARN {
		t.Fatal("a consumer registered again kept its ARN")
	}
	_, err = e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(wantARN)})
	wantErr(t, err, "ResourceNotFoundException", "Consumer "+wantARN+", account "+account+" not found.")
	if _, err := e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{StreamARN: aws.String(streamARN), ConsumerName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
}

func TestConsumerListAndLimit(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	e.create(t, "s", 1)
	for i := range 20 {
		e.register(t, fmt.Sprintf("c%02d", i))
	}
	_, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN), ConsumerName: aws.String("one-too-many")})
	wantErr(t, err, "LimitExceededException", "Stream s under account "+account+" already has 20 registered consumers, the most a stream may have.")

	var names []string
	p := awskinesis.NewListStreamConsumersPaginator(e.client, &awskinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN), MaxResults: aws.Int32(7)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range out.Consumers {
			if c.ConsumerStatus != types.ConsumerStatusActive {
				t.Fatalf("listed %+v", c)
			}
			names = append(names, aws.ToString(c.ConsumerName))
		}
	}
	if pages != 3 || len(names) != 20 || names[0] != "c00" || names[19] != "c19" {
		t.Fatalf("%d pages: %v", pages, names)
	}

	out, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN), MaxResults: aws.Int32(5)})
	if err != nil || out.NextToken == nil {
		t.Fatalf("%+v %v", out, err)
	}
	e.clock.Advance(301 * time.Second)
	_, err = e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN), NextToken: out.NextToken})
	wantErrPrefix(t, err, "ExpiredNextTokenException", "The NextToken has expired")
	_, err = e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN), NextToken: aws.String("junk")})
	wantErr(t, err, "InvalidArgumentException", "The NextToken is not valid.")

	if _, err := e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("s"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	e.create(t, "s", 1)
	out, err = e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN)})
	if err != nil || len(out.Consumers) != 0 {
		t.Fatalf("a stream made again has consumers: %+v %v", out, err)
	}
}

func TestConsumersSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	h, closeDB := openState(t, dir)
	e := newEnv(t, kinesis.Options{State: h})
	e.create(t, "s", 1)
	c := e.register(t, "app")
	closeDB()
	h, _ = openState(t, dir)
	e2 := newEnv(t, kinesis.Options{State: h})
	d, err := e2.client.DescribeStreamConsumer(t.Context(), &awskinesis.DescribeStreamConsumerInput{ConsumerARN: c.ConsumerARN})
	if err != nil || aws.ToString(d.ConsumerDescription.ConsumerName) != "app" || !d.ConsumerDescription.ConsumerCreationTimestamp.Equal(t0) {
		t.Fatalf("after reopening: %+v %v", d, err)
	}
}
