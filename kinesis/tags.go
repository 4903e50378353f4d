package kinesis

import (
	"slices"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// TagResource, UntagResource and ListTagsForResource tag a stream or a
// registered consumer by its ARN. A stream's tags are the ones
// AddTagsToStream, RemoveTagsFromStream and ListTagsForStream see; a
// consumer's are kept with it (consumer.Tags), given at
// RegisterStreamConsumer or later, and go when it is deregistered. A
// resource has at most 50 tags, as the model's documentation says.

// mergeTags returns tags with the members of a Tags map (as decoded: key to
// string value) added or replaced, sorted, or the error for more than
// maxTags.
func mergeTags(tags []tag, m any) ([]tag, *awsjson.Error) {
	out := slices.Clone(tags)
	add, _ := m.(map[string]any)
	for k, v := range add {
		vs, _ := v.(string)
		out = slices.DeleteFunc(out, func(t tag) bool { return t.Key == k })
		out = append(out, tag{k, vs})
	}
	if len(out) > maxTags {
		return nil, invalidArgument("A resource can have at most %d tags; this call would give it %d.", maxTags, len(out))
	}
	sortTags(out)
	return out, nil
}

// setTags saves the tags of a stream (cons nil) or of one of its consumers.
func (s *Service) setTags(st *stream, cons *consumer, tags []tag) *awsjson.Error {
	return s.saveResource(st, cons, func(_ *string, t *[]tag) { *t = tags })
}

// tagsOf returns the tags of a stream or, if cons is not nil, of a consumer.
func tagsOf(st *stream, cons *consumer) []tag {
	if cons != nil {
		return cons.Tags
	}
	return st.Tags
}

func (s *Service) tagResource(region string, in map[string]any) (any, *awsjson.Error) {
	st, cons, err := s.resourceOf(region, str(in, "ResourceARN"))
	if err != nil {
		return nil, err
	}
	tags, err := mergeTags(tagsOf(st, cons), in["Tags"])
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.setTags(st, cons, tags)
}

func (s *Service) untagResource(region string, in map[string]any) (any, *awsjson.Error) {
	st, cons, err := s.resourceOf(region, str(in, "ResourceARN"))
	if err != nil {
		return nil, err
	}
	keys, _ := in["TagKeys"].([]any)
	tags := slices.DeleteFunc(slices.Clone(tagsOf(st, cons)), func(t tag) bool { return slices.Contains(keys, any(t.Key)) })
	return struct{}{}, s.setTags(st, cons, tags)
}

func (s *Service) listTagsForResource(region string, in map[string]any) (any, *awsjson.Error) {
	st, cons, err := s.resourceOf(region, str(in, "ResourceARN"))
	if err != nil {
		return nil, err
	}
	type tagOut struct {
		Key   string
		Value string
	}
	out := struct{ Tags []tagOut }{Tags: []tagOut{}}
	for _, t := range tagsOf(st, cons) {
		out.Tags = append(out.Tags, tagOut(t))
	}
	return out, nil
}
