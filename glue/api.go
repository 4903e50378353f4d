package glue

import (
	"net/http"
	"strings"

	"github.com/firehose-local/firehose-local/internal/reqbody"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// maxBody caps a request body; a table definition with thousands of
// columns stays far below it.
const maxBody = 8 << 20

// APIOptions configures the API handler.
type APIOptions struct {
	// Bodies, if set, bounds the request body bytes read and not yet
	// answered, shared with the server's other APIs; past it a request is
	// refused with ThrottlingException.
	Bodies *reqbody.Budget
}

// API serves the Glue JSON 1.1 API over a Catalog.
type API struct {
	catalog *Catalog
	opts    APIOptions
}

// NewAPI returns the Glue API over c. It serves POST requests whose
// X-Amz-Target starts with TargetPrefix; the region of a request is its
// SigV4 scope's, else the catalog's default region.
func NewAPI(c *Catalog, opts APIOptions) *API {
	return &API{catalog: c, opts: opts}
}

// ServeHTTP serves one Glue request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, TargetPrefix)
	if !ok {
		writeError(w, unknownOperation(target))
		return
	}
	if err := awsjson.CheckRequest(r, "Glue"); err != nil {
		writeError(w, err)
		return
	}
	body, err := a.opts.Bodies.ReadRequest(w, r, maxBody)
	if err != nil {
		writeError(w, awsjson.BodyError(err, maxBody, awsjson.NewError("ThrottlingException", "Rate exceeded")))
		return
	}
	defer body.Release()
	out, apiErr := a.catalog.Call(awsjson.RequestRegion(r, a.catalog.opts.Region), op, body.Bytes)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	b, merr := encodeOutput(op, out)
	if merr != nil {
		writeError(w, awsjson.NewError(awsjson.ErrInternalFailure, "encoding the response: %s", merr))
		return
	}
	awsjson.WriteResponse(w, http.StatusOK, b)
}

func writeError(w http.ResponseWriter, e *awsjson.Error) { awsjson.WriteError(w, e, marshalError(e)) }
