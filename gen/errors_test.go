package atlas

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorMessage checks Error() and its fallbacks.
func TestErrorMessage(t *testing.T) {
	t.Parallel()
	const p = "/api/atlas/v2/groups/" + testGroupID + "/maintenanceWindow/defer"
	cases := []struct {
		name string
		err  *Error
		want string
	}{
		{name: "detail", err: &Error{Method: "POST", Path: p, StatusCode: 400, APIError: &APIError{Error: 400, ErrorCode: "ATLAS_MAINTENANCE_NOT_SCHEDULED", Detail: ptr("Nothing to defer."), Reason: ptr("Bad Request")}},
			want: "POST " + p + ": 400 ATLAS_MAINTENANCE_NOT_SCHEDULED: Nothing to defer."},
		{name: "empty detail falls back to reason", err: &Error{Method: "POST", Path: p, StatusCode: 400, APIError: &APIError{Error: 400, ErrorCode: "X", Detail: ptr(""), Reason: ptr("Bad Request")}},
			want: "POST " + p + ": 400 X: Bad Request"},
		{name: "code only", err: &Error{Method: "POST", Path: p, StatusCode: 404, APIError: &APIError{Error: 404, ErrorCode: "RESOURCE_NOT_FOUND"}},
			want: "POST " + p + ": 404 RESOURCE_NOT_FOUND"},
		{name: "ApiError without code", err: &Error{Method: "POST", Path: p, StatusCode: 500, APIError: &APIError{Error: 500, Reason: ptr("Internal Server Error")}},
			want: "POST " + p + ": 500 Internal Server Error: Internal Server Error"},
		{name: "no body", err: &Error{Method: "POST", Path: p, StatusCode: 503},
			want: "POST " + p + ": 503 Service Unavailable"},
		{name: "unknown status", err: &Error{Method: "POST", Path: p, StatusCode: 599, Body: []byte("odd")},
			want: "POST " + p + ": 599: odd"},
		{name: "HTML title", err: &Error{Method: "POST", Path: p, StatusCode: 502, Body: []byte("<HTML><TITLE>Proxy Error</TITLE><p>x</p></HTML>")},
			want: "POST " + p + ": 502 Bad Gateway: Proxy Error"},
		{name: "HTML without title", err: &Error{Method: "POST", Path: p, StatusCode: 502, Body: []byte("<html><body><h1>Upstream\n\n down</h1></body></html>")},
			want: "POST " + p + ": 502 Bad Gateway: Upstream down"},
		{name: "control characters and bad UTF-8", err: &Error{Method: "POST", Path: p, StatusCode: 500, Body: []byte("a\x1b[31mb\xffc\r\nd")},
			want: "POST " + p + ": 500 Internal Server Error: a[31mbc d"},
		{name: "long body", err: &Error{Method: "POST", Path: p, StatusCode: 500, Body: bytes.Repeat([]byte("é"), 500)},
			want: "POST " + p + ": 500 Internal Server Error: " + strings.Repeat("é", snippetRunes) + "…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.err.Error())
		})
	}
}

// TestHasErrorCode checks HasErrorCode through wrapping and on other errors.
func TestHasErrorCode(t *testing.T) {
	t.Parallel()
	e := &Error{StatusCode: 400, APIError: &APIError{ErrorCode: "ATLAS_MAINTENANCE_NOT_SCHEDULED"}}
	assert.True(t, HasErrorCode(e, CodeMaintenanceNotScheduled))
	assert.True(t, HasErrorCode(fmt.Errorf("deferring: %w", e), "ATLAS_MAINTENANCE_NOT_SCHEDULED"))
	assert.False(t, HasErrorCode(e, CodeDeferralsExceeded))
	assert.False(t, HasErrorCode(&Error{StatusCode: 502}, ""))
	assert.False(t, HasErrorCode(errors.New(CodeMaintenanceNotScheduled), CodeMaintenanceNotScheduled))
	assert.False(t, HasErrorCode(nil, ""))
}

// TestDecodeAPIError checks which bodies count as an ApiError.
func TestDecodeAPIError(t *testing.T) {
	t.Parallel()
	a := decodeAPIError([]byte(` {"error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","parameters":["api/atlas/v2/orgs",55,10,5,60]}`))
	require.NotNil(t, a)
	assert.Equal(t, []any{"api/atlas/v2/orgs", 55.0, 10.0, 5.0, 60.0}, *a.Parameters)
	for _, body := range []string{``, `null`, `[]`, `{}`, `{"foo":1}`, `{"error":"x","errorCode":"Y"}`, `<html>`, `{"errorCode":"X"`} {
		assert.Nil(t, decodeAPIError([]byte(body)), body)
	}
	assert.NotNil(t, decodeAPIError([]byte(`{"errorCode":"X"}`)))
	assert.NotNil(t, decodeAPIError([]byte(`{"error":400}`)))
}

// TestParseRetryAfter checks both forms of Retry-After and the bad ones.
func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 8, 10, 3, 7, 40, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5", 5 * time.Second, true},
		{" 60 ", time.Minute, true},
		{"0", 0, true},
		{"99999999999999", 24 * time.Hour, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"-3", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.in, now)
		assert.Equal(t, tc.want, got, tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
	}
}

// TestReadCapped checks the cap with and without a known length, and errors.
func TestReadCapped(t *testing.T) {
	t.Parallel()
	body := []byte(strings.Repeat("a", 100))
	for _, cl := range []int64{100, -1} {
		got, truncated, err := readCapped(bytes.NewReader(body), cl, 1000)
		require.NoError(t, err)
		assert.False(t, truncated)
		assert.Equal(t, body, got)

		got, truncated, err = readCapped(bytes.NewReader(body), cl, 60)
		require.NoError(t, err)
		assert.True(t, truncated)
		assert.Equal(t, body[:60], got)

		got, truncated, err = readCapped(bytes.NewReader(body), cl, 100)
		require.NoError(t, err)
		assert.False(t, truncated, "exactly the cap is not truncated")
		assert.Equal(t, body, got)
	}
	// A reader that hands out one byte at a time, and one that never ends.
	got, truncated, err := readCapped(iotest.OneByteReader(bytes.NewReader(body)), -1, 1000)
	require.NoError(t, err)
	assert.False(t, truncated)
	assert.Equal(t, body, got)
	got, truncated, err = readCapped(endless{}, -1, MaxErrorBody)
	require.NoError(t, err)
	assert.True(t, truncated)
	assert.Len(t, got, MaxErrorBody)

	got, _, err = readCapped(io.MultiReader(bytes.NewReader(body[:10]), iotest.ErrReader(errors.New("reset"))), -1, 1000)
	require.ErrorContains(t, err, "reset")
	assert.Equal(t, body[:10], got)

	got, _, err = readCapped(endless{}, 0, 1000)
	require.NoError(t, err)
	assert.Nil(t, got, "Content-Length 0 reads nothing")
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// TestUnreadableErrorBody checks that an error whose body breaks off is
// still an *Error with what was read.
func TestUnreadableErrorBody(t *testing.T) {
	t.Parallel()
	c := mustNew(t, WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 500, Header: http.Header{}, ContentLength: -1, Request: r,
			Body: io.NopCloser(io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(errors.New("reset"))))}, nil
	})))
	err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 500, e.StatusCode)
	assert.Equal(t, "partial", string(e.Body))
}
