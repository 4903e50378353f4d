//go:build unix

package lambdarunner

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// runFakeRuntime is a scripted runtime client speaking raw HTTP to the
// Runtime API, for protocol cases that real runtime clients never produce.
// The test binary runs it when LAMBDARUNNER_FAKE_RUNTIME is set (see
// TestMain). Each event's "case" selects what to do; the status codes the
// API answered are recorded and returned by the "report" case.
func runFakeRuntime(mode string) int {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime"
	client := &http.Client{}
	var observed []string
	do := func(method, path string, body []byte, hdr map[string]string) int {
		req, _ := http.NewRequest(method, api+path, bytes.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fake runtime:", err)
			os.Exit(10)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		observed = append(observed, fmt.Sprintf("%s %s -> %d %s", method, strings.SplitN(path, "?", 2)[0], resp.StatusCode, bytes.TrimSpace(b)))
		return resp.StatusCode
	}

	switch mode {
	case "initerror":
		fmt.Println("cannot load the handler")
		do("POST", "/init/error", []byte(`{"errorMessage":"no handler","errorType":"Runtime.Custom","stackTrace":[]}`),
			map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.Custom"})
		// A second report is refused; the first stands.
		do("POST", "/init/error", []byte(`{}`), nil)
		fmt.Println(strings.Join(observed, "\n"))
		time.Sleep(time.Minute) // the runner kills us
		return 0
	case "protocol":
	default:
		return 2
	}

	for {
		resp, err := client.Get(api + "/invocation/next")
		if err != nil {
			return 11
		}
		event, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 12
		}
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		var ev struct {
			Case string `json:"case"`
		}
		_ = json.Unmarshal(event, &ev)
		respond := func(body []byte) int { return do("POST", "/invocation/"+id+"/response", body, nil) }
		switch ev.Case {
		case "headers":
			h := map[string]string{}
			for k := range resp.Header {
				h[k] = resp.Header.Get(k)
			}
			b, _ := json.Marshal(h)
			respond(b)
		case "misuse":
			observed = nil
			do("POST", "/invocation/not-"+id+"/response", []byte(`"wrong id"`), nil)
			do("POST", "/invocation/"+id+"/response", []byte(`"x"`),
				map[string]string{"Lambda-Runtime-Function-Response-Mode": "bogus"})
			do("GET", "/invocation/"+id+"/response", nil, nil)
			do("POST", "/invocation/next", nil, nil)
			do("GET", "/nowhere", nil, nil)
			do("POST", "/invocation/"+id+"/somethingelse", nil, nil)
			do("POST", "/init/error", []byte(`{}`), nil)
			respond([]byte(`"first"`))
			respond([]byte(`"second"`))
			do("POST", "/invocation/"+id+"/error", []byte(`{}`), nil)
		case "report":
			b, _ := json.Marshal(observed)
			observed = nil
			respond(b)
		case "garbage":
			respond([]byte{0xff, 0x00, '{', 0x80})
		case "toolarge":
			respond(bytes.Repeat([]byte("a"), maxPayloadSize+1))
		case "exactlimit":
			respond(bytes.Repeat([]byte("a"), maxPayloadSize))
		case "noanswer":
			// Ask for the next event without answering this one.
		case "errorempty":
			do("POST", "/invocation/"+id+"/error", nil,
				map[string]string{"Lambda-Runtime-Function-Error-Type": "Function.Custom"})
		case "errortrailer":
			// aws-lambda-go's way to fail a streamed response mid-way.
			errJSON := `{"errorMessage":"stream broke","errorType":"ReadError"}`
			req, _ := http.NewRequest("POST", api+"/invocation/"+id+"/response", io.MultiReader(strings.NewReader("partial")))
			req.ContentLength = -1
			req.Trailer = http.Header{
				"Lambda-Runtime-Function-Error-Type": {"ReadError"},
				"Lambda-Runtime-Function-Error-Body": {base64.StdEncoding.EncodeToString([]byte(errJSON))},
			}
			resp, err := client.Do(req)
			if err != nil {
				return 13
			}
			resp.Body.Close()
		default:
			respond(event)
		}
	}
}
