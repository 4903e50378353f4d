package main

// The dynamic partitioning bench (-partitioning): records/s accepted by a
// stream whose MetadataExtraction processor runs a two-key jq query, with
// few and with 100 active partitions, against the same binary's stream with
// no processing, loaded in turn in the same run. Each stream delivers to the
// built-in S3 every second (--max-buffer-interval 1s), so partitions are
// cut, written and opened again while the load runs.

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const (
	partPlain = "plain"
	partFew   = "jq-4-partitions"
	partMany  = "jq-100-partitions"
)

// DefaultPartitionQuery is the two-key query of the jq streams, unless
// -partition-query says otherwise.
const DefaultPartitionQuery = "{customer:.customer,device:.device}"

// partitionRecords are n JSON records of about size bytes, spread over
// customers × 2 devices.
func partitionRecords(seed uint64, n, size, customers int) []types.Record {
	pad := makeRecords(seed, n, max(size-60, 8))
	recs := make([]types.Record, n)
	for i := range recs {
		device := [2]string{"mobile", "desktop"}[i%2]
		p := string(pad[i].Data[:len(pad[i].Data)-1])
		recs[i] = types.Record{Data: fmt.Appendf(nil, `{"customer":"c%03d","device":%q,"pad":%q}`+"\n", (i/2)%customers, device, sanitize(p))}
	}
	return recs
}

// sanitize keeps the padding printable JSON string content.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '"' || c == '\\' {
			b[i] = '_'
		}
	}
	return string(b)
}

func createPartitionStreams(ctx context.Context, cfg aws.Config, query string) error {
	if err := setupStream(ctx, cfg); err != nil { // the bucket
		return err
	}
	fh := firehose.NewFromConfig(cfg)
	plain := &types.ExtendedS3DestinationConfiguration{
		RoleARN:   aws.String("arn:aws:iam::000000000000:role/firehose-bench"),
		BucketARN: aws.String("arn:aws:s3:::" + benchBucket),
	}
	dp := *plain
	dp.Prefix = aws.String("customer=!{partitionKeyFromQuery:customer}/device=!{partitionKeyFromQuery:device}/")
	dp.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
	dp.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(64), IntervalInSeconds: aws.Int32(60)}
	dp.DynamicPartitioningConfiguration = &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)}
	dp.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
		Type: types.ProcessorTypeMetadataExtraction,
		Parameters: []types.ProcessorParameter{
			{ParameterName: types.ProcessorParameterNameMetadataExtractionQuery, ParameterValue: aws.String(query)},
			{ParameterName: types.ProcessorParameterNameJsonParsingEngine, ParameterValue: aws.String("JQ-1.6")},
		}}}}
	for name, d := range map[string]*types.ExtendedS3DestinationConfiguration{partPlain: plain, partFew: &dp, partMany: &dp} {
		if _, err := fh.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(name), ExtendedS3DestinationConfiguration: d}); err != nil {
			return fmt.Errorf("CreateDeliveryStream %s: %w", name, err)
		}
	}
	return nil
}

// runPartitioning loads the three streams of one firehose-local in turn,
// every round and worker count, alternating the order.
func runPartitioning(o options, bin string) error {
	p, err := startFirehoseLocal(bin, "--max-buffer-interval", "1s", "--log-level", "error")
	if err != nil {
		return err
	}
	defer p.stop(30 * time.Second)
	ctx := context.Background()
	maxW := slices.Max(o.workers)
	cfg := awsConfig(p.url, maxW)
	if err := createPartitionStreams(ctx, cfg, o.partitionQuery); err != nil {
		return err
	}
	customers := map[string]int{partPlain: 2, partFew: 2, partMany: 50}
	results := map[string]map[int][]loadResult{}
	streams := []string{partPlain, partFew, partMany}
	for round := 1; round <= o.rounds; round++ {
		order := slices.Clone(streams)
		if round%2 == 0 {
			slices.Reverse(order)
		}
		for _, w := range o.workers {
			for _, s := range order {
				res := runLoadOn(ctx, cfg, s, func(w int) []types.Record {
					return partitionRecords(uint64(w+1), o.records, o.size, customers[s])
				}, w, o.warmup, o.duration, p.pid())
				if res.errors > 0 || res.failed > 0 {
					return fmt.Errorf("%s, %d workers: %d failed calls, %d failed records (%s)", s, w, res.errors, res.failed, res.firstErr)
				}
				if results[s] == nil {
					results[s] = map[int][]loadResult{}
				}
				results[s][w] = append(results[s][w], res)
				logf("round %d  %-18s %d workers: %.0f records/s", round, s, w, res.recordsPerSec())
				if err := flush(p.url); err != nil {
					return err
				}
			}
		}
	}
	// Every record must have gone to its partition, none to the error
	// output.
	s3c, err := noErrorOutput(ctx, cfg)
	if err != nil {
		return err
	}
	list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(benchBucket), Prefix: aws.String("customer=c049/device=desktop/"), MaxKeys: aws.Int32(1)})
	if err != nil || len(list.Contents) == 0 {
		return fmt.Errorf("no object in the 100th partition: %v", err)
	}
	printPartitioning(os.Stdout, o, results)
	return nil
}

func printPartitioning(w io.Writer, o options, results map[string]map[int][]loadResult) {
	fmt.Fprintf(w, "\nQuery `%s`; %d rounds of %v per stream and worker count, %d records of %d bytes per call; medians, range of the per-round ratios in brackets.\n\n",
		o.partitionQuery, o.rounds, o.duration, o.records, o.size)
	fmt.Fprintln(w, "| workers | no processing records/s | jq, 4 partitions records/s | jq, 100 partitions records/s | 4 partitions / none | 100 partitions / none |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|")
	for _, n := range o.workers {
		plain, few, many := results[partPlain][n], results[partFew][n], results[partMany][n]
		rf, rm := ratios(few, plain), ratios(many, plain)
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %.0f | **%.2f** [%.2f–%.2f] | **%.2f** [%.2f–%.2f] |\n", n,
			percentile(rates(plain), 50), percentile(rates(few), 50), percentile(rates(many), 50),
			percentile(rf, 50), slices.Min(rf), slices.Max(rf), percentile(rm, 50), slices.Min(rm), slices.Max(rm))
	}
}

// noErrorOutput checks that the bench bucket has nothing under errors/,
// and returns its S3 client.
func noErrorOutput(ctx context.Context, cfg aws.Config) (*s3.Client, error) {
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(benchBucket), Prefix: aws.String("errors/"), MaxKeys: aws.Int32(1)})
	if err != nil {
		return nil, err
	}
	if len(list.Contents) > 0 {
		return nil, fmt.Errorf("records went to the error output: %s", aws.ToString(list.Contents[0].Key))
	}
	return s3c, nil
}
