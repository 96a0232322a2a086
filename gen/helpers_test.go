package atlas

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	testGroupID = "32b6e34b3d91647abb20e7b8"
	// testBasePath is where the fake Atlas is mounted: a client that drops
	// the base URL's path reaches nothing.
	testBasePath = "/mock"
	testOpPath   = testBasePath + "/api/atlas/v2/groups/" + testGroupID + "/maintenanceWindow/defer"
	testTokenURL = testBasePath + TokenPath
)

// received is what the fake Atlas saw of one request.
type received struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
}

// fakeAtlas is a loopback server that only answers below testBasePath and
// records every request it gets there.
type fakeAtlas struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []received
	outside int
}

func newFakeAtlas(t *testing.T, handler http.HandlerFunc) *fakeAtlas {
	t.Helper()
	f := &fakeAtlas{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if !strings.HasPrefix(r.URL.Path, testBasePath+"/") {
			f.outside++
			f.mu.Unlock()
			http.Error(w, "outside the base path", http.StatusTeapot)
			return
		}
		f.reqs = append(f.reqs, received{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone()})
		f.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(func() {
		f.srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.outside > 0 {
			t.Errorf("the fake Atlas got %d requests outside %s", f.outside, testBasePath)
		}
	})
	return f
}

// URL is the base URL to give WithServer.
func (f *fakeAtlas) URL() string { return f.srv.URL + testBasePath }

func (f *fakeAtlas) requests() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.reqs...)
}

// apiRequests are the requests for the operation, not the token endpoint.
func (f *fakeAtlas) apiRequests() []received {
	var out []received
	for _, r := range f.requests() {
		if r.Path != testTokenURL {
			out = append(out, r)
		}
	}
	return out
}

// atlasOK answers like Atlas does on success: an empty 200 with
// Content-Length: 0, no Content-Type, and X-Content-Type instead.
func atlasOK(w http.ResponseWriter) {
	w.Header().Set("X-Content-Type", MediaType)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// writeJSON answers status with the JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// newTestClient builds a Client for the fake, failing the test on error.
func newTestClient(t *testing.T, f *fakeAtlas, opts ...Option) *Client {
	t.Helper()
	c, err := New(append([]Option{WithServer(f.URL())}, opts...)...)
	require.NoError(t, err)
	return c
}

func ptr[T any](v T) *T { return &v }
