package firehose

import (
	"net/url"
	"sort"
	"time"

	"github.com/firehose-local/firehose-local/console"
	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/protocol"
)

// ConsoleStreams describes every stream and its buffers now, for the
// web console.
func (s *Service) ConsoleStreams() []console.Stream {
	now := s.clock.Now()
	type item struct {
		view console.Stream
		pipe *delivery.Pipeline
	}
	var items []item
	s.mu.Lock()
	for _, byName := range s.streams {
		for _, st := range byName {
			if st.deleting && !now.Before(st.goneAt) {
				continue
			}
			items = append(items, item{consoleStream(st, now, s.cfg.TransitionDelay), st.pipe})
		}
	}
	s.mu.Unlock()
	out := make([]console.Stream, len(items))
	for i, it := range items {
		out[i] = it.view
		if it.pipe != nil {
			b, interval := it.pipe.BufferState(now)
			out[i].Buffer, out[i].Interval = b, interval
			if rs, ok := it.pipe.RedshiftStats(); ok {
				out[i].Redshift = &rs
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// consoleStream is st's configuration as DescribeDeliveryStream shows it,
// defaults materialised. The caller holds the service's mutex.
func consoleStream(st *stream, now time.Time, delay time.Duration) console.Stream {
	d := st.describe(now, delay)
	v := console.Stream{
		Name: st.name, Region: st.region, ARN: st.arn, Status: d.DeliveryStreamStatus,
		Type: st.typ, Version: st.version, Created: st.createdAt,
	}
	var s3d *protocol.S3DestinationDescription
	var hints *protocol.BufferingHints
	var pc *protocol.ProcessingConfiguration
	dest := d.Destinations[0]
	switch {
	case dest.HttpEndpointDestinationDescription != nil:
		h := dest.HttpEndpointDestinationDescription
		v.Destination = "HTTP endpoint"
		if e := h.EndpointConfiguration; e != nil {
			v.EndpointName = deref(e.Name)
			if u, err := url.Parse(e.Url); err == nil {
				v.EndpointURL = u.Scheme + "://" + u.Host
			}
		}
		s3d, hints, pc = h.S3DestinationDescription, h.BufferingHints, h.ProcessingConfiguration
	case dest.SplunkDestinationDescription != nil:
		h := dest.SplunkDestinationDescription
		v.Destination = "Splunk"
		if u, err := url.Parse(h.HECEndpoint); err == nil {
			v.EndpointURL = u.Scheme + "://" + u.Host
		}
		s3d, hints, pc = h.S3DestinationDescription, h.BufferingHints, h.ProcessingConfiguration
	case st.dest.OpenSearch != nil:
		s3d, hints, pc = consoleOpenSearch(&v, *st.dest.OpenSearch, dest)
	case dest.RedshiftDestinationDescription != nil:
		r := dest.RedshiftDestinationDescription
		v.Destination = "Amazon Redshift"
		v.EndpointURL = jdbcHost(r.ClusterJDBCURL)
		s3d, pc = r.S3DestinationDescription, r.ProcessingConfiguration
		if s3d != nil {
			hints = &s3d.BufferingHints
		}
	case dest.ExtendedS3DestinationDescription != nil:
		e := dest.ExtendedS3DestinationDescription
		v.Destination = "Amazon S3"
		s3d, hints, pc = &e.S3DestinationDescription, &e.BufferingHints, e.ProcessingConfiguration
	}
	if s3d != nil {
		v.Bucket = delivery.BucketFromARN(s3d.BucketARN)
		v.Prefix, v.ErrorPrefix = deref(s3d.Prefix), deref(s3d.ErrorOutputPrefix)
		v.Compression = s3d.CompressionFormat
	}
	v.BufferSizeMB, v.BufferSeconds = delivery.BufferingHints(hints)
	v.Interval = time.Duration(v.BufferSeconds) * time.Second
	v.LambdaARN = delivery.LambdaARN(pc)
	return v
}
