// Package cwlogs is firehose-local's Amazon CloudWatch Logs: a Store of log
// groups, streams and events, and the CloudWatch Logs API (JSON 1.1,
// X-Amz-Target: Logs_20140328.<Op>) over it, on the emulator's port.
// Function output lands in /aws/lambda/NAME through Store.LambdaSink, and
// `aws logs tail /aws/lambda/NAME --follow` (AWS CLI v2) works against it.
//
// # Wiring
//
//	store := cwlogs.New(cwlogs.Options{})                          // in memory, or
//	store, err := cwlogs.Open(db.Handle("logs"), "", cwlogs.Options{}) // persisted in a statestore.DB
//	defer store.Close()
//	api := cwlogs.NewAPI(store, cwlogs.APIOptions{Region: region, Account: account})
//	// route requests whose X-Amz-Target starts with cwlogs.TargetPrefix to api
//	// and give store.LambdaSink() to lambdarunner as its LogSink
//
// # Operations
//
// Served: CreateLogGroup, DeleteLogGroup, DescribeLogGroups,
// CreateLogStream, DeleteLogStream, DescribeLogStreams, PutLogEvents,
// GetLogEvents, FilterLogEvents, PutRetentionPolicy, DeleteRetentionPolicy,
// PutLogGroupDeletionProtection, ListTagsForResource, TagResource,
// UntagResource, ListTagsLogGroup, TagLogGroup, UntagLogGroup,
// PutSubscriptionFilter, DescribeSubscriptionFilters and
// DeleteSubscriptionFilter.
//
// Every request is first validated against the embedded botocore model
// (models/logs-2014-03-28.json) with protocol's validator. CloudWatch Logs
// reports constraint violations as InvalidParameterException ("1 validation
// error detected: ..."), not ValidationException, so the type is changed and
// the message kept; a body that is not JSON of the right types is a
// SerializationException.
//
// The model's other operations are refused, after validation, with
// InvalidParameterException "firehose-local does not support the CloudWatch
// Logs operation X yet.": the convention firehose-local uses for what it
// does not implement (the service's own invalid-parameter error, naming the
// thing), a client error the SDKs do not retry. UnknownOperationException
// would tell clients the operation does not exist in the API at all, and a
// 5xx would be retried for nothing. A target that is not an operation of
// the model is UnknownOperationException, as in AWS.
//
// # Semantics
//
//   - Events are kept sorted by timestamp within a stream (ties in arrival
//     order), whatever order batches arrive in.
//   - PutLogEvents follows the API reference: the batch must be
//     chronological, at most 10,000 events and 1,048,576 bytes counting 26
//     bytes per event, and its accepted events may not span more than 24
//     hours; events more than 2 hours in the future, older than 14 days or
//     older than the group's retention are skipped and reported in
//     rejectedLogEventsInfo. sequenceToken is accepted and ignored, as AWS
//     does since 2023; nextSequenceToken is still returned.
//   - GetLogEvents' tokens are AWS-shaped: "f/<56 digits>/s" and
//     "b/<56 digits>/s", positions in the stream. A page holds at most
//     limit events (default 10,000) and 1 MB. Without a token it starts at
//     the tail (or the head with startFromHead); a token's direction wins
//     over startFromHead. When there is nothing more in a direction, the
//     token passed in comes back unchanged, which is how the SDK
//     paginators (StopOnDuplicateToken) stop and how a tail polls.
//     startTime is inclusive, endTime exclusive.
//   - FilterLogEvents interleaves the selected streams by timestamp
//     (interleaved is ignored, as AWS does), both time bounds inclusive,
//     ascending unless startFromHead is false; nextToken is present only
//     when more events match. Event IDs are 56-digit strings that sort like
//     the events and stay stable across restarts. searchedLogStreams is an
//     empty list, as AWS returns since 2020. Filter patterns: terms (all
//     must occur, case-sensitive, as whole words), "quoted phrases", ?term
//     (any of), -term (none of), " " (everything) and a standalone %regex%;
//     see filterPattern. JSON and space-delimited patterns are refused as
//     not supported yet.
//   - DescribeLogGroups is ASCII-sorted with logGroupNamePrefix,
//     logGroupNamePattern (substring; only arn, creationTime and name are
//     returned), logGroupClass and logGroupIdentifiers; DescribeLogStreams
//     orders by LogStreamName or LastEventTime, descending or not, with a
//     prefix (not with LastEventTime, as in AWS). Both page by 50 at most.
//   - Log groups and log streams are reported with AWS's ARNs (the region
//     is the request's SigV4 region, the account APIOptions.Account);
//     logGroupName and logGroupIdentifier (a name or an ARN) are exclusive.
//
// # Subscription filters
//
// PutSubscriptionFilter accepts Firehose streams as destinations (with a
// roleArn, as AWS requires); Kinesis streams, Lambda functions and
// cross-account logical destinations pass AWS's roleArn rules and are then
// refused by name, as are fieldSelectionCriteria and emitSystemFields. The
// filter pattern is FilterLogEvents' ("" matches everything). A group has
// at most MaxSubscriptionFilters (2) filters: one more is
// LimitExceededException "Resource limit exceeded.", while putting an
// existing name updates that filter (keeping its creationTime). Every call
// first delivers CloudWatch Logs' CONTROL_MESSAGE to the stream through
// Options.Subscriptions; if it cannot be put (no such stream, not ACTIVE,
// another account) the call fails with AWS's InvalidParameterException
// "Could not deliver test message to specified Firehose stream. Check if
// the given Firehose stream is in ACTIVE state.". distribution and
// applyOnTransformedLogs are stored and echoed; on AWS too they change
// nothing for a Firehose destination of a group without a transformer.
// Filters live with their group (DeleteLogGroup removes them) and are
// persisted with it.
//
// The events PutLogEvents and Append (function output, Firehose's error
// logs) store are matched against the group's filters and delivered as
// CloudWatch Logs delivers them: each Firehose record one gzip member
// (level 6) of {"messageType":"DATA_MESSAGE","owner",...,"logGroup",
// "logStream","subscriptionFilters":[name],"logEvents":[{"id","timestamp",
// "message"}]}, in that member order, the IDs those FilterLogEvents gives
// the events. Delivery is asynchronous (see subdelivery.go): it never
// blocks nor fails the writer; throttling is retried for up to 24 hours,
// other failures drop the record, both logged. Store.WaitSubscriptions
// waits for what is queued (the emulator's flush calls it).
//
// # Bounds
//
// The Store is bounded (Options): at most MaxEventsPerStream events per
// stream (default 100,000) and MaxBytes of events in all (default 64 MiB,
// counting each event as its UTF-8 message plus 26 bytes). Beyond either,
// the oldest events (smallest timestamp) are evicted first: the stream's
// own for the per-stream bound, the whole store's for the byte bound. A
// group holds at most MaxStreamsPerGroup streams (default 10,000): one more
// deletes the group's least recently written stream. There are at most
// MaxGroups groups (default 10,000): CreateLogGroup then fails with
// LimitExceededException ("Resource limit exceeded.") and Append drops
// events for new groups with a warning. A group's retention policy expires
// its events as AWS's does. A stream's first/last event times are not
// lowered by eviction.
//
// # Persistence
//
// Open keeps groups, streams and events in the Store's bucket of the
// server's state store (statestore, DataDir/state.db), loaded into a fresh
// bounded Store on start. Every change goes there, evictions and
// expirations included, so the file stays bounded too. Changes are
// committed in groups by a writer goroutine (one synced transaction for
// everything that changed since the previous one); the API's changes are
// committed at once and answer once committed, and survive a kill -9 or a
// power loss; events appended from inside the server (LambdaSink) wait for
// no one and are committed within 100 ms, and those of the last 100 ms
// before a crash may be lost. Close commits the rest. On a full disk the Store carries on in memory (the state store
// keeps its last committed state) until the next start. The journal of
// earlier releases (DataDir/logs/logs.jsonl) is imported once and removed.
//
// # Differences from AWS
//
//   - One namespace for all regions: log groups are not per region (Lambda's
//     log sink has no region), only ARNs carry the request's region; one
//     account.
//   - Bounded retention (above) where AWS keeps everything; storedBytes of a
//     group is the message bytes kept; a stream's storedBytes is always 0,
//     as AWS reports since 2019.
//   - The filter-pattern rules AWS does not publish are assumptions: a
//     term matches whole words only ("ERROR" does not match "ERRORS"), word
//     characters being letters, digits and "_"; unquoted terms may hold only
//     those (AWS's "Invalid character(s) in term" otherwise); ?-terms and
//     plain terms combine as "all plain terms and at least one ?-term".
//   - Subscription deliveries waiting in the queue (or for a retry) are
//     not persisted: a restart loses them. The queue is bounded
//     (Options.MaxSubscriptionBacklog).
//   - kmsKeyId is stored and echoed, never checked; logGroupClass is
//     stored and filtered on but DELIVERY groups keep events like the
//     others; metricFilterCount is always 0.
//   - Messages whose AWS wording is not known are firehose-local's own:
//     "Either logGroupName or logGroupIdentifier must be specified.",
//     "Log group names cannot start with 'aws/'.", the deletion-protection
//     ValidationException, "Cannot specify both logStreamNames and
//     logStreamNamePrefix.", the startFromHead=false-before-2024 refusal,
//     the unterminated-phrase and regex errors, TooManyTagsException's, and
//     "destinationArn is not a valid ARN: X".
package cwlogs
