package contract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/hartest"
	"github.com/atlascontract/deferwindow/openapi"
)

// shippedInteraction returns interaction index of a shipped recording.
func shippedInteraction(tb testing.TB, file string, index int) *recording.Interaction {
	tb.Helper()
	var got *recording.Interaction
	err := recording.ReadFile(filepath.Join("recordings", file), recording.Options{}, func(in *recording.Interaction) error {
		if in.Index == index {
			got = in
		}
		return nil
	})
	if err != nil || got == nil {
		tb.Fatalf("recordings/%s#%d: %v", file, index, err)
	}
	return got
}

// BenchmarkCheck judges one interaction, against the floor of calling
// kin-openapi directly on it: route, ValidateRequest and ValidateResponse.
func BenchmarkCheck(b *testing.B) {
	spec, err := DefaultSpec()
	if err != nil {
		b.Fatal(err)
	}
	router, err := legacy.NewRouter(spec.doc)
	if err != nil {
		b.Fatal(err)
	}
	checker := NewChecker(spec, "")
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		file  string
		index int
	}{
		{"200", "defer-deferral-limit.yaml", 0},
		{"400", "defer-errors.yaml", 0},
		{"429-envelope", "defer-envelope.yaml", 5},
	} {
		in := shippedInteraction(b, tc.file, tc.index)
		// The floor judges what the response means: for an enveloped one,
		// the envelope's status and content, unwrapped before the loop.
		status, header, body := in.Response.StatusCode, in.Response.Header, in.Response.Body
		if in.Request.URL.Query().Get("envelope") == "true" {
			env, err := atlas.ParseEnvelope(body)
			if err != nil {
				b.Fatal(err)
			}
			status, body = env.Status, env.Content
			header = header.Clone()
			header.Set("Content-Type", "application/json")
		}
		b.Run(tc.name+"/floor", func(b *testing.B) {
			opts := &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true}
			for b.Loop() {
				req := &http.Request{Method: in.Request.Method, URL: in.Request.URL, Header: in.Request.Header, Body: http.NoBody, Host: in.Request.URL.Host}
				route, params, err := router.FindRoute(req)
				if err != nil {
					b.Fatal(err)
				}
				reqIn := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
				_ = openapi3filter.ValidateRequest(ctx, reqIn)
				_ = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
					RequestValidationInput: reqIn, Status: status, Header: header,
					Body: io.NopCloser(bytes.NewReader(body)), Options: opts,
				})
			}
		})
		b.Run(tc.name+"/check", func(b *testing.B) {
			// As in a run: the checker has judged this request before, so it
			// recalls kin-openapi's verdict on it.
			for b.Loop() {
				if j := checker.Check(ctx, in); j.Operation == nil {
					b.Fatal("not routed")
				}
			}
		})
		b.Run(tc.name+"/check-cold", func(b *testing.B) {
			// A fresh checker each time: the request is validated anew.
			for b.Loop() {
				if j := NewChecker(spec, "").Check(ctx, in); j.Operation == nil {
					b.Fatal("not routed")
				}
			}
		})
	}
}

// BenchmarkSetup is the one-time setup: loading the fragment and compiling
// its routes, against kin-openapi's own load and router.
func BenchmarkSetup(b *testing.B) {
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			doc, err := openapi3.NewLoader().LoadFromData(openapi.Fragment)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := legacy.NewRouter(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("spec", func(b *testing.B) {
		for b.Loop() {
			if _, err := LoadSpec(openapi.Fragment, "fragment"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// writeHAR writes a HAR of n defer interactions, cycling through a 200, a
// 400 ApiError and an enveloped 429.
func writeHAR(tb testing.TB, path string, n int) {
	tb.Helper()
	if err := hartest.WriteFile(path, n); err != nil {
		tb.Fatal(err)
	}
}

// heapPeak samples the live heap until stop is closed and returns the peak.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// BenchmarkOfflineHAR judges a generated 100,000-interaction HAR offline,
// against the floor of only reading it. Run with -cpu 1 for the one-core
// figure; peak-heap-MB shows memory stays flat (the file is far larger).
func BenchmarkOfflineHAR(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.har")
	writeHAR(b, path, 100_000)
	fi, _ := os.Stat(path)
	b.Logf("HAR: %.1f MB", float64(fi.Size())/1e6)
	measure := func(b *testing.B, fn func() error) {
		runtime.GC()
		stop := make(chan struct{})
		peak := heapPeak(stop)
		for b.Loop() {
			if err := fn(); err != nil {
				b.Fatal(err)
			}
		}
		close(stop)
		b.ReportMetric(float64(<-peak)/1e6, "peak-heap-MB")
	}
	b.Run("entries=100000/floor", func(b *testing.B) {
		measure(b, func() error {
			var n atomic.Int64
			return recording.ReadFile(path, recording.Options{}, func(*recording.Interaction) error { n.Add(1); return nil })
		})
	})
	b.Run("entries=100000/offline", func(b *testing.B) {
		measure(b, func() error { return judgeHAR(path, 100_000, true) })
	})
}

// judgeHAR runs the defer scope on a HAR of n conforming interactions that
// writeHAR wrote, offline or replayed, and fails unless it judged all n
// and found no error.
func judgeHAR(path string, n int, offline bool) error {
	r, err := Run(context.Background(), Options{Paths: []string{path}, Source: Source{Offline: offline}})
	switch {
	case err != nil:
		return err
	case r.Interactions != n || r.Summary().Errors != 0:
		return fmt.Errorf("judged %d interactions, %d errors: %v", r.Interactions, r.Summary().Errors, r.Findings[:min(3, len(r.Findings))])
	}
	return nil
}

// BenchmarkReplayHAR replays a generated 10,000-interaction HAR through the
// generated client, in memory, against the baseline of judging it offline,
// with the peak heap. BenchmarkReplayVsOffline holds replay to its CPU
// budget (at most twice offline's), in paired passes.
func BenchmarkReplayHAR(b *testing.B) {
	const n = 10_000
	path := filepath.Join(b.TempDir(), "big.har")
	writeHAR(b, path, n)
	for _, mode := range []struct {
		name    string
		offline bool
	}{{"baseline", true}, {"replay", false}} {
		b.Run(fmt.Sprintf("entries=%d/%s", n, mode.name), func(b *testing.B) {
			runtime.GC()
			stop := make(chan struct{})
			peak := heapPeak(stop)
			for b.Loop() {
				if err := judgeHAR(path, n, mode.offline); err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			b.ReportMetric(float64(<-peak)/1e6, "peak-heap-MB")
		})
	}
}

// BenchmarkCheckLargestAtlasBodies judges, one at a time, the three largest
// real Atlas answers of testdata/atlascli (lists of alerts and alert
// configurations of 50-70 KB) against the whole published spec. The budget
// (issue 18): no single one over 5 ms.
func BenchmarkCheckLargestAtlasBodies(b *testing.B) {
	spec := mustAtlasSpec(b)
	ins, err := recording.ReadAll([]string{"testdata/atlascli"}, recording.Options{})
	if err != nil {
		b.Fatal(err)
	}
	slices.SortStableFunc(ins, func(x, y *recording.Interaction) int { return len(y.Response.Body) - len(x.Response.Body) })
	checker := NewChecker(spec, "")
	ctx := context.Background()
	for _, in := range ins[:3] {
		j := checker.Check(ctx, in)
		if j.Operation == nil {
			b.Fatalf("%s: routes to no operation", in.Location())
		}
		b.Run(fmt.Sprintf("bytes=%d/op=%s", len(in.Response.Body), j.Operation.ID()), func(b *testing.B) {
			for b.Loop() {
				checker.Check(ctx, in)
			}
		})
	}
}
