//lint:file-ignore SA1019 the recordings call the deprecated tagging operations (TagLogGroup, UntagLogGroup, ListTagsLogGroup) as boto3 did

package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// Replays of CloudWatch Logs answers recorded from AWS, from
// localstack/localstack's tests/aws/services/logs/test_logs_groups.py,
// test_logs_streams.py and test_logs_events.py, their snapshots
// (*.snapshot.json) and validation dates (*.validation.json). Masked values
// (names, ARNs, timestamps, tokens) are compared by form.

// logsRaw sends one CloudWatch Logs request in JSON 1.1, as botocore does,
// and returns the status and the body.
func logsRaw(t *testing.T, env *emulatortest.Env, op, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.URL+"/", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "Logs_20140328."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// logsList answers op's list member, each element's members.
func logsList(t *testing.T, env *emulatortest.Env, op, body, member string) []map[string]json.RawMessage {
	t.Helper()
	code, b := logsRaw(t, env, op, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s: %d %s", op, body, code, b)
	}
	var l []map[string]json.RawMessage
	if err := json.Unmarshal(jsonMembers(t, b)[member], &l); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return l
}

var logGroupARNForm = regexp.MustCompile(`^arn:aws:logs:us-east-1:\d{12}:log-group:`)

// Recordings (test_logs_groups.py, validated 2026-02-03):
// test_describe_log_groups_with_prefix, test_create_log_group_with_kms_key,
// test_describe_log_groups_with_pattern and
// test_describe_log_groups_prefix_and_pattern_error. A log group is
// described with arn (logGroupArn and ":*"), creationTime,
// deletionProtectionEnabled false, logGroupArn, logGroupClass STANDARD,
// logGroupName, metricFilterCount 0 and storedBytes 0, and kmsKeyId when it
// has one; found by logGroupNamePattern, AWS leaves out
// deletionProtectionEnabled and storedBytes.
func TestRecordedLogGroupDescriptions(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	ctx := context.Background()
	createLogGroup(t, logs, "test-prefix-a")
	createLogGroup(t, logs, "test-prefix-b")
	check := func(what string, g map[string]json.RawMessage, name string, members []string) {
		t.Helper()
		if got := memberNames(g); !slices.Equal(got, members) {
			t.Fatalf("%s: members %v, recorded %v", what, got, members)
		}
		var arn, groupARN string
		var created int64
		_ = json.Unmarshal(g["arn"], &arn)
		_ = json.Unmarshal(g["logGroupArn"], &groupARN)
		_ = json.Unmarshal(g["creationTime"], &created)
		if string(g["logGroupName"]) != mustJSON(name) || !logGroupARNForm.MatchString(groupARN) || groupARN != logGroupARNForm.FindString(groupARN)+name ||
			arn != groupARN+":*" || created < 1e12 || string(g["logGroupClass"]) != `"STANDARD"` || string(g["metricFilterCount"]) != "0" {
			t.Fatalf("%s: %s", what, mustJSON(g))
		}
		if v, ok := g["storedBytes"]; ok && string(v) != "0" {
			t.Fatalf("%s: storedBytes %s, recorded 0", what, v)
		}
		if v, ok := g["deletionProtectionEnabled"]; ok && string(v) != "false" {
			t.Fatalf("%s: deletionProtectionEnabled %s, recorded false", what, v)
		}
	}
	full := []string{"arn", "creationTime", "deletionProtectionEnabled", "logGroupArn", "logGroupClass", "logGroupName", "metricFilterCount", "storedBytes"}
	groups := logsList(t, env, "DescribeLogGroups", `{"logGroupNamePrefix":"test-prefix"}`, "logGroups")
	if len(groups) != 2 {
		t.Fatalf("%d groups by prefix, recorded 2", len(groups))
	}
	check("by prefix", groups[0], "test-prefix-a", full)
	check("by prefix", groups[1], "test-prefix-b", full)

	const key = "arn:aws:kms:us-east-1:000000000000:key/12345678-1234-1234-1234-123456789012"
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("kms-group"), KmsKeyId: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	groups = logsList(t, env, "DescribeLogGroups", `{"logGroupNamePrefix":"kms-group"}`, "logGroups")
	if len(groups) != 1 {
		t.Fatalf("%d groups", len(groups))
	}
	check("with a KMS key", groups[0], "kms-group", slices.Sorted(slices.Values(append(slices.Clone(full), "kmsKeyId"))))
	if string(groups[0]["kmsKeyId"]) != mustJSON(key) {
		t.Fatalf("kmsKeyId %s", groups[0]["kmsKeyId"])
	}

	groups = logsList(t, env, "DescribeLogGroups", `{"logGroupNamePattern":"prefix-b"}`, "logGroups")
	if len(groups) != 1 {
		t.Fatalf("%d groups by pattern, recorded 1", len(groups))
	}
	check("by pattern", groups[0], "test-prefix-b", []string{"arn", "creationTime", "logGroupArn", "logGroupClass", "logGroupName", "metricFilterCount"})

	_, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("test-prefix-a"), LogGroupNamePrefix: aws.String("test-prefix-a")})
	wantExactError(t, err, "InvalidParameterException", "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
}

// Recordings (test_logs_groups.py, TestLogsGroupsTags, validated
// 2026-02-03): test_create_log_group_with_tags, test_tag_log_group,
// test_untag_log_group and test_tag_resource_api: the tags
// ListTagsLogGroup and ListTagsForResource answer after each change, made
// through either API.
func TestRecordedLogGroupTags(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	ctx := context.Background()
	tagsOf := func(name string) (map[string]string, map[string]string) {
		t.Helper()
		a, err := logs.ListTagsLogGroup(ctx, &cloudwatchlogs.ListTagsLogGroupInput{LogGroupName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		d, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
		if err != nil || len(d.LogGroups) != 1 {
			t.Fatalf("%+v %v", d, err)
		}
		b, err := logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: d.LogGroups[0].LogGroupArn})
		if err != nil {
			t.Fatal(err)
		}
		return a.Tags, b.Tags
	}
	want := func(what, name string, tags map[string]string) {
		t.Helper()
		a, b := tagsOf(name)
		if mustJSON(a) != mustJSON(tags) || mustJSON(b) != mustJSON(tags) {
			t.Fatalf("%s: ListTagsLogGroup %v, ListTagsForResource %v; recorded %v", what, a, b, tags)
		}
	}
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("tags-create"), Tags: map[string]string{"env": "testing"}}); err != nil {
		t.Fatal(err)
	}
	want("after create", "tags-create", map[string]string{"env": "testing"})

	createLogGroup(t, logs, "tags-tag")
	if _, err := logs.TagLogGroup(ctx, &cloudwatchlogs.TagLogGroupInput{LogGroupName: aws.String("tags-tag"), Tags: map[string]string{"tag_key_1": "tag_value_1"}}); err != nil {
		t.Fatal(err)
	}
	want("after TagLogGroup", "tags-tag", map[string]string{"tag_key_1": "tag_value_1"})

	createLogGroup(t, logs, "tags-untag")
	if _, err := logs.TagLogGroup(ctx, &cloudwatchlogs.TagLogGroupInput{LogGroupName: aws.String("tags-untag"),
		Tags: map[string]string{"tag_key_1": "tag_value_1", "tag_key_2": "tag_value_2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.UntagLogGroup(ctx, &cloudwatchlogs.UntagLogGroupInput{LogGroupName: aws.String("tags-untag"), Tags: []string{"tag_key_1"}}); err != nil {
		t.Fatal(err)
	}
	want("after UntagLogGroup", "tags-untag", map[string]string{"tag_key_2": "tag_value_2"})

	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("tags-resource"), Tags: map[string]string{"env": "testing1"}}); err != nil {
		t.Fatal(err)
	}
	want("after create", "tags-resource", map[string]string{"env": "testing1"})
	d, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("tags-resource")})
	if err != nil {
		t.Fatal(err)
	}
	arn := d.LogGroups[0].LogGroupArn
	if _, err := logs.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"test1": "val1", "test2": "val2"}}); err != nil {
		t.Fatal(err)
	}
	want("after TagResource", "tags-resource", map[string]string{"env": "testing1", "test1": "val1", "test2": "val2"})
	if _, err := logs.TagLogGroup(ctx, &cloudwatchlogs.TagLogGroupInput{LogGroupName: aws.String("tags-resource"), Tags: map[string]string{"test3": "val3"}}); err != nil {
		t.Fatal(err)
	}
	want("after TagLogGroup", "tags-resource", map[string]string{"env": "testing1", "test1": "val1", "test2": "val2", "test3": "val3"})
	if _, err := logs.UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"env", "test1", "test3"}}); err != nil {
		t.Fatal(err)
	}
	want("after UntagResource", "tags-resource", map[string]string{"test2": "val2"})
}

// Recordings (test_logs_streams.py, validated 2026-02-03):
// test_create_and_delete_log_stream, test_log_stream_arn_format,
// test_describe_log_streams_with_prefix,
// test_create_log_stream_duplicate_error and
// test_describe_log_streams_with_log_group_identifier. A new stream is
// described with exactly arn ("…:log-group:<group>:log-stream:<stream>"),
// creationTime, logStreamName and storedBytes 0; logGroupIdentifier takes
// the group's name or ARN, not both with logGroupName.
func TestRecordedLogStreams(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	ctx := context.Background()
	createLogGroup(t, logs, "g")
	for _, s := range []string{"s-1", "s-2", "s-3", "other"} {
		if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
	streamARN := regexp.MustCompile(`^arn:aws:logs:us-east-1:\d{12}:log-group:g:log-stream:(.*)$`)
	check := func(what string, l []map[string]json.RawMessage, names ...string) {
		t.Helper()
		if len(l) != len(names) {
			t.Fatalf("%s: %d streams, want %v", what, len(l), names)
		}
		for i, s := range l {
			if got := memberNames(s); !slices.Equal(got, []string{"arn", "creationTime", "logStreamName", "storedBytes"}) {
				t.Fatalf("%s: members %v, recorded arn, creationTime, logStreamName, storedBytes", what, got)
			}
			var arn string
			var created int64
			_ = json.Unmarshal(s["arn"], &arn)
			_ = json.Unmarshal(s["creationTime"], &created)
			m := streamARN.FindStringSubmatch(arn)
			if m == nil || m[1] != names[i] || string(s["logStreamName"]) != mustJSON(names[i]) || created < 1e12 || string(s["storedBytes"]) != "0" {
				t.Fatalf("%s: %s", what, mustJSON(s))
			}
		}
	}
	check("by prefix", logsList(t, env, "DescribeLogStreams", `{"logGroupName":"g","logStreamNamePrefix":"s-"}`, "logStreams"), "s-1", "s-2", "s-3")
	check("by identifier (name)", logsList(t, env, "DescribeLogStreams", `{"logGroupIdentifier":"g","logStreamNamePrefix":"o"}`, "logStreams"), "other")
	d, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	check("by identifier (ARN)", logsList(t, env, "DescribeLogStreams", mustJSON(map[string]string{"logGroupIdentifier": aws.ToString(d.LogGroups[0].LogGroupArn),
		"logStreamNamePrefix": "o"}), "logStreams"), "other")
	_, err = logs.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("g"), LogGroupIdentifier: aws.String("g")})
	wantExactError(t, err, "ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	_, err = logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s-1")})
	wantExactError(t, err, "ResourceAlreadyExistsException", "The specified log stream already exists")
}

// Recordings (test_logs_events.py, validated 2026-02-03, the too old and
// too new ones 2026-02-11): test_put_log_events_to_invalid_stream,
// test_put_log_events_wrong_order, test_put_log_events_too_old (30 days
// back: rejectedLogEventsInfo.tooOldLogEventEndIndex and a
// nextSequenceToken), test_put_log_events_too_new (a day ahead:
// tooNewLogEventStartIndex), test_get_log_events_invalid_token,
// test_get_log_events_limit_validation (InvalidParameterException, not
// ValidationException) and test_resource_does_not_exist.
func TestRecordedLogEvents(t *testing.T) {
	clk := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clk})
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	ctx := context.Background()
	createLogGroup(t, logs, "g")
	if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	now := t0.UnixMilli()
	put := func(stream string, events ...cwtypes.InputLogEvent) (*cloudwatchlogs.PutLogEventsOutput, error) {
		return logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String(stream), LogEvents: events})
	}
	ev := func(msg string, ts int64) cwtypes.InputLogEvent {
		return cwtypes.InputLogEvent{Message: aws.String(msg), Timestamp: aws.Int64(ts)}
	}
	_, err := put("missing", ev("m", now))
	wantExactError(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	_, err = put("s", ev("Message 0", now), ev("Message 1", now-2*86_400_000))
	wantExactError(t, err, "InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order.")

	code, b := logsRaw(t, env, "PutLogEvents", mustJSON(map[string]any{"logGroupName": "g", "logStreamName": "s",
		"logEvents": []map[string]any{{"message": "Old message", "timestamp": now - 30*86_400_000}}}))
	out := jsonMembers(t, b)
	if code != http.StatusOK || !slices.Equal(memberNames(out), []string{"nextSequenceToken", "rejectedLogEventsInfo"}) ||
		!slices.Equal(memberNames(jsonMembers(t, out["rejectedLogEventsInfo"])), []string{"tooOldLogEventEndIndex"}) {
		t.Fatalf("too old: %d %s; recorded nextSequenceToken and rejectedLogEventsInfo {tooOldLogEventEndIndex}", code, b)
	}
	code, b = logsRaw(t, env, "PutLogEvents", mustJSON(map[string]any{"logGroupName": "g", "logStreamName": "s",
		"logEvents": []map[string]any{{"message": "Future message", "timestamp": now + 86_400_000}}}))
	out = jsonMembers(t, b)
	if code != http.StatusOK || !slices.Equal(memberNames(out), []string{"nextSequenceToken", "rejectedLogEventsInfo"}) ||
		!slices.Equal(memberNames(jsonMembers(t, out["rejectedLogEventsInfo"])), []string{"tooNewLogEventStartIndex"}) {
		t.Fatalf("too new: %d %s; recorded nextSequenceToken and rejectedLogEventsInfo {tooNewLogEventStartIndex}", code, b)
	}

	_, err = logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String("invalid-token")})
	wantExactError(t, err, "InvalidParameterException", "The specified nextToken is invalid.")
	_, err = logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), Limit: aws.Int32(10001)})
	wantExactError(t, err, "InvalidParameterException", "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000")
	_, err = logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s")})
	wantExactError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
	wantExactError(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
}

// Recordings (test_logs_filter_events.py, validated 2026-02-05):
// test_filter_log_events_unknown_token and
// test_filter_log_events_limit_validation.
func TestRecordedFilterLogEventsErrors(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	ctx := context.Background()
	createLogGroup(t, logs, "g")
	if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	_, err := logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g"), LogStreamNames: []string{"s"},
		Limit: aws.Int32(20), NextToken: aws.String("invalid-token")})
	wantExactError(t, err, "InvalidParameterException", "The specified nextToken is invalid.")
	_, err = logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g"), Limit: aws.Int32(10001)})
	wantExactError(t, err, "InvalidParameterException", "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000")
}

// Recording: test_logs_subscription_filters.py,
// test_put_subscription_filter_update (validated 2026-02-06): putting a
// filter again under the same name replaces it; one filter is described,
// with the new pattern, applyOnTransformedLogs false and distribution
// ByLogStream. The recording's destination is a Lambda function and its
// new pattern "[]" (space-delimited syntax), both refused by name by
// firehose-local for now: a Firehose stream and a quoted term stand in.
func TestRecordedSubscriptionFilterUpdate(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	arn := createStream(t, env.Firehose, "from-logs", s3Dest())
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	createLogGroup(t, logs, "g")
	putSubscription(t, logs, "g", "test", "", arn)
	putSubscription(t, logs, "g", "test", `"Task timed out"`, arn)
	l := logsList(t, env, "DescribeSubscriptionFilters", `{"logGroupName":"g"}`, "subscriptionFilters")
	if len(l) != 1 {
		t.Fatalf("%d filters, recorded 1", len(l))
	}
	f := l[0]
	want := []string{"applyOnTransformedLogs", "creationTime", "destinationArn", "distribution", "filterName", "filterPattern", "logGroupName", "roleArn"}
	if got := memberNames(f); !slices.Equal(got, want) {
		t.Fatalf("members %v, recorded %v (roleArn: the Firehose destination's)", got, want)
	}
	if string(f["applyOnTransformedLogs"]) != "false" || string(f["distribution"]) != `"ByLogStream"` || string(f["filterName"]) != `"test"` ||
		string(f["filterPattern"]) != mustJSON(`"Task timed out"`) || string(f["logGroupName"]) != `"g"` || string(f["destinationArn"]) != mustJSON(arn) {
		t.Fatalf("filter %s", mustJSON(f))
	}
}

// Recording: test_logs_subscription_filters.py,
// test_put_subscription_filter_limit_exceeded (validated 2026-02-06): a
// log group takes two subscription filters; a third is refused with 400
// LimitExceededException "Resource limit exceeded.". The recording's
// destination is a Lambda function and its second pattern "[]", both
// refused by name by firehose-local for now: a Firehose stream and a term
// stand in.
func TestRecordedSubscriptionFilterLimit(t *testing.T) {
	env := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0)})
	arn := createStream(t, env.Firehose, "from-logs", s3Dest())
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	createLogGroup(t, logs, "g")
	putSubscription(t, logs, "g", "test-1", "", arn)
	putSubscription(t, logs, "g", "test-2", "ERROR", arn)
	_, err := logs.PutSubscriptionFilter(context.Background(), &cloudwatchlogs.PutSubscriptionFilterInput{LogGroupName: aws.String("g"),
		FilterName: aws.String("test-3"), FilterPattern: aws.String(""), DestinationArn: aws.String(arn), RoleArn: aws.String(cwlRoleARN)})
	wantExactError(t, err, "LimitExceededException", "Resource limit exceeded.")
	wantStatus(t, err, http.StatusBadRequest)
	if l := logsList(t, env, "DescribeSubscriptionFilters", `{"logGroupName":"g"}`, "subscriptionFilters"); len(l) != 2 {
		t.Fatalf("%d filters after the refusal, want the 2 accepted", len(l))
	}
}
