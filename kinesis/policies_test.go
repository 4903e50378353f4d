package kinesis_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/firehose-local/firehose-local/kinesis"
)

func (e *env) policy(t *testing.T, arn string) string {
	t.Helper()
	out, err := e.client.GetResourcePolicy(t.Context(), &awskinesis.GetResourcePolicyInput{ResourceARN: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetResourcePolicy %s: %v", arn, err)
	}
	return aws.ToString(out.Policy)
}

func (e *env) putPolicy(t *testing.T, arn, policy string) {
	t.Helper()
	if _, err := e.client.PutResourcePolicy(t.Context(), &awskinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: aws.String(policy)}); err != nil {
		t.Fatalf("PutResourcePolicy %s: %v", arn, err)
	}
}

const (
	streamPolicy   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kinesis:PutRecord","Resource":"` + streamARN + `"}]}`
	consumerPolicy = `{"Version": "2012-10-17", "Statement": []}`
)

// Policies attach to a stream or to a consumer, each its own; a consumer
// deregistered, or a stream deleted, takes its policy along.
func TestResourcePolicies(t *testing.T) {
	e := newEnv(t, kinesis.Options{})
	ctx := t.Context()
	e.create(t, "s", 1)
	cons := aws.ToString(e.register(t, "app").ConsumerARN)
	if p := e.policy(t, streamARN); p != "{}" {
		t.Fatalf("policy before any: %q", p)
	}
	e.putPolicy(t, streamARN, streamPolicy)
	e.putPolicy(t, cons, consumerPolicy)
	if p := e.policy(t, streamARN); p != streamPolicy {
		t.Fatalf("stream policy %q", p)
	}
	if p := e.policy(t, cons); p != consumerPolicy {
		t.Fatalf("consumer policy %q", p)
	}
	if _, err := e.client.DeleteResourcePolicy(ctx, &awskinesis.DeleteResourcePolicyInput{ResourceARN: aws.String(cons)}); err != nil {
		t.Fatal(err)
	}
	if p := e.policy(t, cons); p != "{}" {
		t.Fatalf("consumer policy after delete %q", p)
	}
	if p := e.policy(t, streamARN); p != streamPolicy {
		t.Fatalf("stream policy after the consumer's was deleted %q", p)
	}
	_, err := e.client.DeleteResourcePolicy(ctx, &awskinesis.DeleteResourcePolicyInput{ResourceARN: aws.String(cons)})
	wantErr(t, err, "ResourceNotFoundException", "No resource policy is attached to "+cons+".")

	// Not a JSON object.
	_, err = e.client.PutResourcePolicy(ctx, &awskinesis.PutResourcePolicyInput{ResourceARN: aws.String(streamARN), Policy: aws.String("allow all")})
	wantErr(t, err, "InvalidArgumentException", "The Policy of "+streamARN+" is not a JSON object.")
	// The model's pattern.
	_, err = e.client.GetResourcePolicy(ctx, &awskinesis.GetResourcePolicyInput{ResourceARN: aws.String("arn:aws:s3:::bucket")})
	wantErrPrefix(t, err, "ValidationException", "1 validation error detected: Value 'arn:aws:s3:::bucket' at 'resourceARN' failed to satisfy constraint")

	// Deregistered and registered again: a new consumer, without a policy.
	e.putPolicy(t, cons, consumerPolicy)
	if _, err := e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(cons)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetResourcePolicy(ctx, &awskinesis.GetResourcePolicyInput{ResourceARN: aws.String(cons)})
	wantErr(t, err, "ResourceNotFoundException", "Consumer "+cons+", account "+account+" not found.")
	e.clock.Advance(2 * time.Second)
	again := aws.ToString(e.register(t, "app").ConsumerARN)
	if p := e.policy(t, again); p != "{}" {
		t.Fatalf("policy of the consumer registered again %q", p)
	}

	if _, err := e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("s"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.PutResourcePolicy(ctx, &awskinesis.PutResourcePolicyInput{ResourceARN: aws.String(streamARN), Policy: aws.String(streamPolicy)})
	wantErr(t, err, "ResourceNotFoundException", "Stream s under account "+account+" not found.")
	e.create(t, "s", 1)
	if p := e.policy(t, streamARN); p != "{}" {
		t.Fatalf("policy of a stream created again %q", p)
	}
}

// Policies are kept in the state store with their stream.
func TestResourcePoliciesSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	h, closeDB := openState(t, dir)
	e := newEnv(t, kinesis.Options{State: h})
	e.create(t, "s", 1)
	cons := aws.ToString(e.register(t, "app").ConsumerARN)
	e.putPolicy(t, streamARN, streamPolicy)
	e.putPolicy(t, cons, consumerPolicy)
	closeDB()

	h2, _ := openState(t, dir)
	e2 := newEnv(t, kinesis.Options{State: h2, Now: e.clock.Now})
	if p := e2.policy(t, streamARN); p != streamPolicy {
		t.Fatalf("stream policy after reopen %q", p)
	}
	if p := e2.policy(t, cons); p != consumerPolicy {
		t.Fatalf("consumer policy after reopen %q", p)
	}
}
