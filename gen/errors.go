package atlas

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// MaxErrorBody is how much of an error body an *Error keeps, in Body, from
// DeferMaintenanceWindow (which reads no more than this, plus one byte to
// see whether the body goes on) and from CheckResponse; Truncated reports
// that there was more. Error bodies are small. Reading any response body
// through the Client stops at MaxResponseBody in any case.
const MaxErrorBody = 64 << 10

// Error is the error for every non-2xx answer to the operation: declared or
// not (406, 410 VERSION_GONE), JSON or not (an HTML 502 from a proxy),
// enveloped or not. Use errors.As to get it, HasErrorCode to test its code.
//
// It keeps no *http.Response: the request behind one carries the
// Authorization header.
type Error struct {
	// Method and Path are the request's method and URL path.
	Method string
	Path   string
	// StatusCode is the status the API meant: the envelope's status when
	// the request asked for envelope=true and got an envelope, otherwise the
	// transport status.
	StatusCode int
	// APIError is the decoded Atlas ApiError, or nil when the body is not one.
	APIError *APIError
	// RetryAfter is the wait the Retry-After header asked for (seconds or an
	// HTTP date), or 0 when it was absent.
	RetryAfter time.Duration
	// RateLimit is what the RateLimit-Limit and RateLimit-Remaining headers said.
	RateLimit RateLimit
	// Body is the raw error body (the envelope's content when enveloped),
	// at most MaxErrorBody bytes of it.
	Body []byte
	// Truncated reports that the body was longer than MaxErrorBody.
	Truncated bool

	retryAfterSent bool // Retry-After was present and valid, even if 0
}

// Error implements error. It reads
// "POST /api/atlas/v2/groups/<id>/maintenanceWindow/defer: 400 ATLAS_MAINTENANCE_NOT_SCHEDULED: <detail>",
// with the reason when there is no detail, and the status text and a short
// sanitized snippet of the body when the body is not an ApiError.
func (e *Error) Error() string {
	var b strings.Builder
	b.Grow(len(e.Method) + len(e.Path) + 96)
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if a := e.APIError; a != nil && a.ErrorCode != "" {
		b.WriteByte(' ')
		b.WriteString(a.ErrorCode)
	} else if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	if msg := e.message(); msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	return b.String()
}

// message is the detail, else the reason, else a snippet of a non-ApiError
// body that says more than the status line.
func (e *Error) message() string {
	if a := e.APIError; a != nil {
		if a.Detail != nil && *a.Detail != "" {
			return *a.Detail
		}
		if a.Reason != nil {
			return *a.Reason
		}
		return ""
	}
	s := snippet(e.Body)
	if t := http.StatusText(e.StatusCode); s == t || s == strconv.Itoa(e.StatusCode)+" "+t {
		return ""
	}
	return s
}

// HasErrorCode reports whether err is, or wraps, an *Error whose ApiError
// carries the errorCode code, such as CodeMaintenanceNotScheduled.
func HasErrorCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.APIError != nil && e.APIError.ErrorCode == code
}

// classify turns a response into nil (success) or an error. body is what was
// read of it, enveloped whether the request asked for envelope=true.
// decoded, when not nil, is the ApiError the generated parser already
// decoded from the whole (unenveloped) body, used instead of decoding it again.
func classify(method, path string, status int, header http.Header, body []byte, truncated, enveloped bool, decoded *APIError) error {
	apiStatus, content := status, body
	if enveloped && len(body) > 0 {
		env, err := ParseEnvelope(body)
		switch {
		case err == nil:
			apiStatus, content = env.Status, env.Content
		case is2xx(status):
			return &EnvelopeError{Method: method, Path: path, StatusCode: status, Reason: err}
		}
		// A non-2xx body that is no envelope (a proxy's page) is judged as it is.
	}
	if is2xx(apiStatus) {
		if is2xx(status) {
			return nil
		}
		apiStatus = status // an envelope saying 2xx cannot make a failed transport status a success
	}
	retryAfter, retryAfterSent := parseRetryAfter(header.Get("Retry-After"), time.Now())
	if decoded == nil {
		decoded = decodeAPIError(content)
	} else if !isAPIError(decoded) {
		decoded = nil
	}
	return &Error{
		Method:         method,
		Path:           path,
		StatusCode:     apiStatus,
		APIError:       decoded,
		RetryAfter:     retryAfter,
		RateLimit:      rateLimitOf(header),
		Body:           content,
		Truncated:      truncated,
		retryAfterSent: retryAfterSent,
	}
}

func is2xx(status int) bool { return status >= 200 && status <= 299 }

// decodeAPIError decodes an ApiError, or returns nil when body is not one
// (not a JSON object, mistyped members, or neither error nor errorCode).
func decodeAPIError(body []byte) *APIError {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil
	}
	a := new(APIError)
	// JSON v2 in encoding/json's semantics (jsonv1.DefaultOptionsV1), so it
	// decodes as the generated parser's encoding/json does, in half the
	// time; the error is not kept.
	if err := jsonv2.Unmarshal(trimmed, a, jsonv1.DefaultOptionsV1()); err != nil || !isAPIError(a) {
		return nil
	}
	return a
}

// isAPIError reports whether a decoded object is an ApiError: it has an
// error or an errorCode.
func isAPIError(a *APIError) bool { return a.ErrorCode != "" || a.Error != 0 }

// parseRetryAfter reads a Retry-After value, delay-seconds or an HTTP date,
// and reports whether it was one. A date in the past is a wait of 0; a wait
// is capped at a day.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	const maxWait = 24 * time.Hour
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(maxWait/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(0, t.Sub(now)), maxWait), true
	}
	return 0, false
}

// EnvelopeError reports a 2xx answer to an envelope=true request whose body
// is not an envelope, so whether the operation succeeded is unknown.
type EnvelopeError struct {
	// Method, Path and StatusCode are the request's method and URL path and
	// the transport status.
	Method     string
	Path       string
	StatusCode int
	// Reason says what is wrong with the body, never its content.
	Reason error
}

// Error implements error.
func (e *EnvelopeError) Error() string {
	return e.Method + " " + e.Path + ": " + strconv.Itoa(e.StatusCode) + " answer to an envelope=true request, but " + e.Reason.Error()
}

// Unwrap returns the reason.
func (e *EnvelopeError) Unwrap() error { return e.Reason }
