package atlas

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CheckResponse turns a response of DeferMaintenanceWindowWithResponse into
// what DeferMaintenanceWindow returns: nil on success, else the same *Error
// (an enveloped answer, when the request asked for envelope=true, is
// unwrapped first). The ApiError the generated parser decoded is used as it
// is, not decoded again.
func CheckResponse(rsp *DeferMaintenanceWindowResponse) error {
	if rsp == nil || rsp.HTTPResponse == nil {
		return errors.New("atlas: CheckResponse: the response holds no HTTP response")
	}
	hr := rsp.HTTPResponse
	method, path, enveloped := OperationMethod, OperationPath, askedEnvelope(hr.Request)
	if req := hr.Request; req != nil && req.URL != nil {
		method, path = req.Method, req.URL.Path
	}
	if is2xx(hr.StatusCode) && !enveloped {
		return nil
	}
	body, truncated := rsp.Body, false
	if len(body) > MaxErrorBody {
		body, truncated = body[:MaxErrorBody], true
	}
	var decoded *APIError
	if !enveloped && !truncated {
		decoded = typedAPIError(rsp)
	}
	return classify(method, path, hr.StatusCode, hr.Header, append([]byte(nil), body...), truncated, enveloped, decoded)
}

// typedAPIError returns the ApiError the generated parser decoded for the
// response's status, or nil.
func typedAPIError(rsp *DeferMaintenanceWindowResponse) *APIError {
	if field := apiErrorField(rsp, rsp.StatusCode()); field != nil {
		return *field
	}
	return nil
}

// apiErrorField returns the ApiError field of a declared error status
// (JSON400 for 400, ...), or nil for a status that has none.
func apiErrorField(rsp *DeferMaintenanceWindowResponse, status int) **APIError {
	switch status {
	case 400:
		return &rsp.JSON400
	case 401:
		return &rsp.JSON401
	case 403:
		return &rsp.JSON403
	case 404:
		return &rsp.JSON404
	case 406:
		return &rsp.JSON406
	case 410:
		return &rsp.JSON410
	case 429:
		return &rsp.JSON429
	case 500:
		return &rsp.JSON500
	}
	return nil
}

// parseResponse reads resp's body (none when it declares a length of 0)
// and decodes the answer with the generated parser. The parser sees the
// declared headers as typedHeaders makes them, so a bad header value is the
// header's problem alone, not a failure to decode the answer; the response
// returned holds resp as it came, with its body read.
func parseResponse(resp *http.Response) (*DeferMaintenanceWindowResponse, error) {
	var body []byte
	var err error
	if resp.ContentLength != 0 {
		body, err = io.ReadAll(resp.Body) // the Client's transport caps it at MaxResponseBody
	}
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = http.NoBody
	if len(body) > 0 {
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	in := resp
	if h, changed := typedHeaders(resp.Header); changed {
		view := *resp
		view.Header = h
		in = &view
	}
	if env, ok := envelopeOf(resp, body); ok {
		return parseEnveloped(resp, in, body, env)
	}
	rsp, err := parseDeferMaintenanceWindowResponse(in)
	if err != nil {
		return &DeferMaintenanceWindowResponse{Body: body, HTTPResponse: resp},
			fmt.Errorf("atlas: decoding the %d answer: %w", resp.StatusCode, err)
	}
	rsp.HTTPResponse = resp
	return rsp, nil
}

// envelopeOf returns the envelope of an answer to a request that asked for
// envelope=true, and whether it is one. An answer that is no envelope (a
// proxy's page) is typed as it came.
func envelopeOf(resp *http.Response, body []byte) (EnvelopeBody, bool) {
	if len(body) == 0 || !askedEnvelope(resp.Request) {
		return EnvelopeBody{}, false
	}
	env, err := ParseEnvelope(body)
	return env, err == nil
}

// parseEnveloped types an enveloped answer by the status the API meant,
// the one CheckResponse's *Error reports: the envelope's, unless it says
// 2xx on a failed transport status, which stands. The declared headers are
// those of that status (Headers429 on a 429 sent as a transport 200); the
// ApiError field of an error status holds the envelope's content decoded
// as an ApiError, nil when it is none. Body and HTTPResponse stay as
// received.
func parseEnveloped(resp, in *http.Response, body []byte, env EnvelopeBody) (*DeferMaintenanceWindowResponse, error) {
	status := env.Status
	if is2xx(status) && !is2xx(resp.StatusCode) {
		status = resp.StatusCode
	}
	// The generated parser reads the declared headers of status; without
	// a body or Content-Type it decodes no content: that is done below.
	view := *in
	view.StatusCode = status
	view.Header = make(http.Header, len(integerHeaders)) // the declared headers alone, without Content-Type
	for _, name := range integerHeaders {
		if vs, ok := in.Header[name]; ok {
			view.Header[name] = vs
		}
	}
	view.Body = http.NoBody
	rsp, err := parseDeferMaintenanceWindowResponse(&view)
	if err != nil {
		return &DeferMaintenanceWindowResponse{Body: body, HTTPResponse: resp},
			fmt.Errorf("atlas: decoding the enveloped %d answer: %w", status, err)
	}
	rsp.Body, rsp.HTTPResponse = body, resp
	if field := apiErrorField(rsp, status); field != nil {
		*field = decodeAPIError(env.Content)
	}
	return rsp, nil
}

// askedEnvelope reports whether req asked for envelope=true.
func askedEnvelope(req *http.Request) bool {
	if req == nil || req.URL == nil {
		return false
	}
	if q := req.URL.RawQuery; !strings.Contains(q, "envelope") && !strings.Contains(q, "%") {
		return false // no query parsed: the name is in none without it, unless escaped
	}
	enveloped, _ := strconv.ParseBool(req.URL.Query().Get("envelope"))
	return enveloped
}

// readBody reads all of r, as io.ReadAll does, but allocates nothing for
// http.NoBody, the body of every empty answer: the generated parsers read
// their body with it (gen/internal/specconst rewrites their io.ReadAll).
func readBody(r io.Reader) ([]byte, error) {
	if r == http.NoBody {
		return nil, nil
	}
	return io.ReadAll(r)
}

// typedHeaders returns h, or a copy of it (and true) in which Retry-After
// as an HTTP date is replaced by its delay in seconds from now, and every
// declared integer header whose value is no integer is removed.
func typedHeaders(h http.Header) (http.Header, bool) {
	out, cloned := h, false
	for _, name := range integerHeaders {
		vs := h[name]
		if len(vs) == 0 {
			continue
		}
		if _, err := strconv.Atoi(vs[0]); err == nil {
			continue
		}
		if !cloned {
			out, cloned = h.Clone(), true
		}
		if wait, ok := parseRetryAfter(vs[0], time.Now()); ok && name == "Retry-After" {
			out[name] = []string{strconv.FormatInt(int64(wait/time.Second), 10)}
			continue
		}
		delete(out, name)
	}
	return out, cloned
}

// RateLimit is what an answer's RateLimit-Limit and RateLimit-Remaining
// headers said: the requests allowed in the current window, and how many
// of them are left. A field is -1 when its header was absent or not a
// non-negative integer.
type RateLimit struct {
	Limit     int
	Remaining int
}

// rateLimitOf reads the RateLimit headers of h.
func rateLimitOf(h http.Header) RateLimit {
	return RateLimit{Limit: headerCount(h, "Ratelimit-Limit"), Remaining: headerCount(h, "Ratelimit-Remaining")}
}

// headerCount reads a non-negative integer header; name is in canonical form.
func headerCount(h http.Header, name string) int {
	vs := h[name]
	if len(vs) == 0 {
		return -1
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || n < 0 {
		return -1
	}
	return n
}
