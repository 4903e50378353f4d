package protocol

import (
	"regexp"
	"sync"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

var (
	localModelOnce sync.Once
	localModel     *awsjson.Model
)

// LocalFirehoseModel is the Firehose model with the constraints
// firehose-local relaxes on purpose: an HttpEndpointUrl, and an OpenSearch
// cluster or collection endpoint (OpenSearchEndpointShapes), may also start
// with http:, so that the destination can point at a local service. The caller must restrict such URLs to loopback
// and private hosts (and answer the model's own ValidationException for the
// rest); see docs/differences.md. Messages still quote the model's pattern.
// Every other shape is the embedded model's, shared with FirehoseModel.
func LocalFirehoseModel() *awsjson.Model {
	localModelOnce.Do(func() {
		base := FirehoseModel()
		m := *base
		m.Shapes = make(map[string]*awsjson.Shape, len(base.Shapes))
		for name, s := range base.Shapes {
			m.Shapes[name] = s
		}
		if url, ok := base.Shapes[HTTPEndpointURLShape]; ok {
			m.Shapes[HTTPEndpointURLShape] = url.WithPattern(regexp.MustCompile(`^(?:https?://.*)$`))
		}
		for _, name := range OpenSearchEndpointShapes {
			if e, ok := base.Shapes[name]; ok {
				m.Shapes[name] = e.WithPattern(regexp.MustCompile(`^(?:https?:.*)$`))
			}
		}
		if jdbc, ok := base.Shapes[ClusterJDBCURLShape]; ok {
			m.Shapes[ClusterJDBCURLShape] = jdbc.WithPattern(regexp.MustCompile(`^jdbc:(?:redshift|postgresql)://.*$`))
		}
		localModel = &m
	})
	return localModel
}

// HTTPEndpointURLShape is the model shape of an HTTP endpoint destination's
// URL, whose pattern is https://.*.
const HTTPEndpointURLShape = "HttpEndpointUrl"
