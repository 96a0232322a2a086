// Package sdkbench measures package atlas's client beside MongoDB's Go SDK
// on the same calls (issue 15: CPU and allocations per call at most the
// SDK's, for the one-line call and for DeferMaintenanceWindowWithResponse).
// Run it with `make bench-sdk SDK=<a checkout of github.com/mongodb/atlas-sdk-go>`.
package sdkbench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"go.mongodb.org/atlas-sdk/v20250312023/admin"

	atlas "github.com/atlascontract/deferwindow/gen"
)

const (
	group   = "32b6e34b3d91647abb20e7b8"
	server  = "https://cloud.mongodb.com"
	body400 = `{"detail":"No maintenance is scheduled for this project.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","parameters":[],"reason":"Bad Request"}`
)

// atlasHeader is what a real Atlas answer carries besides its media type
// (the 200 of updateMaintenanceWindow in shared/upstream/wire, as Atlas
// sent it): the rate limit, which the typed call reads, and the rest.
var atlasHeader = http.Header{
	"Date":                              {"Mon, 10 Aug 2026 03:07:35 GMT"},
	"Ratelimit-Limit":                   {"1200"},
	"Ratelimit-Remaining":               {"1199"},
	"Referrer-Policy":                   {"strict-origin-when-cross-origin"},
	"Server":                            {"mdbws"},
	"Strict-Transport-Security":         {"max-age=31536000; includeSubdomains;"},
	"X-Content-Type-Options":            {"nosniff"},
	"X-Envoy-Upstream-Service-Time":     {"259"},
	"X-Frame-Options":                   {"DENY"},
	"X-Java-Method":                     {"ApiAtlasGroupMaintenanceWindowResource::deferGroupMaintenanceWindow"},
	"X-Java-Version":                    {"17.0.19+10-LTS"},
	"X-Mongodb-Service-Version":         {"gitHash=203ac0360368239eed8f27b82e06b1be8429648c; versionString=master"},
	"X-Permitted-Cross-Domain-Policies": {"none"},
}

// memory answers as Atlas does, without a socket, each response as
// net/http's transport gives it (its own header map; http.NoBody for an
// empty body): the empty 200 with X-Content-Type, or a 400 ApiError.
type memory struct{ status int }

func (m memory) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	h := atlasHeader.Clone()
	var b []byte
	if m.status == http.StatusOK {
		h["X-Content-Type"] = []string{"application/vnd.atlas.2023-01-01+json"}
	} else {
		h["Content-Type"] = []string{"application/json"}
		b = []byte(body400)
	}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	var body io.ReadCloser = http.NoBody
	if len(b) > 0 {
		body = io.NopCloser(bytes.NewReader(b))
	}
	return &http.Response{StatusCode: m.status, Header: h, Body: body, ContentLength: int64(len(b)),
		Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// call is one way of making the call; it returns an error when the outcome
// is not the status's.
type call struct {
	name string
	fn   func(ctx context.Context) error
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
	outcome := func(err error) error {
		if (status == http.StatusOK) != (err == nil) {
			return fmt.Errorf("status %d: got %v", status, err)
		}
		return nil
	}
	return []call{
		{"sdk", func(ctx context.Context) error {
			resp, err := sdk.MaintenanceWindowsAPI.DeferMaintenanceWindow(ctx, group).Execute()
			if resp != nil {
				_ = resp.Body.Close()
			}
			return outcome(err)
		}},
		{"one-line", func(ctx context.Context) error { return outcome(ours.DeferMaintenanceWindow(ctx, group)) }},
		{"typed", func(ctx context.Context) error {
			rsp, err := ours.DeferMaintenanceWindowWithResponse(ctx, group, nil)
			if err != nil {
				return err
			}
			if status == http.StatusOK && (rsp.Headers200 == nil || rsp.Headers200.RateLimitRemaining == nil) {
				return fmt.Errorf("the typed 200 lacks its rate limit headers")
			}
			return outcome(atlas.CheckResponse(rsp))
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
					if err := c.fn(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
