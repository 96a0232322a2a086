package atlas

import (
	"io"
	"net/http"
	"strconv"
)

// MaxResponseBody is the most of any response body the Client lets be read,
// on every path: DeferMaintenanceWindow, DeferMaintenanceWindowWithResponse
// (which reads the whole body into memory), Do, and the Service Account
// token request. Reading past it fails with a
// *ResponseTooLargeError. Answers to this operation are a few hundred bytes;
// the cap keeps a misbehaving proxy's endless page out of memory.
const MaxResponseBody = 1 << 20

// ResponseTooLargeError reports that a response body was longer than Limit
// bytes: Limit bytes were read and the read stopped there. It names the
// request and the limit, never the body's content.
type ResponseTooLargeError struct {
	// Method and Path are the request's method and URL path.
	Method string
	Path   string
	// StatusCode is the response's HTTP status.
	StatusCode int
	// Limit is the cap that was reached, MaxResponseBody.
	Limit int64
}

// Error implements error.
func (e *ResponseTooLargeError) Error() string {
	return e.Method + " " + e.Path + ": " + strconv.Itoa(e.StatusCode) +
		": the response body is longer than " + strconv.FormatInt(e.Limit, 10) +
		" bytes (atlas.MaxResponseBody); stopped reading it there"
}

// limitTransport caps every response body that comes through it at limit
// bytes. The Client puts it right above the base transport, under
// authentication, so the token request's answers are capped as well.
type limitTransport struct {
	base  http.RoundTripper
	limit int64
}

// RoundTrip implements http.RoundTripper.
func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp == nil || resp.Body == nil || resp.Body == http.NoBody {
		return resp, err
	}
	resp.Body = &limitedBody{body: resp.Body, left: t.limit, limit: t.limit, req: req, status: resp.StatusCode}
	return resp, nil
}

// limitedBody reads at most limit bytes of body, then fails with a
// *ResponseTooLargeError if more followed. It never reads more than limit+1
// bytes from body.
type limitedBody struct {
	body   io.ReadCloser
	left   int64 // bytes that may still be read
	limit  int64
	req    *http.Request // for the error: its method and path only
	status int
	err    error // sticky, once the limit is passed
}

// Read implements io.Reader.
func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one byte past what is left tells whether there is more
	}
	n, err := b.body.Read(p)
	if int64(n) <= b.left {
		b.left -= int64(n)
		return n, err
	}
	n = int(b.left)
	b.left = 0
	e := &ResponseTooLargeError{Method: b.req.Method, StatusCode: b.status, Limit: b.limit}
	if b.req.URL != nil {
		e.Path = b.req.URL.Path
	}
	b.err = e
	return n, b.err
}

// Close implements io.Closer.
func (b *limitedBody) Close() error { return b.body.Close() }
