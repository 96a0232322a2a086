package atlas_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	atlas "github.com/atlascontract/deferwindow/gen"
)

const (
	benchGroupID = "32b6e34b3d91647abb20e7b8"
	benchBody400 = `{"detail":"No maintenance is scheduled for this project.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","parameters":[],"reason":"Bad Request"}`
)

// The client's cost per call, in absolute figures: there is no floor to
// divide by. Its budget (issue 15) is MongoDB's Atlas Go SDK, measured over
// the same in-memory transport in the same run: the SDK is no dependency of
// this module, so that comparison runs outside it.

// benchAtlas answers like Atlas: an empty 200 with X-Content-Type, or a 400 ApiError.
func benchAtlas(status int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if status == http.StatusOK {
			w.Header().Set("X-Content-Type", atlas.MediaType)
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(benchBody400)))
		w.WriteHeader(status)
		_, _ = w.Write([]byte(benchBody400))
	}))
}

// BenchmarkDeferMaintenanceWindow measures both calls against a loopback
// server, through net/http's transport: the one-line call, and the typed
// call followed by CheckResponse.
func BenchmarkDeferMaintenanceWindow(b *testing.B) {
	for _, status := range []int{200, 400} {
		b.Run(strconv.Itoa(status), func(b *testing.B) {
			srv := benchAtlas(status)
			defer srv.Close()
			transport := http.DefaultTransport.(*http.Transport).Clone()
			defer transport.CloseIdleConnections()
			c, err := atlas.New(atlas.WithServer(srv.URL), atlas.WithTransport(transport))
			if err != nil {
				b.Fatal(err)
			}
			b.Run("one-line", func(b *testing.B) { benchOneLine(b, c, context.Background(), status) })
			b.Run("typed", func(b *testing.B) { benchTyped(b, c, context.Background(), status) })
		})
	}
}

// memoryTransport answers from memory, so the allocations counted are the
// client's own (and one response per call).
type memoryTransport struct {
	status int
	header http.Header
	body   []byte
}

func (m *memoryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp := &http.Response{StatusCode: m.status, Header: m.header, Request: req, ContentLength: int64(len(m.body))}
	if len(m.body) == 0 {
		resp.Body = http.NoBody
	} else {
		resp.Body = io.NopCloser(bytes.NewReader(m.body))
	}
	return resp, nil
}

// BenchmarkDeferNoSocket measures both calls over an in-memory transport
// that answers as Atlas does: the real empty 200 (no body, no Content-Type,
// X-Content-Type) and a 400 ApiError. Under a context without a deadline
// each call sets up the Client's default one (DefaultTimeout);
// caller-deadline is the same call under a context that has its own.
func BenchmarkDeferNoSocket(b *testing.B) {
	answers := map[int]*memoryTransport{
		200: {status: 200, header: http.Header{"X-Content-Type": {atlas.MediaType}, "Content-Length": {"0"}}},
		400: {status: 400, header: http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(benchBody400))}}, body: []byte(benchBody400)},
	}
	deadline, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for _, status := range []int{200, 400} {
		b.Run(strconv.Itoa(status), func(b *testing.B) {
			c, err := atlas.New(atlas.WithTransport(answers[status]))
			if err != nil {
				b.Fatal(err)
			}
			b.Run("one-line", func(b *testing.B) { benchOneLine(b, c, context.Background(), status) })
			b.Run("typed", func(b *testing.B) { benchTyped(b, c, context.Background(), status) })
			b.Run("one-line-caller-deadline", func(b *testing.B) { benchOneLine(b, c, deadline, status) })
			b.Run("typed-caller-deadline", func(b *testing.B) { benchTyped(b, c, deadline, status) })
		})
	}
}

// benchOneLine measures DeferMaintenanceWindow, each call answered with status.
func benchOneLine(b *testing.B, c *atlas.Client, ctx context.Context, status int) {
	b.ReportAllocs()
	for b.Loop() {
		if err := c.DeferMaintenanceWindow(ctx, benchGroupID); (status == http.StatusOK) != (err == nil) {
			b.Fatal(err)
		}
	}
}

// benchTyped measures DeferMaintenanceWindowWithResponse and CheckResponse,
// which a caller needs for the error the one-line call returns.
func benchTyped(b *testing.B, c *atlas.Client, ctx context.Context, status int) {
	b.ReportAllocs()
	for b.Loop() {
		rsp, err := c.DeferMaintenanceWindowWithResponse(ctx, benchGroupID, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := atlas.CheckResponse(rsp); (status == http.StatusOK) != (err == nil) {
			b.Fatal(err)
		}
	}
}
