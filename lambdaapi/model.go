package lambdaapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

//go:generate go run gen_model.go -in testdata/lambda-2015-03-31.json

// lambdaModelJSON is the part of the botocore Lambda model lambdaapi needs
// (see gen_model.go): every operation's HTTP binding, and the shapes of the
// inputs of the operations it serves.
//
//go:embed models/lambda-2015-03-31.json
var lambdaModelJSON []byte

// servedOps are the operations lambdaapi implements.
var servedOps = []string{
	"CreateFunction", "GetFunction", "GetFunctionConfiguration", "ListFunctions",
	"DeleteFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration", "Invoke",
}

// apiModel is the prepared model: the botocore shapes plus, for every served
// operation, two synthetic operations that split its input the way REST-JSON
// does: "<Op>.Body" (members sent in the JSON body) and "<Op>.Params"
// (members bound to the URI, the query string and headers), so that each
// part is validated with protocol's model-driven validator.
type apiModel struct {
	m         *awsjson.Model
	ops       []restOp          // every operation under /2015-03-31/, to name refused ones
	bodyShape map[string]string // served operation → its synthetic body shape
	runtimes  []string          // the model's Runtime enum
}

// restOp is one operation's HTTP binding.
type restOp struct {
	name   string
	method string
	path   []string // template segments after /2015-03-31/
}

var (
	modelOnce sync.Once
	model     *apiModel
	modelErr  error
)

// apiModel is the parsed Lambda model. The embedded model is checked by the
// tests, so failing to parse it is a build defect.
func (s *Service) apiModel() *apiModel {
	m, err := loadModel()
	if err != nil {
		panic("lambdaapi: embedded model: " + err.Error())
	}
	return m
}

func loadModel() (*apiModel, error) {
	modelOnce.Do(func() { model, modelErr = prepareModel(lambdaModelJSON) })
	return model, modelErr
}

func prepareModel(raw []byte) (*apiModel, error) {
	var doc struct {
		Version    string                    `json:"version"`
		Metadata   map[string]any            `json:"metadata"`
		Operations map[string]map[string]any `json:"operations"`
		Shapes     map[string]map[string]any `json:"shapes"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	// RE2 has no lookbehind: "[0-9A-Za-z\.\-_]*(?<!\.)" is "no trailing dot".
	if s := doc.Shapes["S3Bucket"]; s != nil {
		s["pattern"] = `(?:[0-9A-Za-z\.\-_]*[0-9A-Za-z\-_])?`
	}
	// Lambda checks a NamespacedFunctionName (GetFunction, DeleteFunction,
	// Invoke, ...) against a pattern of its own, not the model's, and quotes
	// that one (recorded 2025-11-25: LocalStack's test_invalid_invoke and
	// test_function_name_and_qualifier_validation).
	if s := doc.Shapes["NamespacedFunctionName"]; s != nil {
		s["pattern"] = `(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`
	}
	// Runtimes are checked against what lambdarunner supports, so that an
	// unknown one is refused with InvalidParameterValueException naming it.
	var runtimes []string
	if s := doc.Shapes["Runtime"]; s != nil {
		enum, _ := s["enum"].([]any)
		for _, r := range enum {
			runtimes = append(runtimes, r.(string))
		}
		delete(s, "enum")
	}
	for _, op := range servedOps {
		o := doc.Operations[op]
		if o == nil {
			return nil, fmt.Errorf("lambda model: operation %s missing", op)
		}
		input := o["input"].(map[string]any)["shape"].(string)
		in := doc.Shapes[input]
		members, _ := in["members"].(map[string]any)
		required := map[string]bool{}
		if req, ok := in["required"].([]any); ok {
			for _, r := range req {
				required[r.(string)] = true
			}
		}
		body := map[string]any{}
		params := map[string]any{}
		var bodyReq, paramReq []string
		for name, ref := range members {
			r := ref.(map[string]any)
			if _, bound := r["location"]; bound {
				params[name] = map[string]any{"shape": r["shape"]}
				if required[name] {
					paramReq = append(paramReq, name)
				}
				continue
			}
			if in["payload"] == name {
				continue // the raw body (Invoke's Payload)
			}
			body[name] = ref
			if required[name] {
				bodyReq = append(bodyReq, name)
			}
		}
		sort.Strings(bodyReq)
		sort.Strings(paramReq)
		doc.Shapes[input+".Body"] = map[string]any{"type": "structure", "members": body, "required": bodyReq}
		doc.Shapes[input+".Params"] = map[string]any{"type": "structure", "members": params, "required": paramReq}
		doc.Operations[op+".Body"] = map[string]any{"name": op + ".Body", "input": map[string]any{"shape": input + ".Body"}}
		doc.Operations[op+".Params"] = map[string]any{"name": op + ".Params", "input": map[string]any{"shape": input + ".Params"}}
	}
	prepared, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	m, err := awsjson.ParseModel(prepared)
	if err != nil {
		return nil, fmt.Errorf("lambda model: %w", err)
	}
	// Lambda reports a list's bad members at the list (recorded:
	// LocalStack's test_create_lambda_exceptions, Architectures ["X86_64"]).
	m.ListMembersAtList = true
	am := &apiModel{m: m, bodyShape: map[string]string{}, runtimes: runtimes}
	for _, op := range servedOps {
		am.bodyShape[op] = doc.Operations[op+".Body"]["input"].(map[string]any)["shape"].(string)
	}
	for name, o := range doc.Operations {
		h, _ := o["http"].(map[string]any)
		uri, _ := h["requestUri"].(string)
		method, _ := h["method"].(string)
		uri, _, _ = strings.Cut(uri, "?")
		rest, ok := strings.CutPrefix(uri, "/2015-03-31/")
		if !ok {
			continue
		}
		am.ops = append(am.ops, restOp{name: name, method: method, path: strings.Split(strings.TrimSuffix(rest, "/"), "/")})
	}
	sort.Slice(am.ops, func(i, j int) bool { return am.ops[i].name < am.ops[j].name })
	return am, nil
}

// validateBody parses and validates a JSON request body against the body
// members of op, returning the parsed document.
func (am *apiModel) validateBody(op string, body []byte) (map[string]any, error) {
	doc, perr := am.m.DecodeAndValidate(op+".Body", body)
	if perr != nil {
		return nil, fromProtocol(perr)
	}
	return doc, nil
}

// validateParams validates the members of op bound to the URI, query string
// and headers. Only the members present in params are checked.
func (am *apiModel) validateParams(op string, params map[string]any) error {
	b, err := json.Marshal(params)
	if err != nil {
		return err
	}
	if _, perr := am.m.DecodeAndValidate(op+".Params", b); perr != nil {
		return fromProtocol(perr)
	}
	return nil
}

// checkSupported refuses members of the body doc that firehose-local does not
// implement (t is the Go request type listing those it does).
func (am *apiModel) checkSupported(op string, doc map[string]any, t any) error {
	if perr := protocol.CheckSupported(am.m, am.bodyShape[op], doc, reflect.TypeOf(t)); perr != nil {
		return invalidParam("%s", perr.Message)
	}
	return nil
}

// fromProtocol converts the validator's JSON 1.1 errors to Lambda's:
// constraint violations stay ValidationException; bodies that are not JSON
// of the right types become InvalidRequestContentException.
func fromProtocol(e *awsjson.Error) *apiError {
	switch e.Type {
	case awsjson.ErrValidation:
		return newError(errValidation, "%s", e.Message)
	case awsjson.ErrSerialization:
		return newError(errInvalidRequestContent, "Could not parse request body into json: %s", e.Message)
	}
	return &apiError{Type: e.Type, Message: e.Message, Status: e.Status}
}

// operationFor names the model operation bound to method and the path
// segments after /2015-03-31/ (for refusing the operations lambdaapi does not
// implement by name).
func (am *apiModel) operationFor(method string, segs []string) string {
	for _, op := range am.ops {
		if op.method != method {
			continue
		}
		if matchTemplate(op.path, segs) {
			return op.name
		}
	}
	return ""
}

func matchTemplate(tmpl, segs []string) bool {
	for i, t := range tmpl {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "+}") {
			return i < len(segs)
		}
		if i >= len(segs) {
			return false
		}
		if strings.HasPrefix(t, "{") {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if t != segs[i] {
			return false
		}
	}
	return len(tmpl) == len(segs)
}
