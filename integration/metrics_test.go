package integration_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/firehose-local/firehose-local/emulator"
	"github.com/firehose-local/firehose-local/emulator/emulatortest"
)

// scrape reads GET /metrics and parses it with Prometheus' own text parser.
func scrape(t *testing.T, env *emulatortest.Env) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the scrape: %v", err)
	}
	return families
}

// value finds the sample of family name whose labels include want; ok is
// false when there is none.
func value(families map[string]*dto.MetricFamily, name string, want map[string]string) (v float64, ok bool) {
	f := families[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetricsScrape(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	env := newEnv(t, emulator.Config{Clock: clock})
	pythonTransform(t, env, "py", nil)
	createStream(t, env.Firehose, "plain", s3Dest())
	createStream(t, env.Firehose, "transformed", transformDest(fnARNPrefix+"py", "0"))
	putBatch(t, env.Firehose, "plain", []byte("ab"), []byte("cde"))
	putBatch(t, env.Firehose, "transformed", []byte("x\n"))

	// Before delivery: incoming counted, data waiting 90 s.
	clock.Advance(90 * time.Second)
	fams := scrape(t, env)
	plain := map[string]string{"region": "us-east-1", "delivery_stream": "plain"}
	tr := map[string]string{"region": "us-east-1", "delivery_stream": "transformed"}
	expect := func(name string, labels map[string]string, want float64) {
		t.Helper()
		if v, ok := value(fams, name, labels); !ok || v != want {
			t.Errorf("%s%v = %v (present %v), want %v", name, labels, v, ok, want)
		}
	}
	expect("firehose_incoming_records_total", plain, 2)
	expect("firehose_incoming_bytes_total", plain, 5)
	expect("firehose_delivery_to_s3_data_freshness_seconds", plain, 90)
	expect("firehose_delivery_to_s3_records_total", plain, 0)

	env.Flush(t, "")
	fams = scrape(t, env)
	expect("firehose_delivery_to_s3_records_total", plain, 2)
	expect("firehose_delivery_to_s3_bytes_total", plain, 5)
	expect("firehose_delivery_to_s3_success_total", plain, 1)
	expect("firehose_delivery_to_s3_attempts_total", plain, 1)
	expect("firehose_delivery_to_s3_data_freshness_seconds", plain, 0)
	expect("firehose_throttled_records_total", plain, 0)
	expect("firehose_execute_processing_success_total", tr, 1)
	expect("firehose_execute_processing_attempts_total", tr, 1)
	expect("firehose_execute_processing_duration_seconds", tr, 1) // one observation
	expect("firehose_succeed_processing_records_total", tr, 1)
	expect("firehose_succeed_processing_bytes_total", tr, 2)
	expect("firehose_delivery_to_s3_records_total", tr, 1)
	fn := map[string]string{"region": "us-east-1", "function_name": "py"}
	expect("lambda_invocations_total", fn, 1)
	expect("lambda_errors_total", fn, 0)
	expect("lambda_duration_seconds", fn, 1)
	if _, ok := value(fams, "firehose_execute_processing_success_total", plain); ok {
		t.Error("processing metrics reported for a stream without processing")
	}
	if fams["go_goroutines"] == nil || fams["process_resident_memory_bytes"] == nil {
		t.Error("the Go and process collectors are missing")
	}

	// A function error through the Lambda API counts as an error.
	out, err := env.Lambda.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("py"),
		Payload: []byte(`{"invocationId":"i","records":[{"recordId":"1","approximateArrivalTimestamp":0,"data":"bW9kZTpyYWlzZQ=="}]}`)})
	if err != nil || out.FunctionError == nil {
		t.Fatalf("Invoke: %v %v", out, err)
	}
	fams = scrape(t, env)
	expect("lambda_invocations_total", fn, 2)
	expect("lambda_errors_total", fn, 1)

	// A deleted stream's series are gone.
	if _, err := env.Firehose.DeleteDeliveryStream(context.Background(), &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	fams = scrape(t, env)
	if _, ok := value(fams, "firehose_incoming_records_total", plain); ok {
		t.Error("a deleted stream is still reported")
	}
}
