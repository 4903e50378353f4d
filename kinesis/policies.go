package kinesis

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// Resource policies (PutResourcePolicy, GetResourcePolicy,
// DeleteResourcePolicy) attach to a stream ARN or to a registered
// consumer's ARN. They are kept with the resource (stream.Policy,
// consumer.Policy), so they are saved, reloaded and deleted with it: a
// stream deleted, or a consumer deregistered, takes its policy along. They
// are stored and answered as given; nothing enforces them (firehose-local
// has no IAM).
//
// As recorded from AWS (LocalStack's test_resource_policy_crud, validated
// 2025-08-05): GetResourcePolicy of a resource without a policy answers
// Policy "{}"; PutResourcePolicy replaces the policy and answers nothing;
// after DeleteResourcePolicy the policy is "{}" again; deleting a policy
// that is not there, and putting one on a stream that does not exist, are
// errors. Their types and texts are not recorded: ResourceNotFoundException
// (the type the model documents for a resource that is not found) with
// Kinesis's own texts for a missing stream or consumer, and
// firehose-local's for a missing policy and a policy that is not a JSON
// object.

// noPolicy is GetResourcePolicy's answer for a resource without a policy.
const noPolicy = "{}"

// resourceOf finds the stream, and the consumer if the ARN names one, of a
// ResourceARN (of a policy, or of tags: tags.go).
func (s *Service) resourceOf(region, arn string) (*stream, *consumer, *awsjson.Error) {
	if strings.Contains(arn, "/consumer/") {
		return s.consumerByARN(region, arn)
	}
	st, err := s.lookupBy(region, "", arn, true)
	return st, nil, err
}

func (s *Service) getPolicy(region string, in map[string]any) (any, *awsjson.Error) {
	st, c, err := s.resourceOf(region, str(in, "ResourceARN"))
	if err != nil {
		return nil, err
	}
	p := st.Policy
	if c != nil {
		p = c.Policy
	}
	if p == "" {
		p = noPolicy
	}
	return struct{ Policy string }{p}, nil
}

func (s *Service) putPolicy(region string, in map[string]any) (any, *awsjson.Error) {
	arn, policy := str(in, "ResourceARN"), str(in, "Policy")
	st, c, err := s.resourceOf(region, arn)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if json.Unmarshal([]byte(policy), &doc) != nil || doc == nil {
		return nil, invalidArgument("The Policy of %s is not a JSON object.", arn)
	}
	return struct{}{}, s.setPolicy(st, c, policy)
}

func (s *Service) deletePolicy(region string, in map[string]any) (any, *awsjson.Error) {
	arn := str(in, "ResourceARN")
	st, c, err := s.resourceOf(region, arn)
	if err != nil {
		return nil, err
	}
	if (c == nil && st.Policy == "") || (c != nil && c.Policy == "") {
		return nil, awsjson.NewError(awsjson.ErrResourceNotFound, "No resource policy is attached to %s.", arn)
	}
	return struct{}{}, s.setPolicy(st, c, "")
}

// setPolicy saves the policy of a stream (cons nil) or of one of its
// consumers; "" removes it.
func (s *Service) setPolicy(st *stream, cons *consumer, policy string) *awsjson.Error {
	return s.saveResource(st, cons, func(p *string, _ *[]tag) { *p = policy })
}

// saveResource saves a change to a stream (cons nil) or to one of its
// consumers: edit changes the policy and tags of a copy of the resource.
func (s *Service) saveResource(st *stream, cons *consumer, edit func(policy *string, tags *[]tag)) *awsjson.Error {
	c := st.clone()
	if cons == nil {
		edit(&c.Policy, &c.Tags)
		return s.save(c)
	}
	c.Consumers = slices.Clone(st.Consumers)
	i := slices.Index(c.Consumers, cons)
	changed := *cons
	edit(&changed.Policy, &changed.Tags)
	c.Consumers[i] = &changed
	return s.save(c)
}
