package kinesis

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/firehose-local/firehose-local/internal/reqbody"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/protocol/cborjson"
)

// maxBody caps a request body: PutRecords takes up to 10 MiB of data,
// base64-encoded in JSON.
const maxBody = 16 << 20

// answers are buffers for PutRecords' answers, which WriteResponse has
// written when the handler returns.
var answers = sync.Pool{New: func() any { return new([]byte) }}

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
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	cbor := mt == cborType
	fail := writeError
	if cbor {
		fail = writeCBORError
	}
	op, ok := strings.CutPrefix(target, TargetPrefix)
	if !ok {
		fail(w, unknownOperation(target))
		return
	}
	if cbor {
		if r.Method != http.MethodPost {
			fail(w, awsjson.NewError(awsjson.ErrUnknownOperation, "Kinesis operations must be sent with POST."))
			return
		}
	} else if err := awsjson.CheckRequest(r, "Kinesis"); err != nil {
		fail(w, err)
		return
	}
	body, err := a.readBody(w, r)
	if err != nil {
		fail(w, awsjson.BodyError(err, maxBody, awsjson.NewError(awsjson.ErrLimitExceeded, "Rate exceeded")))
		return
	}
	defer body.Release()
	in := body.Bytes
	o, inModel := Model().Operations[op]
	if cbor && inModel && o.Input != nil {
		// The Java SDKs' and the KPL's CBOR, read as the JSON it stands for.
		if in, err = cborjson.RequestToJSON(Model(), o.Input.Shape, in); err != nil {
			fail(w, awsjson.NewError(awsjson.ErrSerialization, "%s", err))
			return
		}
	}
	if op == subscribeOp {
		a.serveSubscription(w, r, in, body.Release, cbor)
		return
	}
	out, apiErr := a.svc.Call(awsjson.RequestRegion(r, a.svc.opts.Region), op, in)
	if apiErr != nil {
		fail(w, apiErr)
		return
	}
	var b []byte
	var merr error
	if o, ok := out.(putRecordsOut); ok {
		buf := answers.Get().(*[]byte)
		defer answers.Put(buf)
		b = o.appendJSON((*buf)[:0])
		*buf = b
		o.release()
	} else {
		b, merr = json.Marshal(out)
	}
	if merr == nil && cbor && o.Output != nil {
		b, merr = cborjson.ResponseToCBOR(Model(), o.Output.Shape, b)
	}
	if merr != nil {
		fail(w, awsjson.NewError(awsjson.ErrInternalFailure, "encoding the response: %s", merr))
		return
	}
	if cbor {
		awsjson.WriteBody(w, http.StatusOK, cborType, b)
		return
	}
	awsjson.WriteResponse(w, http.StatusOK, b)
}

// readBody reads the request body as reqbody's ReadRequest does, into a
// reused buffer when it reads it itself: nothing the service keeps refers
// to the body (decoding copies strings, base64 decodes into buffers of its
// own, CBOR is converted into a new body).
func (a *api) readBody(w http.ResponseWriter, r *http.Request) (reqbody.Body, error) {
	if _, held := reqbody.FromContext(r.Context()); held || r.ContentLength > maxBody {
		return a.opts.Bodies.ReadRequest(w, r, maxBody)
	}
	return a.opts.Bodies.ReadPooled(http.MaxBytesReader(w, r.Body, maxBody), r.ContentLength)
}

func writeError(w http.ResponseWriter, e *awsjson.Error) {
	awsjson.WriteError(w, e, awsjson.MarshalError(e))
}

// writeCBORError answers a CBOR request's error in CBOR.
func writeCBORError(w http.ResponseWriter, e *awsjson.Error) {
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	awsjson.WriteBody(w, e.Status, cborType, cborjson.ErrorToCBOR(e.Type, e.Message))
}
