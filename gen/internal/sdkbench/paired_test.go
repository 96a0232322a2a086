//go:build unix

// Unix only: TestPairedCPU reads the process's CPU time with getrusage(2),
// which Windows does not have.

package sdkbench

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestPairedCPU takes turns between the calls in blocks of 20,000 over
// ROUNDS rounds (default 11), with PAIRED set, and logs each call's process
// CPU time per call, its allocations, and the median over the rounds of its
// ratio to the SDK's in the same round. Run it with -cpu 1 -v.
func TestPairedCPU(t *testing.T) {
	if os.Getenv("PAIRED") == "" {
		t.Skip("set PAIRED=1: a measurement, not a test")
	}
	rounds, block := 11, 20_000
	if v, err := strconv.Atoi(os.Getenv("ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	ctx := context.Background()
	run := func(c call, n int) {
		for range n {
			if err := c.fn(ctx); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
	}
	for _, status := range []int{http.StatusOK, http.StatusBadRequest} {
		cs := calls(t, status)
		per := make([][]float64, len(cs))
		for range rounds {
			for i, c := range cs {
				run(c, block/10) // warm up
				start := cpuTime()
				run(c, block)
				per[i] = append(per[i], float64(cpuTime()-start)/float64(block))
			}
		}
		for i, c := range cs {
			ratios := make([]float64, rounds)
			for r := range rounds {
				ratios[r] = per[i][r] / per[0][r]
			}
			allocs := testing.AllocsPerRun(200, func() { run(c, 1) })
			t.Logf("%d %-9s CPU %5.0f ns/call  %.2fx the SDK (median of paired rounds)  %2.0f allocs/call", status, c.name, median(per[i]), median(ratios), allocs)
		}
	}
}

// median returns the middle value of x (the upper one of an even count).
func median(x []float64) float64 {
	y := slices.Clone(x)
	slices.Sort(y)
	return y[len(y)/2]
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
