//go:build unix

// Package sdkbench measures package atlas's client beside MongoDB's Go SDK
// on the same calls (issue 15: CPU and allocations per call at most the
// SDK's, for the one-line call and for DeferMaintenanceWindowWithResponse).
// Unix only: TestPairedCPU reads the process's CPU time with getrusage(2).
// Run it with `make bench-sdk SDK=<a checkout of github.com/mongodb/atlas-sdk-go>`.
package sdkbench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/atlas-sdk/v20250312023/admin"

	atlas "github.com/atlascontract/deferwindow/gen"
)

const (
	group   = "32b6e34b3d91647abb20e7b8"
	server  = "https://cloud.mongodb.com"
	body400 = `{"detail":"No maintenance is scheduled for this project.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","parameters":[],"reason":"Bad Request"}`
)

// memory answers as Atlas does, without a socket: the empty 200 with
// X-Content-Type, or a 400 ApiError.
type memory struct{ status int }

func (m memory) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	h := http.Header{}
	var b []byte
	if m.status == http.StatusOK {
		h.Set("X-Content-Type", "application/vnd.atlas.2023-01-01+json")
	} else {
		h.Set("Content-Type", "application/json")
		b = []byte(body400)
	}
	return &http.Response{StatusCode: m.status, Header: h, Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)),
		Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// call is one way of making the call; it fails the test when the outcome
// is not the status's.
type call struct {
	name string
	fn   func(ctx context.Context)
}

// calls are the SDK's call (first: the baseline) and ours, each through
// the same in-memory transport answering status.
func calls(tb testing.TB, status int) []call {
	tb.Helper()
	sdk, err := admin.NewClient(admin.UseBaseURL(server), admin.UseHTTPClient(&http.Client{Transport: memory{status}}))
	if err != nil {
		tb.Fatal(err)
	}
	ours, err := atlas.New(atlas.WithServer(server), atlas.WithTransport(memory{status}))
	if err != nil {
		tb.Fatal(err)
	}
	outcome := func(err error) {
		if (status == http.StatusOK) != (err == nil) {
			tb.Fatalf("status %d: %v", status, err)
		}
	}
	return []call{
		{"sdk", func(ctx context.Context) {
			resp, err := sdk.MaintenanceWindowsAPI.DeferMaintenanceWindow(ctx, group).Execute()
			if resp != nil {
				_ = resp.Body.Close()
			}
			outcome(err)
		}},
		{"one-line", func(ctx context.Context) { outcome(ours.DeferMaintenanceWindow(ctx, group)) }},
		{"typed", func(ctx context.Context) {
			rsp, err := ours.DeferMaintenanceWindowWithResponse(ctx, group, nil)
			if err != nil {
				tb.Fatal(err)
			}
			outcome(atlas.CheckResponse(rsp))
		}},
	}
}

// Benchmark reports each call's time and allocations per op.
func Benchmark(b *testing.B) {
	for _, status := range []int{http.StatusOK, http.StatusBadRequest} {
		for _, c := range calls(b, status) {
			b.Run(strconv.Itoa(status)+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				for b.Loop() {
					c.fn(ctx)
				}
			})
		}
	}
}

// TestPairedCPU takes turns between the calls in blocks of 20,000 over
// ROUNDS rounds (default 11), with PAIRED set, and prints each call's
// process CPU time per call, its allocations, and the median over the
// rounds of its ratio to the SDK's in the same round. Run it with -cpu 1.
func TestPairedCPU(t *testing.T) {
	if os.Getenv("PAIRED") == "" {
		t.Skip("set PAIRED=1: a measurement, not a test")
	}
	rounds, block := 11, 20_000
	if v, err := strconv.Atoi(os.Getenv("ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	ctx := context.Background()
	for _, status := range []int{http.StatusOK, http.StatusBadRequest} {
		cs := calls(t, status)
		per := make([][]float64, len(cs))
		for range rounds {
			for i, c := range cs {
				for range block / 10 { // warm up
					c.fn(ctx)
				}
				start := cpuTime()
				for range block {
					c.fn(ctx)
				}
				per[i] = append(per[i], float64(cpuTime()-start)/float64(block))
			}
		}
		for i, c := range cs {
			ratios := make([]float64, rounds)
			for r := range rounds {
				ratios[r] = per[i][r] / per[0][r]
			}
			allocs := testing.AllocsPerRun(200, func() { c.fn(ctx) })
			t.Logf("%d %-9s CPU %5.0f ns/call  %.2fx the SDK (median of paired rounds)  %2.0f allocs/call", status, c.name, median(per[i]), median(ratios), allocs)
		}
	}
}

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
