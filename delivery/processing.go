package delivery

import (
	"time"

	"github.com/firehose-local/firehose-local/delivery/builtin"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// A destination's data processing (ProcessingConfiguration), in AWS's
// order: the record stages Decompression, CloudWatchLogProcessing and
// RecordDeAggregation as each record arrives (preStages); then the Lambda
// processor with its own buffer (procConfig, processor.go, lambda.go);
// then, on the way into the destination buffers, MetadataExtraction's keys
// (partition.go) and AppendDelimiterToRecord. The processors themselves are
// package builtin's.

// processing is a parsed ProcessingConfiguration.
type processing struct {
	pre       *preStages
	proc      *procConfig // the Lambda processor, nil without one
	extract   *builtin.MetadataExtractor
	delimiter *builtin.DelimiterAppender
}

// parseProcessing reads a ProcessingConfiguration: nil when processing is
// off. dp is whether the destination has dynamic partitioning on. It
// refuses what AWS refuses, with AWS's messages where they are known.
func parseProcessing(pc *protocol.ProcessingConfiguration, maxInterval time.Duration, dp bool) (*processing, *awsjson.Error) {
	plan, err := builtin.ParseProcessing(pc, dp)
	if plan == nil || err != nil {
		return nil, err
	}
	out := &processing{extract: plan.Metadata, delimiter: plan.AppendDelimiter}
	if plan.Decompression != nil || plan.CloudWatchLogs != nil || plan.DeAggregation != nil {
		out.pre = &preStages{decompress: plan.Decompression, cwl: plan.CloudWatchLogs, deagg: plan.DeAggregation}
	}
	if l := plan.Lambda; l != nil {
		out.proc = &procConfig{processor: &lambdaProcessor{arn: l.ARN, retries: l.Retries}, sizeLimit: l.BufferSize, interval: l.BufferInterval, fits: fitsEvent}
		if maxInterval > 0 && out.proc.interval > maxInterval {
			out.proc.interval = maxInterval
		}
	}
	return out, nil
}

// preStages are the record stages in front of the Lambda processor.
type preStages struct {
	decompress *builtin.Decompressor
	cwl        *builtin.CloudWatchLogs
	deagg      *builtin.DeAggregator
}

// run applies the stages to one record and returns what comes out: no
// record (a CloudWatch Logs control message), one, or the sub-records of a
// de-aggregated one. The results may share memory with r.
func (s *preStages) run(r []byte) ([][]byte, *builtin.Failure) {
	var f *builtin.Failure
	if s.decompress != nil {
		if r, f = s.decompress.Decompress(nil, r); f != nil {
			return nil, f
		}
	}
	if s.cwl != nil && s.cwl.Extract {
		if r, f = s.cwl.Process(nil, r); f != nil {
			return nil, f
		}
		if len(r) == 0 {
			return nil, nil
		}
	}
	if s.deagg != nil {
		out, _ := s.deagg.Split(nil, r)
		return out, nil
	}
	return [][]byte{r}, nil
}

// rawOf is what an error document of a record shows when the record came
// through the stages from raw: with Decompression, the record as it was
// sent, still compressed (AWS's decompression FAQ); else the record itself.
func (s *preStages) rawOf(raw, r []byte) []byte {
	if s != nil && s.decompress != nil {
		return raw
	}
	return r
}
