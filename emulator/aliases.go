package emulator

import (
	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/firehose"
)

// ObjectStore is where delivered objects go: the built-in S3, or an
// external S3-compatible store (Config.Store).
type ObjectStore = delivery.ObjectStore

// ObjectMeta is what Firehose sets on a delivered object.
type ObjectMeta = delivery.ObjectMeta

// EndpointRewrite sends HTTP endpoint and Splunk HEC deliveries for URLs
// starting with From to To instead (Config.EndpointRewrites).
type EndpointRewrite = delivery.EndpointRewrite

// ErrFunctionNotFound is what invoking a transform returns (wrapped) for a
// function that does not exist.
var ErrFunctionNotFound = delivery.ErrFunctionNotFound

// FsyncPolicy is when an acknowledged record reaches the disk (see
// Config.Fsync).
type FsyncPolicy = firehose.FsyncPolicy

// Fsync policies.
const (
	FsyncAlways   = firehose.FsyncAlways
	FsyncInterval = firehose.FsyncInterval
)

// DestinationID is the ID AWS gives a stream's only destination.
const DestinationID = firehose.DestinationID
