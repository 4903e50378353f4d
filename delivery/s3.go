package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/compression"
	"github.com/firehose-local/firehose-local/delivery/builtin"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/google/uuid"
)

// The S3 destination: a batch becomes one object, named and compressed as
// Firehose names and compresses them, retried for up to 24 hours.

// retryWindow is how long AWS keeps retrying an S3 delivery for a Direct
// PUT stream before the data is dropped.
const retryWindow = 24 * time.Hour

// deliverS3 writes one object, retrying with exponential backoff for up to
// the retry window. After the window AWS drops the data; so do we, loudly.
// It reports false if shutdown abandoned the batch before it was written
// (with --data-dir its records are delivered after the next start).
func (p *Pipeline) deliverS3(b *Batch) bool {
	started := p.d.Clock.Now()
	if b.cfg.conv != nil && b.errorType == "" && !b.backup && b.converted == nil {
		body, ok := p.convertBatch(b)
		if !ok {
			return true // every record went to the error output
		}
		b.converted = body
	}
	backoff := time.Second
	for attempt := 1; ; attempt++ {
		if p.isDiscarded() {
			return true
		}
		err := p.writeObject(b)
		if err != nil && p.aborted() {
			p.log.Error("shutdown deadline reached: records not delivered", "destination", b.destination(), "records", len(b.ends))
			return false
		}
		p.countS3(b, err == nil)
		if err == nil {
			return true
		}
		// Reported in AWS's words, as the CloudWatch Logs event has them;
		// the S3 client's own text goes to the debug log.
		code, msg := s3ErrorCode(err)
		p.mu.Lock()
		b.err = errors.New(code + ": " + msg)
		p.mu.Unlock()
		p.linError(b, code, msg)
		p.logError(b.cfg, b.cfg.http != nil || b.cfg.os != nil || b.cfg.redshift != nil, code, msg, "")
		p.log.Warn("S3 delivery failed; will retry", "bucket", b.cfg.bucket, "attempt", attempt, "records", len(b.ends), "errorCode", code, "error", msg)
		p.log.Debug("S3 delivery error", "bucket", b.cfg.bucket, "error", err)
		if b.keys != nil && b.errorType == "" && b.cfg.dp != nil && p.d.Clock.Now().Sub(started) >= b.cfg.dp.retry {
			p.log.Error("dynamic partitioning retry duration exhausted: records written to the error output", "bucket", b.cfg.bucket, "partition", b.keys.String(), "records", len(b.ends), "errorCode", code, "error", msg)
			p.partitionFailed(b, code, msg)
			return true
		}
		if p.d.Clock.Now().Sub(started) >= retryWindow {
			p.log.Error("S3 delivery retry window (24 h) exhausted: records dropped, as AWS drops them", "bucket", b.cfg.bucket, "records", len(b.ends), "errorCode", code, "error", msg)
			p.linDropped(b, 0, len(b.ends), code+": "+msg+" (the 24-hour retry window ended)")
			return true
		}
		if !p.wait(b, backoff) {
			// Discarded (stream deleted), or abandoned at shutdown.
			return p.isDiscarded()
		}
		backoff = min(backoff*2, 2*time.Minute)
	}
}

// countS3 counts one S3 put: a delivery for an S3 destination, a backup or
// error-output write for an HTTP endpoint destination.
func (p *Pipeline) countS3(b *Batch, ok bool) {
	m := p.m
	records, bytes, success, attempts := &m.DelivRecords, &m.DelivBytes, &m.DelivSuccess, &m.DelivAttempts
	if b.cfg.http != nil || b.cfg.os != nil {
		records, bytes, success, attempts = &m.BackupRecords, &m.BackupBytes, &m.BackupSuccess, &m.BackupAttempts
	} else if b.backup {
		records, bytes, success, attempts = &m.S3BackupRecords, &m.S3BackupBytes, &m.S3BackupSuccess, &m.S3BackupAttempts
	}
	attempts.Add(1)
	if ok && b.keys != nil && b.errorType == "" {
		secs := max(1, p.d.Clock.Now().Sub(b.first).Seconds())
		m.PerPartitionThroughput.Store(int64(float64(len(b.data)) / secs))
	}
	if ok {
		success.Add(1)
		records.Add(int64(len(b.ends)))
		bytes.Add(int64(len(b.data)))
	}
}

// writeObject compresses the batch and writes it under its key.
func (p *Pipeline) writeObject(b *Batch) error {
	c := b.cfg
	prefix, err := "", c.keysErr
	if err == nil && b.errorType != "" {
		prefix, err = c.keys.Error(b.errorType, b.first, c.loc, nil)
	} else if err == nil {
		prefix, err = c.keys.Partition(b.first, c.loc, nil, b.keys)
	}
	if err != nil {
		return fmt.Errorf("evaluating prefix: %w", err)
	}
	key := prefix + objectName(p.stream, c, b.first)
	body := b.converted // Parquet compresses its own pages; CompressionFormat is UNCOMPRESSED
	if body == nil {
		body, err = compression.Compress(c.format, b.data, key[strings.LastIndex(key, "/")+1:])
		if err != nil {
			return err
		}
	}
	meta := ObjectMeta{ContentType: "application/octet-stream", ContentEncoding: c.format.ContentEncoding(), KMSKeyARN: c.kmsKeyARN}
	timeout, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A forced shutdown does not wait for a store that hangs.
	ctx, stop := p.batchContext(timeout, false)
	defer stop()
	err = p.d.Store.PutObject(ctx, c.bucket, key, body, meta)
	if err == nil {
		b.objectKey = key
	}
	if err == nil && c.redshift != nil && b.errorType == "" && !b.backup {
		b.stagedKey = key
	}
	return err
}

// objectName is <stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><ext>.
func objectName(stream string, c destConfig, first time.Time) string {
	t := first.In(c.loc)
	var sb strings.Builder
	sb.Grow(len(stream) + 64)
	sb.WriteString(stream)
	sb.WriteByte('-')
	sb.WriteString(strconv.Itoa(c.version))
	sb.WriteByte('-')
	sb.WriteString(t.Format("2006-01-02-15-04-05"))
	sb.WriteByte('-')
	sb.WriteString(uuid.NewString())
	sb.WriteString(c.ext)
	return sb.String()
}

// CheckS3 applies the rules AWS checks beyond the model's
// constraints, and refuses by name what firehose-local does not implement.
func CheckS3(d *protocol.ExtendedS3DestinationConfiguration) *awsjson.Error {
	dp := DynamicPartitioning(*d)
	if err := checkS3Common(d, dp); err != nil {
		return err
	}
	if err := checkConversion(d); err != nil {
		return err
	}
	if dp {
		size, interval := BufferingHints(d.BufferingHints)
		if size < 64 {
			return awsjson.NewError(awsjson.ErrInvalidArgument, "BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled.")
		}
		if interval < 60 {
			return awsjson.NewError(awsjson.ErrInvalidArgument, "BufferingHints.IntervalInSeconds must be at least 60 seconds when Dynamic Partitioning is enabled.")
		}
	}
	proc, err := parseProcessing(d.ProcessingConfiguration, 0, dp)
	if err != nil {
		return err
	}
	if d.S3BackupMode == "Enabled" {
		if d.S3BackupConfiguration == nil {
			return awsjson.NewError(awsjson.ErrInvalidArgument, "S3BackupConfiguration is required when S3BackupMode is Enabled.")
		}
		backup := ExtendedS3(d.S3BackupConfiguration)
		if err := checkS3Common(&backup, false); err != nil {
			return err
		}
	}
	if tz := d.CustomTimeZone; tz != nil && *tz != "" {
		if _, err := time.LoadLocation(*tz); err != nil {
			return awsjson.NewError(awsjson.ErrInvalidArgument, "CustomTimeZone %s is not a valid time zone.", *tz)
		}
	}
	if dp {
		return checkPartitionKeys(d, proc)
	}
	return nil
}

// checkS3Common checks what every S3 configuration has: buffering hints,
// encryption, and the prefixes.
func checkS3Common(d *protocol.ExtendedS3DestinationConfiguration, dp bool) *awsjson.Error {
	if h := d.BufferingHints; h != nil && (h.SizeInMBs == nil) != (h.IntervalInSeconds == nil) {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "BufferingHints.SizeInMBs and BufferingHints.IntervalInSeconds must be specified together.")
	}
	if e := d.EncryptionConfiguration; e != nil && e.NoEncryptionConfig != "" && e.KMSEncryptionConfig != nil {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "EncryptionConfiguration can specify either NoEncryptionConfig or KMSEncryptionConfig, not both.")
	}
	if err := protocol.ValidatePrefixes(deref(d.Prefix), deref(d.ErrorOutputPrefix), dp); err != nil {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "%s", err.Error())
	}
	return nil
}

// checkPartitionKeys checks that every key the Prefix uses has a source: a
// MetadataExtraction query that yields it for !{partitionKeyFromQuery:k},
// a Lambda processor for !{partitionKeyFromLambda:k}; and that the query
// yields no key the Prefix does not use.
func checkPartitionKeys(d *protocol.ExtendedS3DestinationConfiguration, pc *processing) *awsjson.Error {
	keys, err := protocol.ParseKeyPrefixes(deref(d.Prefix), deref(d.ErrorOutputPrefix))
	if err != nil {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "%s", err.Error())
	}
	query, lambda := keys.PartitionKeyNames()
	var extract *builtin.MetadataExtractor
	if pc != nil {
		extract = pc.extract
	}
	if extract != nil {
		if err := extract.CheckPrefixKeys(query); err != nil {
			return err
		}
		if yields, static := extract.Keys(); static {
			for _, k := range query {
				if !slices.Contains(yields, k) {
					return awsjson.NewError(awsjson.ErrInvalidArgument, "Prefix contains !{partitionKeyFromQuery:%s} but the MetadataExtraction query does not produce the key %s.", k, k)
				}
			}
		}
	} else if len(query) > 0 {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "Prefix contains !{partitionKeyFromQuery:%s} but ProcessingConfiguration has no MetadataExtraction processor to extract it.", query[0])
	}
	if len(lambda) > 0 && (pc == nil || pc.proc == nil) {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "Prefix contains !{partitionKeyFromLambda:%s} but ProcessingConfiguration has no Lambda processor to return it.", lambda[0])
	}
	return nil
}
