package atlastest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// hook records what a client's rate-limit hook sees.
type hook struct {
	mu   sync.Mutex
	seen []atlas.RateLimit
}

func (h *hook) option() atlas.Option {
	return atlas.WithRateLimitHook(func(_ context.Context, rl atlas.RateLimit) {
		h.mu.Lock()
		h.seen = append(h.seen, rl)
		h.mu.Unlock()
	})
}

func (h *hook) list() []atlas.RateLimit {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]atlas.RateLimit(nil), h.seen...)
}

// TestRateLimitHeadersAlways (issue 16, point 2): without a configured
// limit the fake sends Atlas's RateLimit-Limit 1200 and a Remaining that
// counts down per credential within each minute, on successes and on the
// operation's refusals, so a client's hook sees them; it never refuses.
func TestRateLimitHeadersAlways(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	h := &hook{}
	client := srv.Client(h.option())
	ctx := t.Context()
	require.NoError(t, client.DeferMaintenanceWindow(ctx, scheduled))
	require.NoError(t, client.DeferMaintenanceWindow(ctx, scheduled))
	assert.True(t, atlas.HasErrorCode(client.DeferMaintenanceWindow(ctx, notScheduled), atlas.CodeMaintenanceNotScheduled))
	var e *atlas.Error
	require.ErrorAs(t, client.DeferMaintenanceWindow(ctx, notScheduled), &e)
	assert.Equal(t, 1200, e.RateLimit.Limit, "an *atlas.Error carries them too")
	seen := h.list()
	require.Len(t, seen, 4)
	for i, rl := range seen {
		assert.Equal(t, 1200, rl.Limit)
		assert.Equal(t, 1199-i, rl.Remaining)
	}
	srv.Advance(time.Minute)
	resp, _ := digestPost(t, srv, deferURL(srv, unknown))
	assert.Equal(t, "1200", resp.Header.Get("RateLimit-Limit"))
	assert.Equal(t, "1199", resp.Header.Get("RateLimit-Remaining"), "a new minute, another credential")

	resp, _ = rawPost(t, deferURL(srv, scheduled), map[string]string{"Accept": atlas.MediaType})
	assert.Equal(t, 401, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("RateLimit-Limit"), "a 401 comes before the operation, as in defer-errors.yaml")

	// Scripted, the refusals Atlas gives before the operation runs come
	// without them too, as recorded; the others with them.
	srv.Script(scheduled, atlastest.Reply{Status: 401}, atlastest.Reply{Status: 406}, atlastest.Reply{Status: 410}, atlastest.Reply{Status: 500})
	for _, want := range []string{"", "", "", "1200"} {
		resp, _ = digestPost(t, srv, deferURL(srv, scheduled))
		assert.Equal(t, want, resp.Header.Get("RateLimit-Limit"), resp.StatusCode)
	}
}

// TestRateLimitHeadersFromTheBucket: with WithRateLimit they come from the
// credential's bucket.
func TestRateLimitHeadersFromTheBucket(t *testing.T) {
	t.Parallel()
	srv := seeded(t, atlastest.WithRateLimit(5, time.Minute))
	h := &hook{}
	client := srv.Client(h.option())
	for range 3 {
		_ = client.DeferMaintenanceWindow(t.Context(), notScheduled)
	}
	seen := h.list()
	require.Len(t, seen, 3)
	for i, rl := range seen {
		assert.Equal(t, atlas.RateLimit{Limit: 5, Remaining: 4 - i}, rl)
	}
}

// TestScripted429SaysNoneRemaining: a scripted 429 says RateLimit-Remaining
// 0, as Atlas's recorded 429 does (defer-errors.yaml, interaction 4), with
// the limit and Retry-After, and not the count of the credential's window.
func TestScripted429SaysNoneRemaining(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	srv.Script(scheduled, atlastest.Reply{Status: 429}, atlastest.Reply{Status: 429, ErrorCode: "RATE_LIMITED"})
	for range 2 {
		resp, _ := digestPost(t, srv, deferURL(srv, scheduled))
		require.Equal(t, 429, resp.StatusCode)
		assert.Equal(t, "0", resp.Header.Get("RateLimit-Remaining"))
		assert.Equal(t, "1200", resp.Header.Get("RateLimit-Limit"))
		assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	}
	resp, _ := digestPost(t, srv, deferURL(srv, scheduled))
	assert.Equal(t, "1197", resp.Header.Get("RateLimit-Remaining"), "the refusals were counted as requests")
}
