package testtool

import (
	"io"
	"net/http"
)

// SDKHTTPClient is the HTTP client tests give the AWS SDK for Go v2. It
// passes request bodies to net/http without their WriteTo method: the SDK
// closes a request's body as soon as the response headers arrive, and its
// closed body's WriteTo answers io.EOF as an error; over HTTP/1.1,
// net/http's last read of the body (looking for bytes past Content-Length)
// may come after that, fail, and close the connection under the response
// being read ("deserialization failed … use of closed network connection",
// aws/aws-sdk-go-v2#2737). Without the method, net/http reads the body
// through Read, which the closed body answers with a plain EOF.
func SDKHTTPClient() *http.Client {
	return &http.Client{Transport: hideWriteTo{http.DefaultTransport.(*http.Transport).Clone()}}
}

type hideWriteTo struct{ rt http.RoundTripper }

func (h hideWriteTo) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r = r.Clone(r.Context())
		r.Body = struct{ io.ReadCloser }{r.Body}
	}
	return h.rt.RoundTrip(r)
}
