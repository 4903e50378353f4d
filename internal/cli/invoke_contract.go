package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/firehose-local/firehose-local/delivery"
)

// firehoseEventIDs returns the record IDs of a Firehose transform event
// ({"deliveryStreamArn":…,"records":[{"recordId":…},…]}), and whether
// payload is one.
func firehoseEventIDs(payload []byte) ([]string, bool) {
	var ev struct {
		DeliveryStreamArn *string `json:"deliveryStreamArn"`
		Records           []struct {
			RecordID *string `json:"recordId"`
		} `json:"records"`
	}
	if json.Unmarshal(payload, &ev) != nil || ev.DeliveryStreamArn == nil || ev.Records == nil {
		return nil, false
	}
	ids := make([]string, len(ev.Records))
	for i, r := range ev.Records {
		if r.RecordID == nil {
			return nil, false
		}
		ids[i] = *r.RecordID
	}
	return ids, true
}

// checkContract judges a transform's answer as a delivery stream does
// (delivery.CheckTransformAnswer) and prints the verdict to w: each
// record's result, or why the stream would treat the answer as a failed
// invocation, with the error code it writes. It reports whether the stream
// would accept the answer.
func checkContract(w io.Writer, answer []byte, functionError string, ids []string) bool {
	results, fail := delivery.CheckTransformAnswer(answer, functionError, ids)
	if fail != nil {
		fmt.Fprintf(w, "firehose-local invoke: a delivery stream would treat this answer as a failed invocation: %s: %s\n", fail.Code, fail.Message)
		fmt.Fprintf(w, "  It would invoke the function again (NumberOfRetries, default 3), then write every record of the batch to the error output (processing-failed) with errorCode %s.\n", fail.Code)
		return false
	}
	var ok, dropped, failed int
	for i, r := range results {
		switch r.Status {
		case "Ok":
			ok++
			line := fmt.Sprintf("record %s: Ok, %d bytes", ids[i], len(r.Data))
			if len(r.PartitionKeys) > 0 {
				keys := make([]string, 0, len(r.PartitionKeys))
				for k, v := range r.PartitionKeys {
					keys = append(keys, k+"="+v)
				}
				sort.Strings(keys)
				line += ", partition keys " + strings.Join(keys, ", ")
			}
			fmt.Fprintln(w, line)
		case "Dropped":
			dropped++
			fmt.Fprintf(w, "record %s: Dropped\n", ids[i])
		default:
			failed++
			fmt.Fprintf(w, "record %s: ProcessingFailed, to the error output with errorCode %s\n", ids[i], r.Code)
		}
	}
	fmt.Fprintf(w, "The answer keeps the transform contract: %d Ok, %d Dropped, %d ProcessingFailed.\n", ok, dropped, failed)
	return true
}
