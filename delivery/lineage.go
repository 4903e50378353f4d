package delivery

import "github.com/firehose-local/firehose-local/lineage"

// Record lineage (package lineage): a record's sequence number travels with
// it through the pipeline, in each batch's lin (parallel to ends; nil while
// the batch has no tracked record). The put path writes one index entry per
// record; the later stages attach their facts to whole batches.

// Seqs are the lineage sequence numbers of a put call's records: Base+i
// for record i, or List[i]; zero: not tracked.
type Seqs struct {
	Base uint64
	List []uint64
}

func (s Seqs) at(i int) uint64 {
	if s.List != nil {
		return s.List[i]
	}
	if s.Base == 0 {
		return 0
	}
	return s.Base + uint64(i)
}

// linAt is the sequence number of b's record i; 0: not tracked.
func (b *Batch) linAt(i int) uint64 {
	if b.lin == nil {
		return 0
	}
	return b.lin[i]
}

// linAddLocked notes that the record at hand (p.lin), which arrived at ms,
// is now b's last record, in buffer.
func (p *Pipeline) linAddLocked(b *Batch, ms int64, buffer string) {
	if p.lin == 0 && b.lin == nil {
		return
	}
	if b.lin == nil {
		b.lin = make([]uint64, len(b.ends)-1, cap(b.ends))
	}
	b.lin = append(b.lin, p.lin)
	if p.lin == 0 {
		return
	}
	pl := lineage.Placement{Seq: p.lin, Where: p.linFact(b, buffer), Idx: uint32(len(b.lin) - 1)}
	if p.linPut != nil && buffer != lineage.BufErrorOutput {
		// A put call: placed together at its end (linPutEndLocked).
		*p.linPut = append(*p.linPut, pl)
		return
	}
	p.d.Lineage.Place(pl.Seq, p.linStream, ms, pl.Where, pl.Idx)
}

// linPutStartLocked starts collecting the placements of a put call's
// records; linPutEndLocked writes them, the stripe locks taken once per
// run of records rather than per record.
func (p *Pipeline) linPutStartLocked(seqs Seqs) {
	if seqs.Base != 0 || seqs.List != nil {
		p.linPut = &p.linPutBuf
		p.linPutBuf = p.linPutBuf[:0]
	}
}

func (p *Pipeline) linPutEndLocked(ms int64) {
	if p.linPut == nil {
		return
	}
	p.d.Lineage.PlaceAll(p.linStream, ms, p.linPutBuf)
	p.linPut = nil
	if cap(p.linPutBuf) > 4096 {
		p.linPutBuf = nil
	}
}

// linFact is b's fact in the index, made the first time it is needed.
func (p *Pipeline) linFact(b *Batch, buffer string) uint32 {
	if b.linFact == 0 {
		keys := ""
		if b.keys != nil {
			keys = b.keys.String()
		}
		b.linFact = p.d.Lineage.NewBatch(p.linStream, buffer, keys, b.errorType, processorNames(&b.cfg))
	}
	return b.linFact
}

// processorNames are the data processors of c, in the order records go
// through them here.
func processorNames(c *destConfig) []string {
	var out []string
	if s := c.pre; s != nil {
		if s.decompress != nil {
			out = append(out, "Decompression")
		}
		if s.cwl != nil {
			out = append(out, "CloudWatchLogProcessing")
		}
		if s.deagg != nil {
			out = append(out, "RecordDeAggregation")
		}
	}
	if c.proc != nil {
		out = append(out, "Lambda")
	}
	if c.dp != nil && c.dp.extract != nil {
		out = append(out, "MetadataExtraction")
	}
	if c.delimiter != nil {
		out = append(out, "AppendDelimiterToRecord")
	}
	return out
}

// linBackupLocked notes that the record at hand's source copy is b's last
// record (the S3 backup).
func (p *Pipeline) linBackupLocked(b *Batch) {
	if p.lin == 0 && b.lin == nil {
		return
	}
	if b.lin == nil {
		b.lin = make([]uint64, len(b.ends)-1, cap(b.ends))
	}
	b.lin = append(b.lin, p.lin)
	if p.lin != 0 {
		p.d.Lineage.Backup(p.lin, p.linFact(b, lineage.BufBackup))
	}
}

// linWritten notes that b was delivered: to S3 under b.objectKey, or to
// its HTTP endpoint or Splunk.
func (p *Pipeline) linWritten(b *Batch) {
	if b.linFact == 0 {
		return
	}
	dest, bucket := destinationOf(b).Name(b), ""
	if b.toS3() {
		dest, bucket = "s3://"+b.cfg.bucket, b.cfg.bucket
	}
	ends := b.ends
	if b.linEnds != nil {
		ends = b.linEnds
	}
	p.d.Lineage.Written(b.linFact, dest, bucket, b.objectKey, p.d.Clock.Now().UnixMilli(), ends, b.lin, b.converted != nil)
}

// linError notes why b's delivery failed, while it is retried.
func (p *Pipeline) linError(b *Batch, code, message string) {
	p.d.Lineage.DeliveryError(b.linFact, code+": "+message)
}

// linProcessed notes what a processor made of b's records: the invocation
// and each record's result.
func (p *Pipeline) linProcessed(b *Batch, out Outcome, processor string) {
	if b.lin == nil || p.d.Lineage == nil {
		return
	}
	inv := lineage.Invocation{Function: processor, Attempts: out.Calls, DurationMs: out.Duration.Milliseconds(), At: p.d.Clock.Now().UnixMilli()}
	if f := out.Failure; f != nil {
		inv.Failure = f.Code + ": " + f.Message
	}
	id := p.d.Lineage.Invoked(p.linStream, inv, b.lin)
	for i, s := range b.lin {
		result, code := lineage.ResultNone, ""
		if out.Failure != nil {
			code = out.Failure.Code
		} else if i < len(out.Results) {
			switch r := out.Results[i]; r.Status {
			case "Ok":
				result = lineage.ResultOk
			case "Dropped":
				result = lineage.ResultDropped
			default:
				result, code = lineage.ResultProcessingFailed, r.Code
			}
		}
		p.d.Lineage.Processed(s, id, result, code)
	}
}

// linDropped notes that records [start, end) of b were given up for
// reason, as AWS gives them up.
func (p *Pipeline) linDropped(b *Batch, start, end int, reason string) {
	if b.lin == nil || p.d.Lineage == nil {
		return
	}
	f := p.d.Lineage.NewDropped(p.linStream, reason, processorNames(&b.cfg))
	for i, s := range b.lin[start:end] {
		p.d.Lineage.Place(s, p.linStream, 0, f, uint32(i))
	}
}

// linErrorDocs places the records seqs at the lines (ends) of the error
// batch eb, which holds them as one record.
func (p *Pipeline) linErrorDocs(eb *Batch, seqs []uint64, ends []int) {
	if p.d.Lineage == nil {
		return
	}
	tracked := false
	for _, s := range seqs {
		tracked = tracked || s != 0
	}
	if !tracked {
		return
	}
	eb.lin, eb.linEnds = seqs, ends
	f := p.linFact(eb, lineage.BufErrorOutput)
	for i, s := range seqs {
		p.d.Lineage.Place(s, p.linStream, 0, f, uint32(i))
	}
}
