package kinesis

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/firehose-local/firehose-local/internal/reqbody"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// maxBody caps a request body: PutRecords takes up to 10 MiB of data,
// base64-encoded in JSON.
const maxBody = 16 << 20

// cborType is the content type the Java SDKs and the KPL send.
const cborType = "application/x-amz-cbor-1.1"

// APIOptions configures the API handler.
type APIOptions struct {
	// Bodies, if set, bounds the request body bytes read and not yet
	// answered, shared with the server's other APIs; past it a request is
	// refused with LimitExceededException.
	Bodies *reqbody.Budget
}

type api struct {
	svc  *Service
	opts APIOptions
}

// NewAPI returns the Kinesis API over svc. It serves POST requests whose
// X-Amz-Target starts with TargetPrefix; the region of a request is its
// SigV4 scope's, else the service's default region.
func NewAPI(svc *Service, opts APIOptions) http.Handler {
	return &api{svc: svc, opts: opts}
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, TargetPrefix)
	if !ok {
		writeError(w, unknownOperation(target))
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == cborType {
		writeError(w, awsjson.NewError(awsjson.ErrSerialization,
			"firehose-local does not support %s yet: send application/x-amz-json-1.1 (the Java SDKs do with AWS_CBOR_DISABLE=1 or -Daws.cborEnabled=false).", cborType))
		return
	}
	if err := awsjson.CheckRequest(r, "Kinesis"); err != nil {
		writeError(w, err)
		return
	}
	body, err := a.opts.Bodies.ReadRequest(w, r, maxBody)
	if err != nil {
		writeError(w, awsjson.BodyError(err, maxBody, awsjson.NewError(awsjson.ErrLimitExceeded, "Rate exceeded")))
		return
	}
	defer body.Release()
	out, apiErr := a.svc.Call(awsjson.RequestRegion(r, a.svc.opts.Region), op, body.Bytes)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	b, merr := json.Marshal(out)
	if merr != nil {
		writeError(w, awsjson.NewError(awsjson.ErrInternalFailure, "encoding the response: %s", merr))
		return
	}
	awsjson.WriteResponse(w, http.StatusOK, b)
}

func writeError(w http.ResponseWriter, e *awsjson.Error) {
	awsjson.WriteError(w, e, awsjson.MarshalError(e))
}
