// Package kinesis serves Amazon Kinesis Data Streams over its JSON 1.1 API
// (X-Amz-Target: Kinesis_20131202.<Operation>), and as a Go API (Shards,
// ReadShard, LastSequence) for consumers inside the emulator, such as
// Firehose's Kinesis source.
//
// Served: CreateStream, DeleteStream, DescribeStream, DescribeStreamSummary,
// ListStreams, ListShards, Increase/DecreaseStreamRetentionPeriod,
// AddTagsToStream, RemoveTagsFromStream, ListTagsForStream, and
// TagResource, UntagResource and ListTagsForResource on a stream or a
// consumer (tags.go),
// Start/StopStreamEncryption (state only: nothing is encrypted),
// SplitShard, MergeShards, UpdateShardCount (UNIFORM_SCALING),
// UpdateMaxRecordSize (the stream's maximum record size, 1 MiB unless set,
// enforced on PutRecord and PutRecords), UpdateStreamMode (twice in 24
// hours; the shards stay), Enable/DisableEnhancedMonitoring (shard-level
// metrics: monitoring.go), DescribeLimits (AWS's default account quotas,
// enforced: limits.go), PutRecord, PutRecords,
// GetShardIterator and GetRecords, and enhanced fan-out:
// RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers,
// DeregisterStreamConsumer (consumers.go) and SubscribeToShard, an event
// stream served over HTTP/1.1 or HTTP/2 by NewAPI only, in JSON or CBOR
// (subscribe.go), and Put/Get/DeleteResourcePolicy on a stream or a
// consumer (stored, not enforced: policies.go). Every other operation of the model is refused by name with
// InvalidArgumentException ("firehose-local does not support <Op> yet."),
// as are request members the service has nothing faithful to do with
// (StreamId, WarmThroughputMiBps, ListShards' StreamCreationTimestamp); an operation the model does not have answers
// UnknownOperationException. Requests are checked against the embedded
// botocore model (models/) with AWS's ValidationException messages.
//
// Streams are ACTIVE as soon as CreateStream answers (AWS goes through
// CREATING for some seconds; clients that wait for ACTIVE find it at once).
// Streams are per region, of one account (Options.Account); a stream is
// named by StreamName or by StreamARN
// (arn:aws:kinesis:<region>:<account>:stream/<name>).
//
// Shards, hash keys, sequence numbers and iterators are described in
// hashkey.go, sequence.go and iterator.go; resharding in shards.go and
// scaling.go; how a shard keeps its records in memory, out of the garbage
// collector's way, in recordlog.go; the PutRecords fast path in fastput.go. By default there are no throughput limits: no call is
// throttled and no PutRecords entry fails on its own (FailedRecordCount is
// 0); Options.Limits applies AWS's per-shard limits (traffic.go), which
// also counts each stream's CloudWatch metrics (CollectMetrics). View
// describes every stream for the web console. Retention
// is applied as records are read (records older than the retention period
// are not returned, and TRIM_HORIZON starts after them) and, for the shards
// written to, as records are put (they are deleted).
//
// With a statestore.Handle, every change (each put record included) is
// committed (synced) before the call that made it answers, and New reloads
// everything (see persist.go).
//
// The Java SDKs and the KPL send CBOR (application/x-amz-cbor-1.1): such a
// request is read as the JSON it stands for and answered in CBOR (blobs as
// byte strings, timestamps as tag 1 around epoch milliseconds, errors as
// {__type, message}), by protocol/cborjson; SubscribeToShard too, its event
// payloads in CBOR (subscribe.go).
package kinesis
