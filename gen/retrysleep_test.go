package atlas_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWithRetrySleepMakesRetriesInstant checks that a test can make 429
// retries instant: three answers of 429 with Retry-After: 30, then a 200,
// pass through three retries in far less than the 90 seconds they ask for
// (the call runs under a 10-second deadline, which a real wait would pass),
// and the sleep function sees each wait asked.
func TestWithRetrySleepMakesRetriesInstant(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) <= 3 {
			w.Header().Set("Retry-After", "30")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":429,"errorCode":"RATE_LIMITED"}`))
			return
		}
		w.Header().Set("Content-Length", "0")
	}))
	t.Cleanup(srv.Close)
	var waits []time.Duration
	c, err := atlas.New(atlas.WithServer(srv.URL), atlas.WithRetryOn429(3, 2*time.Minute),
		atlas.WithRetrySleep(func(ctx context.Context, d time.Duration) error {
			waits = append(waits, d)
			return ctx.Err()
		}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.DeferMaintenanceWindow(ctx, "32b6e34b3d91647abb20e7b8"))
	assert.Equal(t, int32(4), calls.Load())
	assert.Equal(t, []time.Duration{30 * time.Second, 30 * time.Second, 30 * time.Second}, waits)

	_, err = atlas.New(atlas.WithRetrySleep(nil))
	require.ErrorContains(t, err, "WithRetrySleep")
}
