package cwlogs_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/firehose-local/firehose-local/cwlogs"
)

// Lambda output reaches the store through LambdaSink.
func ExampleStore_LambdaSink() {
	store := cwlogs.New(cwlogs.Options{})
	defer store.Close()
	sink := store.LambdaSink() // lambdarunner.Options.LogSink
	stream := "2026/03/14/[$LATEST]5296e3a1084f411d9fb73b258393f30c"
	sink("orders", stream, "START RequestId: 1 Version: $LATEST")
	sink("orders", stream, "END RequestId: 1")
	for _, e := range store.Events("/aws/lambda/orders", stream) {
		fmt.Printf("%q\n", e.Message)
	}
	// Output:
	// "START RequestId: 1 Version: $LATEST\n"
	// "END RequestId: 1\n"
}

// The API is mounted on the requests whose X-Amz-Target starts with
// TargetPrefix.
func ExampleNewAPI() {
	store := cwlogs.New(cwlogs.Options{})
	defer store.Close()
	api := cwlogs.NewAPI(store, cwlogs.APIOptions{Region: "us-east-1"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), cwlogs.TargetPrefix) {
			api.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"logGroupName": "/aws/lambda/nope"}`))
	req.Header.Set("X-Amz-Target", "Logs_20140328.DescribeLogStreams")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 400 {"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}
}
