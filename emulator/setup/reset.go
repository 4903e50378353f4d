package setup

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Regions says where a service has resources.
type Regions struct {
	Kinesis, Glue, Lambda []string
}

// Clear deletes every CloudWatch Logs group, Kinesis data stream, Glue
// database (with its tables) and, unless keepFunctions, every Lambda
// function, through their APIs' delete calls, in every region that has
// them.
func Clear(ctx context.Context, c *Client, regions Regions, keepFunctions bool) error {
	if err := clearLogs(ctx, c); err != nil {
		return fmt.Errorf("deleting the CloudWatch Logs groups: %w", err)
	}
	for _, r := range regions.Kinesis {
		if err := clearKinesis(ctx, c.In(r)); err != nil {
			return fmt.Errorf("deleting the Kinesis data streams in %s: %w", r, err)
		}
	}
	for _, r := range regions.Glue {
		if err := clearGlue(ctx, c.In(r)); err != nil {
			return fmt.Errorf("deleting the Glue databases in %s: %w", r, err)
		}
	}
	if keepFunctions {
		return nil
	}
	for _, r := range regions.Lambda {
		if err := clearLambda(ctx, c.In(r)); err != nil {
			return fmt.Errorf("deleting the Lambda functions in %s: %w", r, err)
		}
	}
	return nil
}

// maxRounds bounds each service's list-and-delete rounds, in case
// something keeps creating resources meanwhile.
const maxRounds = 1000

func clearLogs(ctx context.Context, c *Client) error {
	for range maxRounds {
		var out struct {
			LogGroups []struct {
				LogGroupName              string `json:"logGroupName"`
				DeletionProtectionEnabled bool   `json:"deletionProtectionEnabled"`
			} `json:"logGroups"`
		}
		if err := c.JSON(ctx, "logs", "DescribeLogGroups", []byte(`{}`), &out); err != nil {
			return err
		}
		if len(out.LogGroups) == 0 {
			return nil
		}
		for _, g := range out.LogGroups {
			name := jsonString(g.LogGroupName)
			if g.DeletionProtectionEnabled {
				if err := c.JSON(ctx, "logs", "PutLogGroupDeletionProtection", []byte(`{"logGroupIdentifier":`+name+`,"deletionProtectionEnabled":false}`), nil); err != nil {
					return err
				}
			}
			if err := c.JSON(ctx, "logs", "DeleteLogGroup", []byte(`{"logGroupName":`+name+`}`), nil); err != nil && !notFound(err) {
				return err
			}
		}
	}
	return errTooMany
}

func clearKinesis(ctx context.Context, c *Client) error {
	for range maxRounds {
		var out struct{ StreamNames []string }
		if err := c.JSON(ctx, "kinesis", "ListStreams", []byte(`{}`), &out); err != nil {
			return err
		}
		if len(out.StreamNames) == 0 {
			return nil
		}
		for _, n := range out.StreamNames {
			if err := c.JSON(ctx, "kinesis", "DeleteStream", []byte(`{"StreamName":`+jsonString(n)+`,"EnforceConsumerDeletion":true}`), nil); err != nil && !notFound(err) {
				return err
			}
		}
	}
	return errTooMany
}

func clearGlue(ctx context.Context, c *Client) error {
	for range maxRounds {
		var out struct{ DatabaseList []struct{ Name string } }
		if err := c.JSON(ctx, "glue", "GetDatabases", []byte(`{}`), &out); err != nil {
			return err
		}
		if len(out.DatabaseList) == 0 {
			return nil
		}
		for _, d := range out.DatabaseList {
			if err := c.JSON(ctx, "glue", "DeleteDatabase", []byte(`{"Name":`+jsonString(d.Name)+`}`), nil); err != nil && !notFound(err) {
				return err
			}
		}
	}
	return errTooMany
}

func clearLambda(ctx context.Context, c *Client) error {
	for range maxRounds {
		var out struct {
			Functions []struct{ FunctionName string }
		}
		if err := c.REST(ctx, "lambda", http.MethodGet, "/2015-03-31/functions", nil, nil, &out); err != nil {
			return err
		}
		if len(out.Functions) == 0 {
			return nil
		}
		for _, f := range out.Functions {
			if err := c.REST(ctx, "lambda", http.MethodDelete, "/2015-03-31/functions/"+url.PathEscape(f.FunctionName), nil, nil, nil); err != nil && !notFound(err) {
				return err
			}
		}
	}
	return errTooMany
}
