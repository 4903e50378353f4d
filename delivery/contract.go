package delivery

// CheckTransformAnswer judges a transform function's answer to an event
// whose records had the IDs ids exactly as a delivery stream does: the
// per-record results, or why the stream would treat the whole answer as a
// failed invocation (the error code AWS writes in the error documents, e.g.
// Lambda.MissingRecordId, and its message). functionError is the
// invocation's X-Amz-Function-Error ("" when the function returned normally;
// Lambda sets it for an answer over 6 MB too).
// `firehose-local invoke` uses it to check a transform alone.
func CheckTransformAnswer(answer []byte, functionError string, ids []string) ([]Result, *Failure) {
	if functionError != "" {
		return nil, &Failure{Code: codeFunctionError, Message: msgFunctionError}
	}
	results, fail := parseTransformResponse(answer, ids)
	if fail != nil {
		return nil, &Failure{Code: fail.code, Message: fail.message}
	}
	return results, nil
}
