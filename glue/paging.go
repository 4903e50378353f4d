package glue

import (
	"encoding/base64"
	"encoding/json"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// defaultPageSize is the page size when MaxResults is not given, the
// largest the model allows (CatalogGetterPageSize, 1 to 100).
const defaultPageSize = 100

// page returns the page of items (in their listing order) that the
// request's NextToken and MaxResults ask for, and the token of the next
// page ("" at the end). A token is the last item of its page, encoded:
// the next page starts at the first item after it, so that items created
// or deleted between calls neither repeat nor shift the listing.
func page(items []string, in map[string]any, after func(item, token string) bool) ([]string, string, *awsjson.Error) {
	size := defaultPageSize
	if n, ok := in["MaxResults"].(json.Number); ok {
		if v, err := n.Int64(); err == nil {
			size = int(v)
		}
	}
	start := 0
	if tok, ok := in["NextToken"].(string); ok && tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			return nil, "", errBadToken
		}
		last := string(raw)
		for start < len(items) && !after(items[start], last) {
			start++
		}
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(items[end-1]))
	}
	return items[start:end], next, nil
}

// pageOfNames pages names sorted in ascending order.
func pageOfNames(names []string, in map[string]any) ([]string, string, *awsjson.Error) {
	return page(names, in, func(item, token string) bool { return item > token })
}
