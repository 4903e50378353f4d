package delivery

// A Destination delivers a pipeline's batches to where the stream sends
// them: S3 (s3.go) or an HTTP endpoint (httpendpoint.go). A new destination
// is a file that implements it, its configuration in Spec, and its choice
// in newDestConfig.
//
// Batches a destination cannot deliver go where AWS puts them, never back
// to the producer: the S3 backup, the error output, the CloudWatch error
// log. Error-output and backup objects always go to S3.
type Destination interface {
	// Deliver delivers b, retrying as AWS does for the destination, and
	// counts it in the stream's metrics. It reports false if shutdown
	// abandoned b before it was delivered (with a data directory its
	// records are then delivered after the next start).
	Deliver(p *Pipeline, b *Batch) bool
	// Name names where b goes, for logs.
	Name(b *Batch) string
}

// s3Destination writes each batch as one S3 object (s3.go).
type s3Destination struct{}

func (s3Destination) Deliver(p *Pipeline, b *Batch) bool { return p.deliverS3(b) }
func (s3Destination) Name(b *Batch) string               { return "s3://" + b.cfg.bucket }

// destinationOf is where b goes: its configuration's destination, or S3
// for error-output and backup objects.
func destinationOf(b *Batch) Destination {
	if b.toS3() {
		return s3Destination{}
	}
	return b.cfg.dest
}
