package atlastest_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// TestFakeUnderLoad sends 200 concurrent clients, in both auth modes, at
// the fake for three seconds: every answer is Atlas's, none breaks the
// fragment (NewServer would fail the test), and the state stays exact.
func TestFakeUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the load test runs for three seconds")
	}
	srv := newServer(t)
	clients := []*atlas.Client{srv.Client(), srv.APIKeyClient()}
	var ok, exceeded, other atomic.Int64
	deadline := time.Now().Add(3 * time.Second)
	var wg sync.WaitGroup
	for i := range 200 {
		client := clients[i%2]
		wg.Go(func() {
			for time.Now().Before(deadline) {
				err := client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID)
				switch {
				case err == nil:
					ok.Add(1)
				case atlas.HasErrorCode(err, "ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED"):
					exceeded.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(2), ok.Load())
	assert.Zero(t, other.Load())
	t.Logf("%d calls in 3 s", ok.Load()+exceeded.Load())
}
