package delivery

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// A stream's metrics, as Prometheus metrics under the names the emulator's
// /metrics documents (the CloudWatch names mapped to Prometheus
// conventions), labelled region and delivery_stream.

func streamDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, []string{"region", "delivery_stream"}, nil)
}

var (
	descIncomingRecords = streamDesc("firehose_incoming_records_total", "Records accepted by PutRecord and PutRecordBatch (CloudWatch IncomingRecords).")
	descIncomingBytes   = streamDesc("firehose_incoming_bytes_total", "Bytes accepted by PutRecord and PutRecordBatch (CloudWatch IncomingBytes).")
	descThrottled       = streamDesc("firehose_throttled_records_total", "Records refused with ServiceUnavailableException (CloudWatch ThrottledRecords).")

	descKinesisRecords = streamDesc("firehose_data_read_from_kinesis_stream_records_total", "Records read from the source data stream of a KinesisStreamAsSource stream (CloudWatch DataReadFromKinesisStream.Records).")
	descKinesisBytes   = streamDesc("firehose_data_read_from_kinesis_stream_bytes_total", "Bytes read from the source data stream of a KinesisStreamAsSource stream (CloudWatch DataReadFromKinesisStream.Bytes).")

	descS3Records   = streamDesc("firehose_delivery_to_s3_records_total", "Records delivered to S3 (CloudWatch DeliveryToS3.Records).")
	descS3Bytes     = streamDesc("firehose_delivery_to_s3_bytes_total", "Bytes delivered to S3, before compression (CloudWatch DeliveryToS3.Bytes).")
	descS3Success   = streamDesc("firehose_delivery_to_s3_success_total", "Successful S3 puts (CloudWatch DeliveryToS3.Success is this over attempts).")
	descS3Attempts  = streamDesc("firehose_delivery_to_s3_attempts_total", "S3 puts attempted, successful or not.")
	descS3Freshness = streamDesc("firehose_delivery_to_s3_data_freshness_seconds", "Age of the oldest record not yet delivered to S3 (CloudWatch DeliveryToS3.DataFreshness); 0 when none waits.")

	descHTTPRecords   = streamDesc("firehose_delivery_to_http_endpoint_records_total", "Records delivered to the HTTP endpoint (CloudWatch DeliveryToHttpEndpoint.Records).")
	descHTTPBytes     = streamDesc("firehose_delivery_to_http_endpoint_bytes_total", "Bytes delivered to the HTTP endpoint (CloudWatch DeliveryToHttpEndpoint.Bytes).")
	descHTTPSuccess   = streamDesc("firehose_delivery_to_http_endpoint_success_total", "Successful HTTP endpoint requests (CloudWatch DeliveryToHttpEndpoint.Success is this over attempts).")
	descHTTPAttempts  = streamDesc("firehose_delivery_to_http_endpoint_attempts_total", "HTTP endpoint requests attempted, successful or not.")
	descHTTPFreshness = streamDesc("firehose_delivery_to_http_endpoint_data_freshness_seconds", "Age of the oldest record not yet delivered to the HTTP endpoint (CloudWatch DeliveryToHttpEndpoint.DataFreshness); 0 when none waits.")

	descProcSuccess   = streamDesc("firehose_execute_processing_success_total", "Transform invocations that returned a valid response (CloudWatch ExecuteProcessing.Success is this over attempts).")
	descProcAttempts  = streamDesc("firehose_execute_processing_attempts_total", "Transform invocations attempted.")
	descProcOKRecords = streamDesc("firehose_succeed_processing_records_total", "Records the transform returned Ok (CloudWatch SucceedProcessing.Records).")
	descProcOKBytes   = streamDesc("firehose_succeed_processing_bytes_total", "Bytes of the records the transform returned Ok (CloudWatch SucceedProcessing.Bytes).")

	descBackupRecords  = streamDesc("firehose_backup_to_s3_records_total", "Source records written to the S3 backup of an S3 destination (CloudWatch BackupToS3.Records).")
	descBackupBytes    = streamDesc("firehose_backup_to_s3_bytes_total", "Bytes written to the S3 backup of an S3 destination, before compression (CloudWatch BackupToS3.Bytes).")
	descBackupSuccess  = streamDesc("firehose_backup_to_s3_success_total", "Successful S3 backup puts (CloudWatch BackupToS3.Success is this over attempts).")
	descBackupAttempts = streamDesc("firehose_backup_to_s3_attempts_total", "S3 backup puts attempted, successful or not.")

	descPartitions          = streamDesc("firehose_partition_count", "Partitions with records not yet delivered (CloudWatch PartitionCount).")
	descPartitionsExceeded  = streamDesc("firehose_partition_count_exceeded", "1 while records go to the error output because the active-partition limit is reached (CloudWatch PartitionCountExceeded).")
	descPartitionThroughput = streamDesc("firehose_per_partition_throughput_bytes_per_second", "Bytes per second of the last partition object delivered, over the time its buffer was open (CloudWatch PerPartitionThroughput).")

	descConvOKRecords     = streamDesc("firehose_succeed_conversion_records_total", "Records converted to Parquet (CloudWatch SucceedConversion.Records).")
	descConvOKBytes       = streamDesc("firehose_succeed_conversion_bytes_total", "Bytes of the records converted to Parquet, before conversion (CloudWatch SucceedConversion.Bytes).")
	descConvFailedRecords = streamDesc("firehose_failed_conversion_records_total", "Records that failed format conversion, written to the error output (CloudWatch FailedConversion.Records).")
	descConvFailedBytes   = streamDesc("firehose_failed_conversion_bytes_total", "Bytes of the records that failed format conversion (CloudWatch FailedConversion.Bytes).")
)

// CollectMetrics sends the stream's metrics, labelled with its region and
// name, as they are at now.
func (p *Pipeline) CollectMetrics(ch chan<- prometheus.Metric, now time.Time, region, name string) {
	m, l := p.m, []string{region, name}
	counter := func(d *prometheus.Desc, v *atomic.Int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v.Load()), l...)
	}
	counter(descIncomingRecords, &m.IncomingRecords)
	counter(descIncomingBytes, &m.IncomingBytes)
	counter(descThrottled, &m.Throttled)
	if m.KinesisSource.Load() {
		counter(descKinesisRecords, &m.KinesisReadRecords)
		counter(descKinesisBytes, &m.KinesisReadBytes)
	}
	oldest, isHTTP, hasProc := p.OldestUndelivered()
	freshness := 0.0
	if !oldest.IsZero() {
		freshness = max(now.Sub(oldest).Seconds(), 0)
	}
	if p.isSplunk() {
		p.collectSplunk(ch, l, freshness)
	} else if kind := p.openSearchKind(); kind != "" {
		p.collectOpenSearch(ch, kind, freshness, l)
	} else if isHTTP {
		counter(descHTTPRecords, &m.DelivRecords)
		counter(descHTTPBytes, &m.DelivBytes)
		counter(descHTTPSuccess, &m.DelivSuccess)
		counter(descHTTPAttempts, &m.DelivAttempts)
		ch <- prometheus.MustNewConstMetric(descHTTPFreshness, prometheus.GaugeValue, freshness, l...)
		counter(descS3Records, &m.BackupRecords)
		counter(descS3Bytes, &m.BackupBytes)
		counter(descS3Success, &m.BackupSuccess)
		counter(descS3Attempts, &m.BackupAttempts)
	} else {
		counter(descS3Records, &m.DelivRecords)
		counter(descS3Bytes, &m.DelivBytes)
		counter(descS3Success, &m.DelivSuccess)
		counter(descS3Attempts, &m.DelivAttempts)
		ch <- prometheus.MustNewConstMetric(descS3Freshness, prometheus.GaugeValue, freshness, l...)
	}
	if m.S3BackupAttempts.Load() > 0 {
		counter(descBackupRecords, &m.S3BackupRecords)
		counter(descBackupBytes, &m.S3BackupBytes)
		counter(descBackupSuccess, &m.S3BackupSuccess)
		counter(descBackupAttempts, &m.S3BackupAttempts)
	}
	if m.DynamicPartitioning.Load() {
		gauge := func(d *prometheus.Desc, v *atomic.Int64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v.Load()), l...)
		}
		gauge(descPartitions, &m.Partitions)
		gauge(descPartitionsExceeded, &m.PartitionExceeded)
		gauge(descPartitionThroughput, &m.PerPartitionThroughput)
		m.JQDuration.Collect(ch)
	}
	if hasProc || m.ProcAttempts.Load() > 0 {
		counter(descProcSuccess, &m.ProcSuccess)
		counter(descProcAttempts, &m.ProcAttempts)
		counter(descProcOKRecords, &m.ProcOKRecords)
		counter(descProcOKBytes, &m.ProcOKBytes)
		m.ProcDuration.Collect(ch)
	}
	if p.isRedshift() {
		collectRedshift(ch, m, l)
	}
	if m.Conversion.Load() {
		counter(descConvOKRecords, &m.ConversionOKRecords)
		counter(descConvOKBytes, &m.ConversionOKBytes)
		counter(descConvFailedRecords, &m.ConversionFailedRecords)
		counter(descConvFailedBytes, &m.ConversionFailedBytes)
	}
}
