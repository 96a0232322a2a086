package atlas

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeSleep records the waits asked for and returns at once.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *fakeSleep) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// answers429 answers 429 (with retryAfter when not empty) the first n times, then 200.
func answers429(t *testing.T, n int, retryAfter string) *fakeAtlas {
	var mu sync.Mutex
	count := 0
	return newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		count++
		c := count
		mu.Unlock()
		if c > n {
			atlasOK(w)
			return
		}
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeJSON(w, 429, `{"error":429,"errorCode":"RATE_LIMITED","reason":"Too Many Requests"}`)
	})
}

// TestRetryOn429 checks which answers are retried, how long the client waits
// and when it stops.
func TestRetryOn429(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		fake         func(t *testing.T) *fakeAtlas
		opts         []Option
		wantRequests int
		wantWaits    []time.Duration
		wantStatus   int // 0: success
	}{
		{name: "retried, honouring Retry-After", fake: func(t *testing.T) *fakeAtlas { return answers429(t, 2, "3") },
			opts: []Option{WithRetryOn429(3, time.Minute)}, wantRequests: 3, wantWaits: []time.Duration{3 * time.Second, 3 * time.Second}},
		{name: "Retry-After as an HTTP date", fake: func(t *testing.T) *fakeAtlas {
			return answers429(t, 1, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		}, opts: []Option{WithRetryOn429(3, 2*time.Hour)}, wantRequests: 2},
		{name: "without Retry-After: 1s, then 2s", fake: func(t *testing.T) *fakeAtlas { return answers429(t, 2, "") },
			opts: []Option{WithRetryOn429(3, time.Minute)}, wantRequests: 3, wantWaits: []time.Duration{time.Second, 2 * time.Second}},
		{name: "Retry-After 0 still waits a second", fake: func(t *testing.T) *fakeAtlas { return answers429(t, 1, "0") },
			opts: []Option{WithRetryOn429(1, time.Second)}, wantRequests: 2, wantWaits: []time.Duration{time.Second}},
		{name: "Retry-After 0 within no budget is no retry", fake: func(t *testing.T) *fakeAtlas { return answers429(t, 1, "0") },
			opts: []Option{WithRetryOn429(1, 0)}, wantRequests: 1, wantStatus: 429},
		{name: "up to the bound", fake: func(t *testing.T) *fakeAtlas { return answers429(t, 10, "1") },
			opts: []Option{WithRetryOn429(2, time.Minute)}, wantRequests: 3, wantWaits: []time.Duration{time.Second, time.Second}, wantStatus: 429},
		{name: "stops when the next wait passes the budget", fake: func(t *testing.T) *fakeAtlas { return answers429(t, 10, "10") },
			opts: []Option{WithRetryOn429(5, 15*time.Second)}, wantRequests: 2, wantWaits: []time.Duration{10 * time.Second}, wantStatus: 429},
		{name: "disabled by default", fake: func(t *testing.T) *fakeAtlas { return answers429(t, 1, "1") },
			wantRequests: 1, wantStatus: 429},
		{name: "500 is never retried", fake: func(t *testing.T) *fakeAtlas {
			return newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "1")
				writeJSON(w, 500, `{"error":500,"errorCode":"UNEXPECTED_ERROR"}`)
			})
		}, opts: []Option{WithRetryOn429(3, time.Minute)}, wantRequests: 1, wantStatus: 500},
		{name: "enveloped 429 in a 200 is retried", fake: func(t *testing.T) *fakeAtlas {
			var mu sync.Mutex
			n := 0
			return newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
				mu.Lock()
				n++
				first := n == 1
				mu.Unlock()
				w.Header().Set("Retry-After", "2")
				if first {
					writeJSON(w, 200, `{"status":429,"content":{"error":429,"errorCode":"RATE_LIMITED"}}`)
					return
				}
				writeJSON(w, 200, `{"status":200,"content":{}}`)
			})
		}, opts: []Option{WithRetryOn429(3, time.Minute), WithEnvelope(true)}, wantRequests: 2, wantWaits: []time.Duration{2 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.fake(t)
			c := newTestClient(t, f, tc.opts...)
			s := &fakeSleep{}
			c.sleep = s.sleep

			err := c.DeferMaintenanceWindow(t.Context(), testGroupID)

			assert.Len(t, f.requests(), tc.wantRequests)
			if tc.wantWaits != nil {
				assert.Equal(t, tc.wantWaits, s.got())
			} else if tc.wantRequests == 1 {
				assert.Empty(t, s.got())
			}
			if tc.wantStatus == 0 {
				require.NoError(t, err)
				return
			}
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.wantStatus, e.StatusCode)
		})
	}
}

// TestRetryNotOnNetworkError checks that a broken connection is not retried.
func TestRetryNotOnNetworkError(t *testing.T) {
	t.Parallel()
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if assert.NoError(t, err) {
			_ = conn.Close()
		}
	})
	c := newTestClient(t, f, WithRetryOn429(3, time.Minute))
	s := &fakeSleep{}
	c.sleep = s.sleep
	err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
	require.Error(t, err)
	var e *Error
	assert.False(t, errors.As(err, &e))
	assert.Len(t, f.requests(), 1)
	assert.Empty(t, s.got())
}

// TestRetryWaitRespectsContext checks that cancelling during a long
// Retry-After wait returns at once, with both the cause and the 429.
func TestRetryWaitRespectsContext(t *testing.T) {
	t.Parallel()
	f := answers429(t, 10, strconv.Itoa(3600))
	c := newTestClient(t, f, WithRetryOn429(3, 2*time.Hour))
	waiting := make(chan time.Duration, 1)
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waiting <- d
		return sleepContext(ctx, d) // the real wait
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.DeferMaintenanceWindow(ctx, testGroupID) }()
	assert.Equal(t, time.Hour, <-waiting)
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, 429, e.StatusCode)
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not return after its context was cancelled")
	}
	assert.Len(t, f.requests(), 1)
}

// TestSleepContext checks the real sleep both ways.
func TestSleepContext(t *testing.T) {
	t.Parallel()
	require.NoError(t, sleepContext(t.Context(), time.Nanosecond))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, sleepContext(ctx, time.Hour), context.Canceled)
}
