package protocol

import (
	_ "embed"
	"sync"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// The botocore model without its documentation (internal/botomodel), every
// operation and shape kept; a test checks it against the whole one.
//
//go:generate go run ../internal/botomodel/cmd/botomodel strip ../internal/botomodel/testdata/firehose-2015-08-04.json models/firehose-2015-08-04.json
//go:embed models/firehose-2015-08-04.json
var firehoseModelJSON []byte

var (
	firehoseModelOnce sync.Once
	firehoseModel     *awsjson.Model
)

// FirehoseModel returns the embedded Firehose model, parsed once.
func FirehoseModel() *awsjson.Model {
	firehoseModelOnce.Do(func() {
		m, err := awsjson.ParseModel(firehoseModelJSON)
		if err != nil {
			panic("protocol: embedded firehose model: " + err.Error())
		}
		firehoseModel = m
	})
	return firehoseModel
}
