// Package setup creates resources declared in an init file (--init,
// FIREHOSE_LOCAL_INIT) when the server starts, and clears a server's
// resources for POST /_local/reset. Every resource is created or deleted
// through the server's own API handler, so an init file's entry gets
// exactly the validation and errors the API call would.
//
// An init file is one JSON object of lists; each entry is the input of the
// AWS API call that creates the resource, as the AWS CLI's --cli-input-json
// takes it:
//
//	{
//	  "buckets":         [{"Bucket": "landing"}],
//	  "logGroups":       [{"logGroupName": "/aws/kinesisfirehose/orders"}],
//	  "functions":       [{"FunctionName": "upper", "Runtime": "python3.12", "Handler": "app.handler",
//	                       "Role": "arn:aws:iam::000000000000:role/r", "Code": {"ZipFile": "UEsDB..."}},
//	                      {"Name": "lower", "Dir": "./lower", "Runtime": "python3.12", "Handler": "app.handler"}],
//	  "kinesisStreams":  [{"StreamName": "events", "ShardCount": 1}],
//	  "glueDatabases":   [{"DatabaseInput": {"Name": "analytics"}}],
//	  "glueTables":      [{"DatabaseName": "analytics", "TableInput": {...}}],
//	  "deliveryStreams": [{"DeliveryStreamName": "orders", "ExtendedS3DestinationConfiguration": {...}}]
//	}
//
// Kinds are created in that order (what a delivery stream refers to exists
// before it), entries of a kind in file order.
package setup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kind is one list of an init file.
type Kind string

// The lists of an init file.
const (
	Buckets         Kind = "buckets"
	LogGroups       Kind = "logGroups"
	Functions       Kind = "functions"
	KinesisStreams  Kind = "kinesisStreams"
	GlueDatabases   Kind = "glueDatabases"
	GlueTables      Kind = "glueTables"
	DeliveryStreams Kind = "deliveryStreams"
)

// Order is the order kinds are created in.
var Order = []Kind{Buckets, LogGroups, Functions, KinesisStreams, GlueDatabases, GlueTables, DeliveryStreams}

// Entry is one entry of an init file.
type Entry struct {
	Kind  Kind
	File  string // the file it came from; "" for JSON from the environment
	Index int    // its index in its file's list
	Dir   string // the directory relative paths in it are resolved against
	Input json.RawMessage
}

// Where names the entry in messages: "file.json: deliveryStreams[2] (orders)".
func (e Entry) Where() string {
	w := fmt.Sprintf("%s[%d]", e.Kind, e.Index)
	if n := e.Name(); n != "" {
		w += " (" + n + ")"
	}
	if e.File != "" {
		w = e.File + ": " + w
	}
	return w
}

// Name is the name of the resource the entry creates, if it has one.
func (e Entry) Name() string {
	var v struct {
		Bucket, DeliveryStreamName, FunctionName, Name, StreamName, LogGroupName string
		DatabaseInput, TableInput                                                struct{ Name string }
	}
	_ = json.Unmarshal(e.Input, &v) // case-insensitive: logGroupName too
	for _, n := range []string{v.Bucket, v.DeliveryStreamName, v.FunctionName, v.Name, v.StreamName, v.LogGroupName, v.DatabaseInput.Name, v.TableInput.Name} {
		if n != "" {
			return n
		}
	}
	return ""
}

// Spec is what one or more init files declare.
type Spec struct {
	Entries []Entry // in creation order
	Files   []string
}

// Empty reports whether the spec declares nothing.
func (s *Spec) Empty() bool { return s == nil || len(s.Entries) == 0 }

// Load reads an init file, or every *.json file of a directory in name
// order. A source that starts with { (or [) is the JSON itself
// (FIREHOSE_LOCAL_INIT may hold it), not a path.
func Load(source string) (*Spec, error) {
	if t := strings.TrimSpace(source); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		spec := &Spec{}
		if err := spec.add([]byte(t), "", ""); err != nil {
			return nil, err
		}
		spec.sort()
		return spec, nil
	}
	info, err := os.Stat(source)
	if err != nil {
		return nil, err
	}
	files := []string{source}
	if info.IsDir() {
		matches, err := filepath.Glob(filepath.Join(source, "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		files = matches
	}
	spec := &Spec{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		dir, err := filepath.Abs(filepath.Dir(f))
		if err != nil {
			return nil, err
		}
		if err := spec.add(b, f, dir); err != nil {
			return nil, err
		}
		spec.Files = append(spec.Files, f)
	}
	spec.sort()
	return spec, nil
}

// add parses one file's JSON.
func (s *Spec) add(b []byte, file, dir string) error {
	where := file
	if where == "" {
		where = "the init JSON"
	}
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("%s: not a JSON object of lists: %v", where, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: more than one JSON value", where)
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kind := Kind(k)
		known := false
		for _, o := range Order {
			known = known || o == kind
		}
		if !known {
			return fmt.Errorf("%s: unknown list %q: want %s", where, k, kindNames())
		}
		var list []json.RawMessage
		if err := json.Unmarshal(doc[k], &list); err != nil {
			return fmt.Errorf("%s: %s: want a list of objects", where, k)
		}
		for i, in := range list {
			e := Entry{Kind: kind, File: file, Index: i, Dir: dir, Input: in}
			if t := bytes.TrimSpace(in); len(t) == 0 || t[0] != '{' {
				return fmt.Errorf("%s: want an object (the input of the API call)", e.Where())
			}
			s.Entries = append(s.Entries, e)
		}
	}
	return nil
}

// sort puts the entries in creation order: by kind, then as they came.
func (s *Spec) sort() {
	rank := map[Kind]int{}
	for i, k := range Order {
		rank[k] = i
	}
	sort.SliceStable(s.Entries, func(i, j int) bool { return rank[s.Entries[i].Kind] < rank[s.Entries[j].Kind] })
}

func kindNames() string {
	names := make([]string, len(Order))
	for i, k := range Order {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// errExists marks an entry whose resource exists already.
var errExists = errors.New("exists already")

var errTooMany = errors.New("resources kept appearing while they were deleted")

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// notFound reports whether err says the resource is gone already.
func notFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == "ResourceNotFoundException" || ae.Code == "EntityNotFoundException")
}
