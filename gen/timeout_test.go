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

// TestSharedDefaultDeadline checks the default deadline of calls under
// context.Background() or TODO(), which share one: every call, the typed
// one and Do included, gets a deadline no later than the timeout from its
// start and at most timeout/deadlineShareFraction earlier; calls that start
// close together get the same one; a call later gets a new one. A context
// that carries a value gets a deadline of its own, with the value kept.
func TestSharedDefaultDeadline(t *testing.T) {
	t.Parallel()
	type key struct{}
	type seen struct {
		deadline time.Time
		value    any
	}
	var got []seen
	client := func(timeout time.Duration) *Client {
		return mustNew(t, WithServer("http://atlas.invalid"), WithTimeout(timeout),
			WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
				d, ok := r.Context().Deadline()
				require.True(t, ok, "the request has a deadline")
				got = append(got, seen{d, r.Context().Value(key{})})
				return emptyOK(r), nil
			})))
	}
	within := func(timeout time.Duration, start time.Time, d time.Time) {
		t.Helper()
		assert.WithinRange(t, d, start.Add(timeout-timeout/deadlineShareFraction), time.Now().Add(timeout))
	}

	c := client(time.Hour)
	start := time.Now()
	require.NoError(t, c.DeferMaintenanceWindow(context.Background(), testGroupID))
	_, err := c.DeferMaintenanceWindowWithResponse(context.TODO(), testGroupID, nil)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://atlas.invalid"+opPath(testGroupID), nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Len(t, got, 3)
	for _, s := range got {
		within(time.Hour, start, s.deadline)
		assert.Equal(t, got[0].deadline, s.deadline, "calls that start together share the deadline")
	}

	valued := context.WithValue(context.Background(), key{}, "kept")
	start = time.Now()
	require.NoError(t, c.DeferMaintenanceWindow(valued, testGroupID))
	require.Len(t, got, 4)
	assert.Equal(t, "kept", got[3].value)
	assert.WithinRange(t, got[3].deadline, start.Add(time.Hour), time.Now().Add(time.Hour), "a deadline of its own")

	// 64 ms: calls more than 1 ms apart get deadlines of their own.
	c = client(64 * time.Millisecond)
	got = nil
	for range 2 {
		start = time.Now()
		require.NoError(t, c.DeferMaintenanceWindow(context.Background(), testGroupID))
		within(64*time.Millisecond, start, got[len(got)-1].deadline)
		time.Sleep(5 * time.Millisecond)
	}
	assert.NotEqual(t, got[0].deadline, got[1].deadline)
}

// uncomparableCtx is a context of a type Go cannot compare, as a caller's
// may be.
type uncomparableCtx struct {
	context.Context
	tags []string
}

// TestDoTakesAContextGoCannotCompare: Do decides whether to bound a request
// without comparing contexts, which would panic on such a one.
func TestDoTakesAContextGoCannotCompare(t *testing.T) {
	t.Parallel()
	for _, timeout := range []time.Duration{0, time.Minute} {
		deadlined, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		for _, ctx := range []context.Context{uncomparableCtx{deadlined, nil}, uncomparableCtx{context.Background(), nil}} {
			c := mustNew(t, WithServer("http://atlas.invalid"), WithTimeout(timeout),
				WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) { return emptyOK(r), nil })))
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://atlas.invalid"+opPath(testGroupID), nil)
			require.NoError(t, err)
			resp, err := c.Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
		}
	}
}

// TestClientsShareTheirDefaultDeadline: Clients of one timeout share their
// default deadlines, so a program that makes a Client per call keeps at most
// deadlineShareFraction of them per timeout; past maxDeadlineShares
// timeouts, a Client has its own.
func TestClientsShareTheirDefaultDeadline(t *testing.T) {
	t.Parallel()
	a := mustNew(t, WithServer("http://atlas.invalid"), WithTimeout(17*time.Minute))
	b := mustNew(t, WithServer("http://atlas.invalid"), WithTimeout(17*time.Minute))
	c := mustNew(t, WithServer("http://atlas.invalid"), WithTimeout(18*time.Minute))
	assert.Same(t, a.deadlines, b.deadlines)
	assert.NotSame(t, a.deadlines, c.deadlines)
	assert.Nil(t, mustNew(t, WithServer("http://atlas.invalid"), WithTimeout(0)).deadlines)

	for i := range maxDeadlineShares {
		deadlineShareFor(time.Hour + time.Duration(i)*time.Nanosecond)
	}
	d := deadlineShareFor(2 * time.Hour)
	assert.NotSame(t, d, deadlineShareFor(2*time.Hour), "past the bound, each gets its own")
	deadlineSharesMu.Lock()
	assert.LessOrEqual(t, len(deadlineShares), maxDeadlineShares)
	deadlineSharesMu.Unlock()
}
