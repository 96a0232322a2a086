package serve_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/serve"
	"github.com/atlascontract/deferwindow/gen/atlastest"
	"github.com/atlascontract/deferwindow/internal/atlaswire"
	"github.com/atlascontract/deferwindow/internal/httpserve"
)

const deferPath = "/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"

// violations collects what Checked reports.
type violations struct {
	mu  sync.Mutex
	got []serve.Violation
}

func (v *violations) add(x serve.Violation) {
	v.mu.Lock()
	v.got = append(v.got, x)
	v.mu.Unlock()
}

func (v *violations) list() []serve.Violation {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]serve.Violation(nil), v.got...)
}

func checker(t *testing.T) *contract.Checker {
	t.Helper()
	spec, err := contract.DefaultSpec()
	require.NoError(t, err)
	return contract.NewChecker(spec, "")
}

func checked(t *testing.T, h http.Handler, opts serve.CheckedOptions) (*httptest.Server, *violations) {
	t.Helper()
	v := &violations{}
	opts.OnViolation = v.add
	srv := httptest.NewServer(serve.Checked(h, checker(t), opts))
	t.Cleanup(srv.Close)
	return srv, v
}

func post(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp, body
}

// TestCheckedReportsWhatBreaksTheFragment: a declared answer passes, an
// undeclared status is reported with its rule, and the client gets each
// answer unchanged.
func TestCheckedReportsWhatBreaksTheFragment(t *testing.T) {
	t.Parallel()
	answers := map[string]*atlaswire.Answer{
		"/ok":          {Status: 200, Header: http.Header{"X-Content-Type": {"application/vnd.atlas.2023-01-01+json"}}},
		"/unavailable": atlaswire.Error(503, "SERVICE_UNAVAILABLE", "Down.", nil),
		"/not-json":    {Status: 400, Body: []byte("<html>oops</html>")},
	}
	h2 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Answer") == "/sniffed" {
			w.WriteHeader(400) // no Content-Type: net/http sniffs one
			_, _ = io.WriteString(w, "<html>oops</html>")
			return
		}
		answers[r.Header.Get("X-Answer")].WriteResponse(w)
	})
	srv, v := checked(t, h2, serve.CheckedOptions{Mount: "/atlas"})
	sendTo := func(path, which string) (*http.Response, []byte) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
		req.Header.Set("X-Answer", which)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp, b
	}
	send := func(which string) (*http.Response, []byte) { return sendTo("/atlas"+deferPath, which) }
	sendTo("/elsewhere"+deferPath, "/unavailable")
	assert.Empty(t, v.list(), "outside the mount nothing is judged")

	resp, body := send("/ok")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, body)
	assert.Empty(t, v.list(), "Atlas's empty 200 conforms")

	resp, body = send("/unavailable")
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, answers["/unavailable"].Body, body, "the client gets the answer unchanged")
	got := v.list()
	require.Len(t, got, 1)
	assert.Equal(t, 503, got[0].Status)
	assert.Equal(t, http.MethodPost, got[0].Method)
	assert.Equal(t, deferPath, got[0].Path, "the mount is stripped")
	require.NotEmpty(t, got[0].Findings)
	assert.Equal(t, contract.Rule("status-undeclared"), got[0].Findings[0].Rule)
	assert.Contains(t, got[0].String(), "status-undeclared")

	resp, _ = send("/not-json")
	assert.Empty(t, resp.Header.Values("Content-Type"))
	got = v.list()
	require.Len(t, got, 2)
	assert.Contains(t, got[1].Findings[0].Message, "no Content-Type", "an answer sent without Content-Type is judged without one")
	resp, _ = send("/sniffed")
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	got = v.list()
	require.Len(t, got, 3)
	got = got[1:]
	assert.Equal(t, contract.Rule("content-type"), got[1].Findings[0].Rule)
	assert.Contains(t, got[1].Findings[0].Message, "text/html", "the Content-Type net/http sniffed is judged, as the client got it")
}

// TestCheckedSkipsFaultsDropsAndUnknownPaths: a fault the handler marks, a
// dropped connection, a path of no operation and a skipped request are not
// reported; the drop still reaches the client through the wrapper.
func TestCheckedSkipsFaultsDropsAndUnknownPaths(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Answer") {
		case "fault":
			a := atlaswire.Error(503, "X", "y", nil)
			a.Header.Set("X-Fault", "proxy-html")
			a.WriteResponse(w)
		case "drop":
			// Judged as net/http's empty 200, this would break the
			// fragment (an undeclared media type): the drop is not judged.
			w.Header().Set("Content-Type", "text/html")
			httpserve.DropConnection(w)
		default:
			atlaswire.Error(503, "X", "y", nil).WriteResponse(w)
		}
	})
	srv, v := checked(t, h, serve.CheckedOptions{FaultHeader: "X-Fault", Skip: func(r *http.Request) bool { return r.Header.Get("X-Skip") != "" }})
	do := func(path string, header map[string]string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
		for k, val := range header {
			req.Header.Set(k, val)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		return resp, err
	}
	resp, err := do(deferPath, map[string]string{"X-Answer": "fault"})
	require.NoError(t, err)
	assert.Equal(t, "proxy-html", resp.Header.Get("X-Fault"), "the marker reaches the client")
	_, err = do(deferPath, map[string]string{"X-Answer": "drop"})
	assert.ErrorIs(t, err, io.EOF, "the handler dropped the connection through the wrapper")
	_, err = do("/api/oauth/revoke", nil)
	require.NoError(t, err)
	_, err = do("/nothing/here", nil)
	require.NoError(t, err)
	_, err = do(deferPath, map[string]string{"X-Skip": "1"})
	require.NoError(t, err)
	assert.Empty(t, v.list())

	_, err = do(deferPath, nil)
	require.NoError(t, err)
	assert.Len(t, v.list(), 1, "the same answer unmarked is reported")
}

// TestCheckedCapsTheCopy: the client gets a body past the cap whole; the
// judged copy stops at the cap, and the answer is reported as too large to
// judge.
func TestCheckedCapsTheCopy(t *testing.T) {
	t.Parallel()
	a := atlaswire.Error(400, "VALIDATION_ERROR", strings.Repeat("x", 4096), nil)
	srv, v := checked(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { a.WriteResponse(w) }), serve.CheckedOptions{MaxBody: 64})
	_, body := post(t, srv.URL+deferPath)
	assert.Equal(t, a.Body, body)
	got := v.list()
	require.Len(t, got, 1)
	assert.Equal(t, contract.Rule("body-too-large"), got[0].Findings[0].Rule)
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// TestCheckedCopyIsBoundedInMemory: an 8 MiB answer costs the middleware
// about its cap, not the body, by the process's allocation counter.
func TestCheckedCopyIsBoundedInMemory(t *testing.T) {
	// Not parallel: the process-wide allocation counters measure this test alone.
	chunk := make([]byte, 64<<10)
	h := serve.Checked(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		for range 128 {
			_, _ = w.Write(chunk)
		}
	}), checker(t), serve.CheckedOptions{MaxBody: 4 << 10, OnViolation: func(serve.Violation) {}})
	req := httptest.NewRequest(http.MethodPost, deferPath, nil)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	h.ServeHTTP(&discard{h: http.Header{}}, req)
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "the copy stops at the cap")
}

// TestCheckedStreams: what the handler flushes reaches the client before
// the handler is done.
func TestCheckedStreams(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv, _ := checked(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, "{\"error\":400,\n")
		require.NoError(t, http.NewResponseController(w).Flush())
		<-release
		_, _ = io.WriteString(w, "\"errorCode\":\"X\"}")
	}), serve.CheckedOptions{})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+deferPath, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "{\"error\":400,\n", line, "the first part arrived while the handler waits")
	close(release)
}

// TestCheckedFake: the fake behind the middleware, as serve --fake runs
// it: its answers pass, its scripted proxy page is a marked fault, and a
// scripted undeclared status is reported.
func TestCheckedFake(t *testing.T) {
	t.Parallel()
	fake, err := atlastest.New()
	require.NoError(t, err)
	srv, v := checked(t, fake, serve.CheckedOptions{FaultHeader: atlastest.FaultHeader})
	key, _ := fake.APIKey()
	_ = key
	require.NoError(t, fake.Script(atlastest.DefaultProjectID,
		atlastest.Reply{ProxyHTML: true, Status: 503}, atlastest.Reply{Drop: true}, atlastest.Reply{Status: 503}))
	sa, _ := fake.ServiceAccount()
	tokenReq, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/oauth/token", strings.NewReader("grant_type=client_credentials"))
	require.NoError(t, err)
	tokenReq.SetBasicAuth(sa.ClientID, sa.ClientSecret)
	tokenReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(tokenReq)
	require.NoError(t, err)
	tok, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	token := strings.Split(string(tok), `"`)[3]
	call := func() (*http.Response, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/atlas/v2/groups/"+atlastest.DefaultProjectID+"/maintenanceWindow/defer", nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		return resp, err
	}
	resp, err = call()
	require.NoError(t, err)
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "proxy-html", resp.Header.Get(atlastest.FaultHeader))
	_, err = call()
	require.Error(t, err, "dropped")
	assert.Empty(t, v.list(), "the faults asked for are not reported")
	resp, err = call()
	require.NoError(t, err)
	assert.Equal(t, 503, resp.StatusCode)
	require.Len(t, v.list(), 1, "an undeclared status the fake was scripted to give is reported")
	resp, err = call()
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Len(t, v.list(), 1, "the fake's own answer conforms")
}

// TestViolationStringIsOneLine: recorded text cannot break the line or
// drive a terminal.
func TestViolationStringIsOneLine(t *testing.T) {
	t.Parallel()
	v := serve.Violation{Method: "POST", Path: "/a\n::add-mask::x\x1b[31m", Status: 503,
		Findings: []contract.Finding{{Rule: "status-undeclared", Message: "m\u202e\nx"}}}
	s := v.String()
	assert.NotContains(t, s, "\n")
	assert.NotContains(t, s, "\x1b")
	assert.NotContains(t, s, "\u202e")
	assert.Contains(t, s, `\u000a::add-mask::x\u001b[31m`)
}
