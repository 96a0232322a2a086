package atlas

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRetryAfterZeroIsNoStorm checks that Retry-After: 0 still waits: with
// a budget shorter than the least wait, the 429 is returned after one request.
func TestRetryAfterZeroIsNoStorm(t *testing.T) {
	t.Parallel()
	for _, retryAfter := range []string{"0", ""} {
		var n atomic.Int32
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
			n.Add(1)
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeJSON(w, 429, `{"error":429,"errorCode":"RATE_LIMITED"}`)
		})
		c := newTestClient(t, f, WithRetryOn429(1000, 500*time.Millisecond))
		err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
		assert.True(t, HasErrorCode(err, CodeRateLimited), "Retry-After %q: %v", retryAfter, err)
		assert.Equal(t, int32(1), n.Load(), "Retry-After %q: requests sent", retryAfter)
	}
}

// TestRateLimitHeaders checks that the RateLimit headers of a success reach
// the hook, and those of a failure the *Error as well.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	status := http.StatusOK
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("RateLimit-Limit", "100")
		w.Header().Set("RateLimit-Remaining", "42")
		if status == http.StatusOK {
			atlasOK(w)
			return
		}
		writeJSON(w, status, `{"error":429,"errorCode":"RATE_LIMITED"}`)
	})
	var mu sync.Mutex
	var got []RateLimit
	c := newTestClient(t, f, WithRateLimitHook(func(_ context.Context, rl RateLimit) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, rl)
	}))
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	status = http.StatusTooManyRequests
	err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, RateLimit{Limit: 100, Remaining: 42}, e.RateLimit)
	assert.Equal(t, []RateLimit{{100, 42}, {100, 42}}, got)

	assert.Equal(t, RateLimit{Limit: -1, Remaining: -1}, rateLimitOf(http.Header{}))
	assert.Equal(t, RateLimit{Limit: -1, Remaining: 3}, rateLimitOf(http.Header{"Ratelimit-Limit": {"many"}, "Ratelimit-Remaining": {"3"}}))
	_, err = New(WithRateLimitHook(nil))
	require.Error(t, err)
}

// TestTypedRetryAfter checks the typed call's Retry-After: an HTTP date is
// given in seconds, a bad value is left out without failing the decoding.
func TestTypedRetryAfter(t *testing.T) {
	t.Parallel()
	var retryAfter atomic.Value
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", retryAfter.Load().(string))
		w.Header().Set("RateLimit-Limit", "x")
		writeJSON(w, 429, `{"error":429,"errorCode":"RATE_LIMITED"}`)
	})
	c := newTestClient(t, f)

	retryAfter.Store(time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat))
	rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	require.NotNil(t, rsp.Headers429.RetryAfter)
	assert.InDelta(t, 120, *rsp.Headers429.RetryAfter, 5)
	assert.Nil(t, rsp.Headers429.RateLimitLimit)
	assert.Equal(t, "x", rsp.HTTPResponse.Header.Get("RateLimit-Limit"), "the raw headers stay as they came")

	retryAfter.Store("soon")
	rsp, err = c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	assert.Nil(t, rsp.Headers429.RetryAfter)
	require.NotNil(t, rsp.JSON429)
	assert.Equal(t, CodeRateLimited, rsp.JSON429.ErrorCode)
	require.True(t, errors.As(CheckResponse(rsp), new(*Error)))
}
