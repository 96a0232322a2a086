//go:build unix

// Unix only: the benchmark reads the process's CPU time with getrusage(2),
// which Windows does not have.

package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// naiveHAR is the part of a HAR file the naive program decodes.
type naiveHAR struct {
	Log struct {
		Entries []struct {
			Request struct {
				Method  string `json:"method"`
				URL     string `json:"url"`
				Headers []struct {
					Name  string `json:"name"`
					Value string `json:"value"`
				} `json:"headers"`
			} `json:"request"`
			Response struct {
				Status  int `json:"status"`
				Headers []struct {
					Name  string `json:"name"`
					Value string `json:"value"`
				} `json:"headers"`
				Content struct {
					Text string `json:"text"`
				} `json:"content"`
			} `json:"response"`
		} `json:"entries"`
	} `json:"log"`
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOfflineVsNaive judges a generated 100,000-interaction HAR with
// Run (Offline), and with the naive kin-openapi program, in paired passes,
// and reports the CPU time of each and the median of the passes' ratios.
// Run it with -cpu 1.
func BenchmarkOfflineVsNaive(b *testing.B) {
	if testing.Short() {
		b.Skip("a 100,000-entry HAR")
	}
	const n = 100_000
	path := filepath.Join(b.TempDir(), "big.har")
	writeHAR(b, path, n)
	spec, err := DefaultSpec()
	if err != nil {
		b.Fatal(err)
	}
	router, err := legacy.NewRouter(spec.doc)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	naive := func() error {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var har naiveHAR
		if err := json.Unmarshal(data, &har); err != nil {
			return err
		}
		opts := &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true}
		for _, e := range har.Log.Entries {
			u, err := url.Parse(e.Request.URL)
			if err != nil {
				return err
			}
			req := &http.Request{Method: e.Request.Method, URL: u, Header: http.Header{}, Body: http.NoBody, Host: u.Host}
			for _, h := range e.Request.Headers {
				req.Header.Add(h.Name, h.Value)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				return err
			}
			header := http.Header{}
			for _, h := range e.Response.Headers {
				header.Add(h.Name, h.Value)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
			_ = openapi3filter.ValidateRequest(ctx, in)
			_ = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
				RequestValidationInput: in, Status: e.Response.Status, Header: header,
				Body: io.NopCloser(bytes.NewReader([]byte(e.Response.Content.Text))), Options: opts,
			})
		}
		if len(har.Log.Entries) != n {
			return fmt.Errorf("naive: %d entries", len(har.Log.Entries))
		}
		return nil
	}
	offline := func() error {
		r, err := Run(ctx, Options{Paths: []string{path}, Source: Source{Offline: true}})
		if err == nil && r.Interactions != n {
			err = fmt.Errorf("judged %d interactions", r.Interactions)
		}
		return err
	}
	var naiveCPU, offlineCPU time.Duration
	var ratios []float64
	for b.Loop() {
		var pass [2]time.Duration
		for i, fn := range []func() error{naive, offline} {
			runtime.GC() // each program pays for its own garbage, not for the other's
			start := cpuTime()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			pass[i] = cpuTime() - start
		}
		naiveCPU, offlineCPU = naiveCPU+pass[0], offlineCPU+pass[1]
		ratios = append(ratios, float64(pass[1])/float64(pass[0]))
	}
	// The median of the passes' ratios: a pass that the machine slowed
	// down counts once, whichever program it slowed.
	slices.Sort(ratios)
	b.ReportMetric(float64(naiveCPU.Milliseconds())/float64(b.N), "naive-cpu-ms/op")
	b.ReportMetric(float64(offlineCPU.Milliseconds())/float64(b.N), "offline-cpu-ms/op")
	b.ReportMetric(ratios[len(ratios)/2], "offline/naive")
}
