package atlas

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/atlascontract/deferwindow/gen/internal/oapi"
)

// CheckResponse turns a response of DeferMaintenanceWindowWithResponse into
// what DeferMaintenanceWindow returns: nil on success, else the same *Error
// (an enveloped answer, when the request asked for envelope=true, is
// unwrapped first).
func CheckResponse(rsp *DeferMaintenanceWindowResponse) error {
	if rsp == nil || rsp.HTTPResponse == nil {
		return errors.New("atlas: CheckResponse: the response holds no HTTP response")
	}
	hr := rsp.HTTPResponse
	method, path, enveloped := OperationMethod, OperationPath, false
	if req := hr.Request; req != nil && req.URL != nil {
		method, path = req.Method, req.URL.Path
		enveloped, _ = strconv.ParseBool(req.URL.Query().Get("envelope"))
	}
	body, truncated := rsp.Body, false
	if len(body) > MaxErrorBody {
		body, truncated = body[:MaxErrorBody], true
	}
	return classify(method, path, hr.StatusCode, hr.Header, append([]byte(nil), body...), truncated, enveloped)
}

// parseResponse reads resp's body and decodes it with the generated parser.
// The declared headers are given to the parser as typedHeaders makes them,
// so a bad header value is the header's problem alone, not a failure to
// decode the answer.
func parseResponse(resp *http.Response, now time.Time) (*DeferMaintenanceWindowResponse, error) {
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	view := *resp
	view.Header = typedHeaders(resp.Header, now)
	view.Body = io.NopCloser(bytes.NewReader(body))
	rsp, err := oapi.ParseDeferMaintenanceWindowResponse(&view)
	if err != nil {
		return &DeferMaintenanceWindowResponse{Body: body, HTTPResponse: resp},
			fmt.Errorf("atlas: decoding the %d answer: %w", resp.StatusCode, err)
	}
	rsp.HTTPResponse = resp
	return rsp, nil
}

// typedHeaders returns h, or a copy of it in which Retry-After as an HTTP
// date is replaced by its delay in seconds from now, and every declared
// integer header whose value is no integer is removed.
func typedHeaders(h http.Header, now time.Time) http.Header {
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
		if wait, ok := parseRetryAfter(vs[0], now); ok && name == "Retry-After" {
			out[name] = []string{strconv.FormatInt(int64(wait/time.Second), 10)}
			continue
		}
		delete(out, name)
	}
	return out
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
