package atlas

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stallingBody answers 200 with a declared 10-byte body, sends one byte and
// then nothing until the test ends.
func stallingBody(t *testing.T) *fakeAtlas {
	stop := make(chan struct{})
	f := newFakeAtlas(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("{"))
		w.(http.Flusher).Flush()
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(stop) })
	return f
}

// returnsWithin fails the test when call has not returned within d; it does
// not measure speed, it catches a call that hangs.
func returnsWithin(t *testing.T, d time.Duration, call func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); call() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("the call did not return within %s", d)
	}
}

// TestDefaultTimeout checks that a call whose context has no deadline is
// bounded by the Client's timeout, and that a success body that trickles
// does not hold the one-line call, whatever the caller's deadline.
func TestDefaultTimeout(t *testing.T) {
	t.Parallel()
	assert.Equal(t, DefaultTimeout, mustNew(t).timeout)
	_, err := New(WithTimeout(-time.Second))
	require.ErrorContains(t, err, "WithTimeout")

	t.Run("typed call without a deadline", func(t *testing.T) {
		t.Parallel()
		c := newTestClient(t, stallingBody(t), WithTimeout(200*time.Millisecond))
		returnsWithin(t, 10*time.Second, func() {
			_, err := c.DeferMaintenanceWindowWithResponse(context.Background(), testGroupID, nil)
			require.ErrorIs(t, err, context.DeadlineExceeded)
		})
	})
	t.Run("one-line call with a long deadline of its own", func(t *testing.T) {
		t.Parallel()
		c := newTestClient(t, stallingBody(t))
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		returnsWithin(t, 10*time.Second, func() {
			require.NoError(t, c.DeferMaintenanceWindow(ctx, testGroupID), "the answer was a success")
		})
	})
}

// TestNilContext checks that a nil context is an error, not a panic.
func TestNilContext(t *testing.T) {
	t.Parallel()
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) })
	c := newTestClient(t, f)
	var nilCtx context.Context
	require.ErrorContains(t, c.DeferMaintenanceWindow(nilCtx, testGroupID), "context is nil")
	_, err := c.DeferMaintenanceWindowWithResponse(nilCtx, testGroupID, nil)
	require.ErrorContains(t, err, "context is nil")
	assert.Empty(t, f.requests())
}
