package kinesis

import (
	_ "embed"
	"slices"
	"sync"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// TargetPrefix starts the X-Amz-Target header of every Kinesis request
// (JSON 1.1): route those to the API handler.
const TargetPrefix = "Kinesis_20131202."

// The botocore model without its documentation (internal/botomodel), every
// operation and shape kept: unlike glue's, it is not pruned, because the
// operations it has and firehose-local does not serve are refused by name
// (InvalidArgumentException) while those it does not have are unknown
// (UnknownOperationException). A test checks it against the whole one.
//
//go:generate go run ../internal/botomodel/cmd/botomodel strip ../internal/botomodel/testdata/kinesis-2013-12-02.json models/kinesis-2013-12-02.json
//go:embed models/kinesis-2013-12-02.json
var kinesisModelJSON []byte

var (
	modelOnce    sync.Once
	kinesisModel *awsjson.Model
)

// Model returns the embedded Kinesis model, parsed once.
func Model() *awsjson.Model {
	modelOnce.Do(func() {
		m, err := awsjson.ParseModel(kinesisModelJSON)
		if err != nil {
			panic("kinesis: embedded model: " + err.Error())
		}
		kinesisModel = m
	})
	return kinesisModel
}

// Operations lists the operations served, sorted (SubscribeToShard
// through NewAPI only).
func Operations() []string {
	ops := make([]string, 0, len(operations)+1)
	for op := range operations {
		ops = append(ops, op)
	}
	ops = append(ops, subscribeOp)
	slices.Sort(ops)
	return ops
}

// refusedMembers are request members refused by name in every operation
// that has them: the service has nothing faithful to do with them.
var refusedMembers = []string{"StreamId", "WarmThroughputMiBps", "StreamCreationTimestamp"}
