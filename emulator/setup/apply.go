package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"time"
)

// DirFunction is the directory form of a functions entry, as --function
// NAME=DIR:RUNTIME:HANDLER gives it: {"Name", "Dir", "Runtime", "Handler"},
// with optional "Timeout" (seconds), "Environment" and "Region". A relative
// Dir is resolved against the init file's directory.
type DirFunction struct {
	Name, Dir, Runtime, Handler string
	Region                      string
	Timeout                     int // seconds; 0: 3
	Environment                 map[string]string
}

// Options configures Apply.
type Options struct {
	Client *Client
	// SkipExisting leaves alone a resource that exists already (with
	// --data-dir, from an earlier start; after a reset that kept the
	// functions), logging it; otherwise the API's error stops the start.
	SkipExisting bool
	// RegisterDir registers a directory-form function.
	RegisterDir func(DirFunction) error
	Logger      *slog.Logger
}

// Result counts what Apply did.
type Result struct{ Created, Existing int }

// Apply creates what spec declares, in order. The first entry that fails
// stops it, with an error naming the entry and giving the API's error.
func Apply(ctx context.Context, spec *Spec, opts Options) (Result, error) {
	var res Result
	if spec.Empty() {
		return res, nil
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, e := range spec.Entries {
		err := create(ctx, e, opts)
		if errors.Is(err, errExists) || (opts.SkipExisting && exists(err)) {
			res.Existing++
			log.Info("init: left alone: it exists already", "entry", e.Where())
			continue
		}
		if err != nil {
			return res, fmt.Errorf("init: %s: %w", e.Where(), err)
		}
		res.Created++
		log.Debug("init: created", "entry", e.Where())
	}
	return res, nil
}

// exists reports whether err is a create call's "it exists already".
func exists(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Code {
	case "BucketAlreadyOwnedByYou", "BucketAlreadyExists", // S3
		"ResourceAlreadyExistsException", // CloudWatch Logs
		"ResourceConflictException",      // Lambda
		"ResourceInUseException",         // Firehose, Kinesis
		"AlreadyExistsException":         // Glue
		return true
	}
	return false
}

func create(ctx context.Context, e Entry, opts Options) error {
	c := opts.Client
	switch e.Kind {
	case Buckets:
		return createBucket(ctx, c, e.Input)
	case LogGroups:
		return c.JSON(ctx, "logs", "CreateLogGroup", e.Input, nil)
	case Functions:
		var probe map[string]json.RawMessage
		_ = json.Unmarshal(e.Input, &probe)
		if _, ok := probe["Dir"]; ok {
			return registerDir(ctx, e, opts)
		}
		return c.REST(ctx, "lambda", http.MethodPost, "/2015-03-31/functions", nil, e.Input, nil)
	case KinesisStreams:
		return c.JSON(ctx, "kinesis", "CreateStream", e.Input, nil)
	case GlueDatabases:
		return c.JSON(ctx, "glue", "CreateDatabase", e.Input, nil)
	case GlueTables:
		return c.JSON(ctx, "glue", "CreateTable", e.Input, nil)
	case DeliveryStreams:
		return c.JSON(ctx, "firehose", "CreateDeliveryStream", e.Input, nil)
	}
	return fmt.Errorf("unknown list %s", e.Kind)
}

// bucketInput is CreateBucket's input as the CLI takes it.
type bucketInput struct {
	Bucket                     string
	ACL                        string
	ObjectOwnership            string
	ObjectLockEnabledForBucket *bool
	CreateBucketConfiguration  *struct {
		LocationConstraint string `xml:",omitempty"`
	}
}

func createBucket(ctx context.Context, c *Client, raw json.RawMessage) error {
	var in bucketInput
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("invalid CreateBucket input: %v", err)
	}
	if in.Bucket == "" {
		return errors.New(`missing required parameter in input: "Bucket"`)
	}
	h := http.Header{}
	if in.ACL != "" {
		h.Set("X-Amz-Acl", in.ACL)
	}
	if in.ObjectOwnership != "" {
		h.Set("X-Amz-Object-Ownership", in.ObjectOwnership)
	}
	if in.ObjectLockEnabledForBucket != nil {
		h.Set("X-Amz-Bucket-Object-Lock-Enabled", fmt.Sprint(*in.ObjectLockEnabledForBucket))
	}
	var body []byte
	if cfg := in.CreateBucketConfiguration; cfg != nil {
		var err error
		body, err = xml.Marshal(struct {
			XMLName            xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CreateBucketConfiguration"`
			LocationConstraint string   `xml:",omitempty"`
		}{LocationConstraint: cfg.LocationConstraint})
		if err != nil {
			return err
		}
		h.Set("Content-Type", "application/xml")
	}
	return c.REST(ctx, "s3", http.MethodPut, "/"+url.PathEscape(in.Bucket), h, body, nil)
}

func registerDir(ctx context.Context, e Entry, opts Options) error {
	var f DirFunction
	dec := json.NewDecoder(bytes.NewReader(e.Input))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("invalid function directory entry {\"Name\",\"Dir\",\"Runtime\",\"Handler\"}: %v", err)
	}
	if f.Name == "" || f.Dir == "" || f.Runtime == "" {
		return errors.New(`a function directory entry needs "Name", "Dir", "Runtime" and "Handler"`)
	}
	if !filepath.IsAbs(f.Dir) && e.Dir != "" {
		f.Dir = filepath.Join(e.Dir, f.Dir)
	}
	if opts.SkipExisting {
		err := opts.Client.In(f.Region).REST(ctx, "lambda", http.MethodGet, "/2015-03-31/functions/"+url.PathEscape(f.Name), nil, nil, nil)
		if err == nil {
			return errExists
		}
	}
	if opts.RegisterDir == nil {
		return errors.New("directory functions cannot be registered here")
	}
	return opts.RegisterDir(f)
}

// Timeout is f's timeout as a duration.
func (f DirFunction) TimeoutDuration() time.Duration { return time.Duration(f.Timeout) * time.Second }
