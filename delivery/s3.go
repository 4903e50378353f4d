package delivery

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firehose-local/firehose-local/compression"
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
		p.mu.Lock()
		b.err = err
		p.mu.Unlock()
		code, msg := s3ErrorCode(err)
		p.logError(b.cfg, b.cfg.http != nil, code, msg, "")
		p.log.Warn("S3 delivery failed; will retry", "bucket", b.cfg.bucket, "attempt", attempt, "records", len(b.ends), "error", err)
		if p.d.Clock.Now().Sub(started) >= retryWindow {
			p.log.Error("S3 delivery retry window (24 h) exhausted: records dropped, as AWS drops them", "bucket", b.cfg.bucket, "records", len(b.ends), "error", err)
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
	if b.cfg.http != nil {
		records, bytes, success, attempts = &m.BackupRecords, &m.BackupBytes, &m.BackupSuccess, &m.BackupAttempts
	}
	attempts.Add(1)
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
		prefix, err = c.keys.Data(b.first, c.loc, nil)
	}
	if err != nil {
		return fmt.Errorf("evaluating prefix: %w", err)
	}
	key := prefix + objectName(p.stream, c, b.first)
	body, err := compression.Compress(c.format, b.data, key[strings.LastIndex(key, "/")+1:])
	if err != nil {
		return err
	}
	meta := ObjectMeta{ContentType: "application/octet-stream", ContentEncoding: c.format.ContentEncoding(), KMSKeyARN: c.kmsKeyARN}
	timeout, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A forced shutdown does not wait for a store that hangs.
	ctx, stop := p.batchContext(timeout, false)
	defer stop()
	return p.d.Store.PutObject(ctx, c.bucket, key, body, meta)
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
	if h := d.BufferingHints; h != nil && (h.SizeInMBs == nil) != (h.IntervalInSeconds == nil) {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "BufferingHints.SizeInMBs and BufferingHints.IntervalInSeconds must be specified together.")
	}
	if e := d.EncryptionConfiguration; e != nil && e.NoEncryptionConfig != "" && e.KMSEncryptionConfig != nil {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "EncryptionConfiguration can specify either NoEncryptionConfig or KMSEncryptionConfig, not both.")
	}
	if _, err := parseProcessing(d.ProcessingConfiguration, 0); err != nil {
		return err
	}
	if d.S3BackupMode == "Enabled" {
		return protocol.Unsupported("S3BackupMode Enabled")
	}
	if tz := d.CustomTimeZone; tz != nil && *tz != "" {
		if _, err := time.LoadLocation(*tz); err != nil {
			return awsjson.NewError(awsjson.ErrInvalidArgument, "CustomTimeZone %s is not a valid time zone.", *tz)
		}
	}
	if err := protocol.ValidatePrefixes(deref(d.Prefix), deref(d.ErrorOutputPrefix), false); err != nil {
		return awsjson.NewError(awsjson.ErrInvalidArgument, "%s", err.Error())
	}
	return nil
}
