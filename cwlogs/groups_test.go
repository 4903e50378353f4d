package cwlogs_test

//lint:file-ignore SA1019 these tests exercise deprecated AWS members on purpose: clients still send them

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/firehose-local/firehose-local/cwlogs"
)

func TestLogGroupLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	c := e.client
	e.createGroup(t, "/aws/lambda/orders")

	_, err := c.CreateLogGroup(ctx(t), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/orders")})
	var exists *types.ResourceAlreadyExistsException
	if !asError(err, &exists) {
		t.Fatalf("duplicate CreateLogGroup: %v", err)
	}
	wantErr(t, err, "ResourceAlreadyExistsException", "The specified log group already exists")

	if _, err := c.CreateLogGroup(ctx(t), &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName:  aws.String("app"),
		KmsKeyId:      aws.String("arn:aws:kms:eu-west-1:000000000000:key/1234"),
		LogGroupClass: types.LogGroupClassInfrequentAccess,
		Tags:          map[string]string{"team": "data"},
	}); err != nil {
		t.Fatal(err)
	}

	out, err := c.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.LogGroups) != 2 || out.NextToken != nil {
		t.Fatalf("DescribeLogGroups = %d groups, token %v", len(out.LogGroups), out.NextToken)
	}
	// ASCII order: "/" sorts before "a".
	lambda, app := out.LogGroups[0], out.LogGroups[1]
	if got := aws.ToString(lambda.LogGroupName); got != "/aws/lambda/orders" {
		t.Fatalf("first group = %s", got)
	}
	if aws.ToString(lambda.Arn) != "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/orders:*" ||
		aws.ToString(lambda.LogGroupArn) != "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/orders" {
		t.Errorf("ARNs = %s, %s", aws.ToString(lambda.Arn), aws.ToString(lambda.LogGroupArn))
	}
	if aws.ToInt64(lambda.CreationTime) != ms(t0) || lambda.RetentionInDays != nil ||
		aws.ToInt64(lambda.StoredBytes) != 0 || lambda.LogGroupClass != types.LogGroupClassStandard ||
		aws.ToInt32(lambda.MetricFilterCount) != 0 || aws.ToBool(lambda.DeletionProtectionEnabled) {
		t.Errorf("group = %+v", lambda)
	}
	if app.LogGroupClass != types.LogGroupClassInfrequentAccess || aws.ToString(app.KmsKeyId) != "arn:aws:kms:eu-west-1:000000000000:key/1234" {
		t.Errorf("app group = %+v", app)
	}

	if _, err := c.DeleteLogGroup(ctx(t), &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteLogGroup(ctx(t), &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("app")})
	var notFound *types.ResourceNotFoundException
	if !asError(err, &notFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	// Deleting a group deletes its streams and events; recreating it
	// starts empty.
	e.createStream(t, "/aws/lambda/orders", "s")
	e.put(t, "/aws/lambda/orders", "s", ev(ms(t0), "hello"))
	if _, err := c.DeleteLogGroup(ctx(t), &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("/aws/lambda/orders")}); err != nil {
		t.Fatal(err)
	}
	e.createGroup(t, "/aws/lambda/orders")
	streams, err := c.DescribeLogStreams(ctx(t), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/aws/lambda/orders")})
	if err != nil || len(streams.LogStreams) != 0 {
		t.Fatalf("streams after re-creating = %v, %v", streams, err)
	}
}

func TestCreateLogGroupErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	for _, tc := range []struct {
		name, code, msg string
	}{
		{"bad name", "InvalidParameterException",
			`1 validation error detected: Value 'bad name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`},
		{"aws/reserved", "InvalidParameterException", "cannot start with 'aws/'"},
		{string(make([]byte, 513)), "InvalidParameterException", "Invalid LogGroup or LogStream, both must have length less than or equal to 512."},
	} {
		_, err := e.client.CreateLogGroup(ctx(t), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(tc.name)})
		wantErr(t, err, tc.code, tc.msg)
	}
	_, err := e.client.CreateLogGroup(ctx(t), &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String("x"), LogGroupClass: "HOT",
	})
	wantErr(t, err, "InvalidParameterException", "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]")
}

func TestDescribeLogGroupsPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	var want []string
	for i := range 120 {
		name := fmt.Sprintf("/svc/%03d", i)
		if i%2 == 1 {
			name = fmt.Sprintf("/job/%03d", i)
		}
		e.createGroup(t, name)
		want = append(want, name)
	}
	slices.Sort(want)

	// Default pages of 50 (the maximum), then the rest, and no token.
	var got []string
	var sizes []int
	var token *string
	for {
		out, err := e.client.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(out.LogGroups))
		for _, g := range out.LogGroups {
			got = append(got, aws.ToString(g.LogGroupName))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if !slices.Equal(sizes, []int{50, 50, 20}) || !slices.Equal(got, want) {
		t.Fatalf("pages %v, groups %v", sizes, got)
	}

	// The SDK paginator, with a prefix and a small limit.
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(e.client, &cloudwatchlogs.DescribeLogGroupsInput{
		LogGroupNamePrefix: aws.String("/job/"), Limit: aws.Int32(7),
	})
	got = nil
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range out.LogGroups {
			got = append(got, aws.ToString(g.LogGroupName))
		}
	}
	if len(got) != 60 || pages != 9 || got[0] != "/job/001" || got[59] != "/job/119" {
		t.Fatalf("paginator: %d pages, %d groups (%v…)", pages, len(got), got[:min(3, len(got))])
	}

	// logGroupNamePattern: a substring; no storedBytes nor
	// deletionProtectionEnabled (as recorded from AWS).
	out, err := e.client.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("b/11")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.LogGroups) != 5 || out.LogGroups[0].LogGroupArn == nil || out.LogGroups[0].Arn == nil || out.LogGroups[0].CreationTime == nil ||
		out.LogGroups[0].StoredBytes != nil || out.LogGroups[0].DeletionProtectionEnabled != nil {
		t.Fatalf("pattern: %+v", out.LogGroups)
	}

	// logGroupIdentifiers: names or ARNs.
	out, err = e.client.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{
		LogGroupIdentifiers: []string{"/svc/000", "arn:aws:logs:us-east-1:000000000000:log-group:/job/001", "nope"},
	})
	if err != nil || len(out.LogGroups) != 2 {
		t.Fatalf("identifiers: %v, %v", out, err)
	}

	// logGroupClass.
	out, err = e.client.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupClass: types.LogGroupClassDelivery})
	if err != nil || len(out.LogGroups) != 0 {
		t.Fatalf("class: %v, %v", out, err)
	}

	for _, tc := range []struct {
		in        cloudwatchlogs.DescribeLogGroupsInput
		code, msg string
	}{
		{cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(51)}, "InvalidParameterException",
			"1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50"},
		{cloudwatchlogs.DescribeLogGroupsInput{NextToken: aws.String("garbage!")}, "InvalidParameterException", "The specified nextToken is invalid."},
		{cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/a"), LogGroupNamePattern: aws.String("b")}, "InvalidParameterException", "mutually exclusive"},
		{cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/a"), LogGroupIdentifiers: []string{"b"}}, "InvalidParameterException", "logGroupIdentifiers"},
	} {
		_, err := e.client.DescribeLogGroups(ctx(t), &tc.in)
		wantErr(t, err, tc.code, tc.msg)
	}
}

func TestLogStreams(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	c := e.client
	_, err := c.CreateLogStream(ctx(t), &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")})
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	e.createGroup(t, "g")
	for _, s := range []string{"b", "a", "c/1", "c/2", "d"} {
		e.createStream(t, "g", s)
	}
	_, err = c.CreateLogStream(ctx(t), &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a")})
	wantErr(t, err, "ResourceAlreadyExistsException", "The specified log stream already exists")
	_, err = c.CreateLogStream(ctx(t), &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a:b")})
	wantErr(t, err, "InvalidParameterException", "Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*")

	// Last event times: d newest, then a, then b; c/* have none.
	base := ms(t0) - 60_000
	e.put(t, "g", "b", ev(base+1, "b"))
	e.put(t, "g", "a", ev(base+2, "a1"), ev(base+5, "a2"))
	e.clock.Advance(time.Second)
	e.put(t, "g", "d", ev(base+9, "d"))

	list := func(in cloudwatchlogs.DescribeLogStreamsInput) []string {
		t.Helper()
		var names []string
		p := cloudwatchlogs.NewDescribeLogStreamsPaginator(c, &in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range out.LogStreams {
				names = append(names, aws.ToString(s.LogStreamName))
			}
		}
		return names
	}
	g := aws.String("g")
	for _, tc := range []struct {
		in   cloudwatchlogs.DescribeLogStreamsInput
		want []string
	}{
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g}, []string{"a", "b", "c/1", "c/2", "d"}},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, Limit: aws.Int32(2)}, []string{"a", "b", "c/1", "c/2", "d"}},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, Limit: aws.Int32(2), Descending: aws.Bool(true)}, []string{"d", "c/2", "c/1", "b", "a"}},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, LogStreamNamePrefix: aws.String("c/"), Limit: aws.Int32(1)}, []string{"c/1", "c/2"}},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, OrderBy: types.OrderByLastEventTime, Limit: aws.Int32(2)}, []string{"c/1", "c/2", "b", "a", "d"}},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true), Limit: aws.Int32(2)}, []string{"d", "a", "b", "c/2", "c/1"}},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupIdentifier: aws.String("arn:aws:logs:eu-west-1:000000000000:log-group:g"), LogStreamNamePrefix: aws.String("d")}, []string{"d"}},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupIdentifier: aws.String("g"), LogStreamNamePrefix: aws.String("zzz")}, nil},
	} {
		if got := list(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("DescribeLogStreams(%+v) = %v, want %v", tc.in, got, tc.want)
		}
	}

	out, err := c.DescribeLogStreams(ctx(t), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, LogStreamNamePrefix: aws.String("a")})
	if err != nil {
		t.Fatal(err)
	}
	a := out.LogStreams[0]
	if aws.ToInt64(a.FirstEventTimestamp) != base+2 || aws.ToInt64(a.LastEventTimestamp) != base+5 ||
		aws.ToInt64(a.LastIngestionTime) != ms(t0) || aws.ToInt64(a.CreationTime) != ms(t0) ||
		aws.ToString(a.Arn) != "arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:a" ||
		aws.ToInt64(a.StoredBytes) != 0 || a.UploadSequenceToken == nil {
		t.Errorf("stream a = %+v", a)
	}
	out, err = c.DescribeLogStreams(ctx(t), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, LogStreamNamePrefix: aws.String("c/1")})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.LogStreams[0]; s.FirstEventTimestamp != nil || s.LastEventTimestamp != nil || s.LastIngestionTime != nil {
		t.Errorf("empty stream = %+v", s)
	}

	for _, tc := range []struct {
		in        cloudwatchlogs.DescribeLogStreamsInput
		code, msg string
	}{
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("nope")}, "ResourceNotFoundException", "The specified log group does not exist."},
		{cloudwatchlogs.DescribeLogStreamsInput{}, "InvalidParameterException", "logGroupName or logGroupIdentifier"},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, LogGroupIdentifier: g}, "ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters."},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, OrderBy: types.OrderByLastEventTime, LogStreamNamePrefix: aws.String("a")}, "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix."},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, NextToken: aws.String("bm9wZQ")}, "InvalidParameterException", "The specified nextToken is invalid."},
		{cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, OrderBy: "Size"}, "InvalidParameterException", "Member must satisfy enum value set: [LogStreamName, LastEventTime]"},
	} {
		_, err := c.DescribeLogStreams(ctx(t), &tc.in)
		wantErr(t, err, tc.code, tc.msg)
	}
	// A token from one order is refused in another.
	first, err := c.DescribeLogStreams(ctx(t), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeLogStreams(ctx(t), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, Descending: aws.Bool(true), NextToken: first.NextToken})
	wantErr(t, err, "InvalidParameterException", "The specified nextToken is invalid.")

	// DeleteLogStream.
	if _, err := c.DeleteLogStream(ctx(t), &cloudwatchlogs.DeleteLogStreamInput{LogGroupName: g, LogStreamName: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteLogStream(ctx(t), &cloudwatchlogs.DeleteLogStreamInput{LogGroupName: g, LogStreamName: aws.String("a")})
	wantErr(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	_, err = c.DeleteLogStream(ctx(t), &cloudwatchlogs.DeleteLogStreamInput{LogGroupName: aws.String("x"), LogStreamName: aws.String("a")})
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	if got := list(cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g}); !slices.Equal(got, []string{"b", "c/1", "c/2", "d"}) {
		t.Errorf("after delete: %v", got)
	}
}

func TestRetentionPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	c := e.client
	g := aws.String("g")
	_, err := c.PutRetentionPolicy(ctx(t), &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: g, RetentionInDays: aws.Int32(1)})
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	e.createGroup(t, "g")
	e.createStream(t, "g", "s")
	_, err = c.PutRetentionPolicy(ctx(t), &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: g, RetentionInDays: aws.Int32(2)})
	wantErr(t, err, "InvalidParameterException",
		"1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]")

	day := 24 * time.Hour
	e.put(t, "g", "s", ev(ms(t0.Add(-3*day)), "three days old"))
	e.put(t, "g", "s", ev(ms(t0.Add(-day/2)), "half a day old"))
	if _, err := c.PutRetentionPolicy(ctx(t), &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: g, RetentionInDays: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	groups, err := c.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 1 {
		t.Fatalf("retention = %v, %v", groups, err)
	}
	get := func() []string {
		out, err := c.GetLogEvents(ctx(t), &cloudwatchlogs.GetLogEventsInput{LogGroupName: g, LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		return outMessages(out.Events)
	}
	if got := get(); !slices.Equal(got, []string{"half a day old"}) {
		t.Fatalf("after retention: %v", got)
	}
	// Expired events are rejected by PutLogEvents.
	out := e.put(t, "g", "s", ev(ms(t0.Add(-2*day)), "expired"), ev(ms(t0), "fresh"))
	if r := out.RejectedLogEventsInfo; r == nil || aws.ToInt32(r.ExpiredLogEventEndIndex) != 0 || r.TooOldLogEventEndIndex != nil {
		t.Fatalf("rejected = %+v", r)
	}
	// Time passes: what is older than a day disappears.
	e.clock.Advance(day)
	if got := get(); !slices.Equal(got, []string{"fresh"}) {
		t.Fatalf("a day later: %v", got)
	}
	if _, err := c.DeleteRetentionPolicy(ctx(t), &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: g}); err != nil {
		t.Fatal(err)
	}
	groups, err = c.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || groups.LogGroups[0].RetentionInDays != nil {
		t.Fatalf("retention after delete = %v, %v", groups, err)
	}
	_, err = c.DeleteRetentionPolicy(ctx(t), &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

func TestTags(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	c := e.client
	if _, err := c.CreateLogGroup(ctx(t), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	arn := aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g")
	if _, err := c.TagResource(ctx(t), &cloudwatchlogs.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"b": "2", "c": "3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx(t), &cloudwatchlogs.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"c"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx(t), &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || len(tags.Tags) != 2 || tags.Tags["a"] != "1" || tags.Tags["b"] != "2" {
		t.Fatalf("ListTagsForResource = %v, %v", tags, err)
	}
	// TagLogGroup, UntagLogGroup and ListTagsLogGroup are deprecated but served.
	if _, err := c.TagLogGroup(ctx(t), &cloudwatchlogs.TagLogGroupInput{LogGroupName: aws.String("g"), Tags: map[string]string{"d": "4"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagLogGroup(ctx(t), &cloudwatchlogs.UntagLogGroupInput{LogGroupName: aws.String("g"), Tags: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	old, err := c.ListTagsLogGroup(ctx(t), &cloudwatchlogs.ListTagsLogGroupInput{LogGroupName: aws.String("g")})
	if err != nil || len(old.Tags) != 2 || old.Tags["b"] != "2" || old.Tags["d"] != "4" {
		t.Fatalf("ListTagsLogGroup = %v, %v", old, err)
	}

	many := map[string]string{}
	for i := range 49 {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err = c.TagResource(ctx(t), &cloudwatchlogs.TagResourceInput{ResourceArn: arn, Tags: many})
	wantErr(t, err, "TooManyTagsException", "no more than 50 tags")
	_, err = c.ListTagsForResource(ctx(t), &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:nope")})
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = c.ListTagsForResource(ctx(t), &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:000000000000:destination:d")})
	wantErr(t, err, "ResourceNotFoundException", "The specified resource does not exist.")
	_, err = c.ListTagsLogGroup(ctx(t), &cloudwatchlogs.ListTagsLogGroupInput{LogGroupName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

func TestDeletionProtection(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cwlogs.Options{})
	c := e.client
	g := aws.String("g")
	if _, err := c.CreateLogGroup(ctx(t), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: g, DeletionProtectionEnabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	e.createStream(t, "g", "s")
	_, err := c.DeleteLogGroup(ctx(t), &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: g})
	wantErr(t, err, "ValidationException", "deletion protection")
	_, err = c.DeleteLogStream(ctx(t), &cloudwatchlogs.DeleteLogStreamInput{LogGroupName: g, LogStreamName: aws.String("s")})
	wantErr(t, err, "ValidationException", "deletion protection")
	out, err := c.DescribeLogGroups(ctx(t), &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || !aws.ToBool(out.LogGroups[0].DeletionProtectionEnabled) {
		t.Fatalf("describe: %v, %v", out, err)
	}
	if _, err := c.PutLogGroupDeletionProtection(ctx(t), &cloudwatchlogs.PutLogGroupDeletionProtectionInput{
		LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g"), DeletionProtectionEnabled: aws.Bool(false),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteLogGroup(ctx(t), &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: g}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutLogGroupDeletionProtection(ctx(t), &cloudwatchlogs.PutLogGroupDeletionProtectionInput{
		LogGroupIdentifier: g, DeletionProtectionEnabled: aws.Bool(true),
	})
	wantErr(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}
