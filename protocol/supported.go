package protocol

import (
	"reflect"
	"sort"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// CheckSupported refuses any member of doc that the model defines but the Go
// type t (the part of the API firehose-local implements) lacks. It names the
// first such member by its model path, for example
// "ExtendedS3DestinationConfiguration.DataFormatConversionConfiguration".
// Members the model does not define at all were already ignored by
// validation, as AWS ignores them.
func CheckSupported(m *awsjson.Model, shape string, doc any, t reflect.Type) *awsjson.Error {
	if p := firstUnsupported(m, shape, doc, t, ""); p != "" {
		return Unsupported(p)
	}
	return nil
}

func firstUnsupported(m *awsjson.Model, shapeName string, doc any, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s := m.Shapes[shapeName]
	if s == nil {
		return ""
	}
	switch s.Type {
	case "structure":
		obj, ok := doc.(map[string]any)
		if !ok || t.Kind() != reflect.Struct {
			return ""
		}
		fields := jsonFields(t)
		for _, mem := range s.Members {
			v, present := obj[mem.Name]
			if !present || v == nil {
				continue
			}
			child := mem.Name
			if path != "" {
				child = path + "." + mem.Name
			}
			ft, ok := fields[mem.Name]
			if !ok {
				return child
			}
			if p := firstUnsupported(m, mem.Shape, v, ft, child); p != "" {
				return p
			}
		}
	case "list":
		list, ok := doc.([]any)
		if !ok || t.Kind() != reflect.Slice {
			return ""
		}
		for _, e := range list {
			if p := firstUnsupported(m, s.Member.Shape, e, t.Elem(), path); p != "" {
				return p
			}
		}
	}
	return ""
}

// jsonFields maps JSON member names to field types, flattening embedded
// structs as encoding/json does.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// DestinationMembers lists the members of doc (a CreateDeliveryStream or
// UpdateDestination request) that configure a destination, sorted.
func DestinationMembers(doc map[string]any, suffix string) []string {
	var out []string
	for k, v := range doc {
		if v != nil && strings.HasSuffix(k, suffix) && k != "DeliveryStreamEncryptionConfigurationInput" &&
			!strings.HasSuffix(k, "SourceConfiguration") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
