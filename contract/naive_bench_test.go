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

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/internal/hartest"
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

// naiveJudge is the naive kin-openapi program: it decodes the whole HAR,
// routes each entry with kin-openapi's router and validates its request
// and response with openapi3filter. It returns the number of entries it
// routed and judged; an entry the router does not find is passed over.
func naiveJudge(ctx context.Context, router routers.Router, path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var har naiveHAR
	if err := json.Unmarshal(data, &har); err != nil {
		return 0, err
	}
	judged := 0
	opts := &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true}
	for _, e := range har.Log.Entries {
		u, err := url.Parse(e.Request.URL)
		if err != nil {
			return 0, err
		}
		req := &http.Request{Method: e.Request.Method, URL: u, Header: http.Header{}, Body: http.NoBody, Host: u.Host}
		for _, h := range e.Request.Headers {
			req.Header.Add(h.Name, h.Value)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			continue
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
		judged++
	}
	return judged, nil
}

// pairedCPU runs the two programs in b.Loop's passes, each after a
// collection so that it pays for its own garbage, and reports the CPU time
// of each per op and per unit of work, and the median of the passes'
// ratios (a pass the machine slowed counts once, whichever it slowed).
func pairedCPU(b *testing.B, units int, unit string, names [2]string, fns [2]func() error) {
	var total [2]time.Duration
	var ratios []float64
	for b.Loop() {
		var pass [2]time.Duration
		for i, fn := range fns {
			runtime.GC()
			start := cpuTime()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			pass[i] = cpuTime() - start
			total[i] += pass[i]
		}
		ratios = append(ratios, float64(pass[1])/float64(pass[0]))
	}
	slices.Sort(ratios)
	for i, name := range names {
		perOp := total[i] / time.Duration(b.N)
		b.ReportMetric(float64(perOp.Microseconds())/1000, name+"-cpu-ms/op")
		b.ReportMetric(float64(perOp.Nanoseconds())/1000/float64(units), name+"-cpu-µs/"+unit)
	}
	b.ReportMetric(ratios[len(ratios)/2], names[1]+"/"+names[0])
}

// BenchmarkAtlasVsNaive judges the Atlas CLI's real answers
// (testdata/atlascli: 285 interactions of 213 operations, ten times over in
// one HAR) against MongoDB's whole published spec, with Run (offline, every
// operation) and with the naive kin-openapi program on the same document,
// in paired passes. The budget (issue 18): at most 100 µs of CPU per
// interaction on this mix. Run it with -cpu 1.
func BenchmarkAtlasVsNaive(b *testing.B) {
	spec := mustAtlasSpec(b)
	ins, err := recording.ReadAll([]string{"testdata/atlascli"}, recording.Options{})
	if err != nil {
		b.Fatal(err)
	}
	n := 10 * len(ins)
	path := filepath.Join(b.TempDir(), "atlas.har")
	if err := hartest.WriteFrom(path, ins, n); err != nil {
		b.Fatal(err)
	}
	router, err := legacy.NewRouter(spec.doc, openapi3.DisableExamplesValidation()) // one upstream example breaks its schema
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	pairedCPU(b, n, "interaction", [2]string{"naive", "contractcheck"}, [2]func() error{
		func() error { _, err := naiveJudge(ctx, router, path); return err },
		func() error {
			r, err := Run(ctx, Options{Spec: spec, Paths: []string{path}, Source: Source{Offline: true}, Scope: Scope{Mode: ScopeAll}})
			if err == nil && r.Interactions != n {
				err = fmt.Errorf("judged %d interactions", r.Interactions)
			}
			return err
		},
	})
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
		judged, err := naiveJudge(ctx, router, path)
		if err == nil && judged != n {
			err = fmt.Errorf("naive: %d entries", judged)
		}
		return err
	}
	offline := func() error { return judgeHAR(path, n, true) }
	pairedCPU(b, n, "interaction", [2]string{"naive", "offline"}, [2]func() error{naive, offline})
}

// BenchmarkReplayVsOffline judges a generated 10,000-interaction HAR
// replayed through the generated client, in memory, and offline, in paired
// passes, and reports the CPU time of each and the median of the passes'
// ratios. The budget (issue 15): replay at most twice offline's CPU. Run it
// with -cpu 1.
func BenchmarkReplayVsOffline(b *testing.B) {
	const n = 10_000
	path := filepath.Join(b.TempDir(), "big.har")
	writeHAR(b, path, n)
	run := func(offline bool) func() error { return func() error { return judgeHAR(path, n, offline) } }
	pairedCPU(b, n, "interaction", [2]string{"offline", "replay"}, [2]func() error{run(true), run(false)})
}
