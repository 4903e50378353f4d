package integration_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/firehose-local/firehose-local/emulator"
)

// Functions are regional: the same name in two regions is two functions,
// each with its own configuration and warm processes (a bug once made
// them replace each other's processes at every call).
func TestSameFunctionNameInTwoRegions(t *testing.T) {
	env := newEnv(t, emulator.Config{})
	ctx := context.Background()
	code := zipFiles(t, map[string]string{"app.py": "testdata/pyenv/app.py"})
	clients := map[string]*lambda.Client{}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		c := lambda.NewFromConfig(env.AWS, func(o *lambda.Options) { o.Region = region })
		clients[region] = c
		_, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("f"), Runtime: ltypes.RuntimePython312, Handler: aws.String("app.handler"),
			Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Code: &ltypes.FunctionCode{ZipFile: code},
			Environment: &ltypes.Environment{Variables: map[string]string{"STAGE": region}},
		})
		if err != nil {
			t.Fatalf("CreateFunction in %s: %v", region, err)
		}
	}
	for i := 0; i < 3; i++ {
		for region, c := range clients {
			out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f"), LogType: ltypes.LogTypeTail})
			if err != nil {
				t.Fatal(err)
			}
			log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
			if i > 0 && strings.Contains(string(log), "Init Duration") {
				t.Fatalf("invocation %d in %s cold-started: the other region's function replaced its process\n%s", i, region, log)
			}
			var got struct{ Stage, Region string }
			if err := json.Unmarshal(out.Payload, &got); err != nil {
				t.Fatalf("%s: %s", region, out.Payload)
			}
			if got.Stage != region || got.Region != region {
				t.Fatalf("invoking f in %s ran %+v", region, got)
			}
		}
	}
}
