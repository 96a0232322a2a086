package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// Hostile recordings, each judged through Run: what a recording from anywhere
// (a browser's HAR, a colleague's cassette) must not be able to do.

const (
	okGroup   = "6a7940722c88faeba59bf917"
	deferURL  = "https://cloud.mongodb.com/api/atlas/v2/groups/" + okGroup + "/maintenanceWindow/defer"
	atlasJSON = "application/vnd.atlas.2023-01-01+json"
)

// ix is one interaction of a cassette written by writeCassette.
type ix struct {
	method, url string
	reqHeaders  map[string]string
	status      int
	respHeaders map[string]string
	body        string
}

// writeCassette writes a go-vcr v4 cassette holding ins into dir/name.
func writeCassette(t *testing.T, dir, name string, ins ...ix) string {
	t.Helper()
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	headers := func(b *strings.Builder, h map[string]string) {
		b.WriteString("        headers:\n")
		for k, v := range h {
			fmt.Fprintf(b, "            %s:\n                - %s\n", q(k), q(v))
		}
	}
	var b strings.Builder
	b.WriteString("---\nversion: 2\ninteractions:\n")
	for i, in := range ins {
		method := in.method
		if method == "" {
			method = http.MethodPost
		}
		fmt.Fprintf(&b, "    - id: %d\n      request:\n        url: %s\n        method: %s\n", i, q(in.url), method)
		headers(&b, in.reqHeaders)
		fmt.Fprintf(&b, "      response:\n        body: %s\n", q(in.body))
		headers(&b, in.respHeaders)
		fmt.Fprintf(&b, "        status: %s\n        code: %d\n", q(fmt.Sprintf("%d %s", in.status, http.StatusText(in.status))), in.status)
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// deferred is Atlas's real 200: no body, no Content-Type.
var deferred = ix{url: deferURL, reqHeaders: map[string]string{"Accept": atlasJSON}, status: 200,
	respHeaders: map[string]string{"X-Content-Type": atlasJSON}}

// TestTargetSendsOnlyTheOperation replays a browser's HAR of the Atlas UI
// against a loopback target with credentials: the target must see the defer
// call and nothing else (no cluster deletion, no admin user, no open access
// list, no project id smuggled with path syntax), with the client's own
// credentials, never the recorded ones.
func TestTargetSendsOnlyTheOperation(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/oauth/token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"access_token":"minted-token","token_type":"bearer","expires_in":3600}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s auth=%q cookie=%q override=%q body=%d",
			r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("X-Http-Method-Override"), len(body)))
		mu.Unlock()
		w.Header().Set("X-Content-Type", atlasJSON)
		w.Header()["Content-Type"] = nil
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	const mine = "0123456789abcdef01234567"
	run := func(scope ScopeMode) *Report {
		report, err := Run(t.Context(), Options{
			Paths: []string{filepath.Join("testdata", "hostile", "atlas-ui-export.har")},
			Cases: true,
			Scope: Scope{Mode: scope},
			Source: Source{Target: srv.URL, GroupID: mine, NewClient: func(opts ...atlas.Option) (*atlas.Client, error) {
				return atlas.New(append(opts, atlas.WithServiceAccount("mdb_sa_id_example", "mdb_sa_sk_example"))...)
			}},
		})
		require.NoError(t, err)
		return report
	}

	// Scoped to the fragment (the default), the other calls are skipped and
	// the request whose project id holds path syntax is not sent.
	report := run(ScopeFragment)
	assert.Equal(t, 3, report.SkippedTotal)
	assert.Equal(t, 1, report.Summary().NotSent)
	mu.Lock()
	assert.Equal(t, []string{`POST /api/atlas/v2/groups/` + mine + `/maintenanceWindow/defer auth="Bearer minted-token" cookie="" override="" body=0`}, seen)
	seen = nil
	mu.Unlock()

	// Judging every interaction sends no more: the rest is not sent.
	report = run(ScopeAll)

	mu.Lock()
	assert.Equal(t, []string{`POST /api/atlas/v2/groups/` + mine + `/maintenanceWindow/defer auth="Bearer minted-token" cookie="" override="" body=0`}, seen)
	mu.Unlock()

	var notSent []int
	for _, f := range report.Findings {
		if f.Rule == RuleNotSent {
			notSent = append(notSent, f.Interaction)
			assert.Equal(t, SeverityWarning, f.Severity)
		}
	}
	assert.Equal(t, []int{0, 1, 2, 3}, notSent, "every interaction but the defer is reported not sent")
	for _, row := range report.Coverage {
		want := 0
		if row.Status == 200 && !row.Envelope {
			want = 1 // the defer the target answered; the recorded 404 of #3 was not sent
		}
		assert.Equal(t, want, row.Interactions, "coverage of %d envelope=%v", row.Status, row.Envelope)
	}
	assert.Equal(t, 5, report.Interactions)

	var messages []string
	for _, f := range report.Findings {
		messages = append(messages, fmt.Sprintf("#%d %s %s: %s", f.Interaction, f.Severity, f.Rule, f.Message))
	}
	all := strings.Join(messages, "\n")
	assert.Contains(t, all, "#0 warning not-sent: not sent to the target: DELETE /api/atlas/v2/groups/"+okGroup+"/clusters/production is not POST")
	assert.Contains(t, all, "#3 warning not-sent: not sent to the target: POST /api/atlas/v2/groups/..%2Fclusters%2Fproduction/maintenanceWindow/defer: the project id holds path syntax")
	assert.Equal(t, 4, report.Summary().NotSent)
	assert.Equal(t, 3, report.Summary().Errors)
}

// TestReplayNeverSendsRecordedCredentials replays requests that carry
// credentials, a session cookie and a method override through a client
// without credentials: none of it reaches the server.
func TestReplayNeverSendsRecordedCredentials(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for _, h := range []string{"Authorization", "Cookie", "Proxy-Authorization", "X-Http-Method-Override"} {
			if v := r.Header.Get(h); v != "" {
				seen = append(seen, r.Method+" "+h+": "+v)
			}
		}
		mu.Unlock()
	}))
	defer srv.Close()
	client, err := atlas.New(atlas.WithServer(srv.URL))
	require.NoError(t, err)
	rp := newReplayer(client, srv.URL, mustDefaultSpec(t), "", 1<<20, "")
	ins, err := recording.ReadAll([]string{filepath.Join("testdata", "hostile", "atlas-ui-export.har")}, recording.Options{})
	require.NoError(t, err)
	for _, in := range ins {
		in.Request.Header.Set("Proxy-Authorization", "Basic recorded")
		_, err := rp.send(t.Context(), in)
		require.NoError(t, err)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, seen)
}

// TestRecorded1xxIsJudgedAsOffline: an informational status cannot be a
// final answer, so replay judges the record instead of answering 200.
func TestRecorded1xxIsJudgedAsOffline(t *testing.T) {
	t.Parallel()
	early := deferred
	early.status = http.StatusEarlyHints
	path := writeCassette(t, t.TempDir(), "early-hints.yaml", early)
	for _, offline := range []bool{true, false} {
		report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: offline}})
		require.NoError(t, err)
		got := interactionFindings(report)
		require.Len(t, got, 1, "offline=%v: %v", offline, got)
		assert.Equal(t, RuleStatusUndeclared, got[0].Rule, "offline=%v", offline)
		assert.Contains(t, got[0].Message, "103")
	}
}

// TestRepeatedEnvelopeStatusIsReported: a body with status twice means
// what its decoder says; encoding/json takes the last one silently.
func TestRepeatedEnvelopeStatusIsReported(t *testing.T) {
	t.Parallel()
	in := ix{url: deferURL + "?envelope=true", reqHeaders: map[string]string{"Accept": atlasJSON}, status: 200,
		respHeaders: map[string]string{"Content-Type": atlasJSON},
		body:        `{"status":500,"content":{"error":500,"errorCode":"UNEXPECTED_ERROR","reason":"Internal Server Error"},"status":200}`}
	path := writeCassette(t, t.TempDir(), "twice.yaml", in)
	for _, offline := range []bool{true, false} {
		report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: offline}})
		require.NoError(t, err)
		got := interactionFindings(report)
		require.Len(t, got, 1, "offline=%v: %v", offline, got)
		assert.Equal(t, RuleEnvelopeShape, got[0].Rule)
		assert.Equal(t, "/status", got[0].Pointer)
		assert.Contains(t, got[0].Message, "status more than once")
	}
}

// TestUnreplayableInteractionIsAFindingAndTheRunGoesOn: a request net/http
// would refuse to send (a control character in the Accept it carries) is a
// replay-failed finding with its cause; the next interaction is still
// replayed and judged. A header the operation does not use is not sent at
// all, so it cannot fail the replay.
func TestUnreplayableInteractionIsAFindingAndTheRunGoesOn(t *testing.T) {
	t.Parallel()
	bad := deferred
	bad.reqHeaders = map[string]string{"Accept": "one\x01two"}
	unused := deferred
	unused.reqHeaders = map[string]string{"Accept": atlasJSON, "X-Note": "one\x01two"}
	path := writeCassette(t, t.TempDir(), "mixed.yaml", bad, unused)
	report, err := Run(t.Context(), Options{Paths: []string{path}, Cases: true})
	require.NoError(t, err)
	assert.Equal(t, 2, report.Interactions)
	got := interactionFindings(report)
	require.Len(t, got, 1, "%v", got)
	assert.Equal(t, RuleReplayFailed, got[0].Rule)
	assert.Equal(t, 0, got[0].Interaction)
	assert.Contains(t, got[0].Message, `invalid header field value for "Accept"`)
	assert.Equal(t, 200, report.Cases[1].Status, "the second interaction was replayed")
}

// TestAnUnreachableTargetFailsTheRun: a target that does not answer is an
// operational failure, not a finding on every interaction.
func TestAnUnreachableTargetFailsTheRun(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now
	_, err = Run(t.Context(), Options{Shipped: true, Source: Source{Target: "http://" + addr}})
	require.ErrorContains(t, err, "the target does not answer")
}

// TestASilentTargetStopsTheRun: a target that takes the connection and
// never answers stops the run at the first interaction, after the
// client's timeout, instead of waiting that long for each.
func TestASilentTargetStopsTheRun(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	newClient := func(opts ...atlas.Option) (*atlas.Client, error) {
		return atlas.New(append(opts, atlas.WithTimeout(200*time.Millisecond), atlas.WithRetrySleep(func(context.Context, time.Duration) error { return nil }))...)
	}
	_, err = Run(t.Context(), Options{Shipped: true, Source: Source{Target: "http://" + ln.Addr().String(), NewClient: newClient}})
	require.ErrorContains(t, err, "the target does not answer")
	require.ErrorContains(t, err, "#0", "the run stops at the first interaction sent")
	mu.Lock()
	defer mu.Unlock()
	assert.LessOrEqual(t, len(conns), 4, "no connection per remaining interaction")
}

// TestLargeBodiesGetOneVerdictInBothModes: answers of 1 to 4 MiB, past
// what the client reads, get in replay the verdict they get offline. (A
// HAR: a cassette of this size costs seconds to parse under -race.)
func TestLargeBodiesGetOneVerdictInBothModes(t *testing.T) {
	t.Parallel()
	type nv struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	var entries []map[string]any
	for _, size := range []int{1<<20 + 1} { // just past the client's cap: any larger body takes the same path
		for _, errorField := range []string{"400", `"400"`} {
			body := `{"detail":"` + strings.Repeat("d", size) + `","error":` + errorField + `,"errorCode":"DEFER_LIMIT_EXCEEDED","parameters":[],"reason":"Bad Request"}`
			entries = append(entries, map[string]any{
				"startedDateTime": "2026-08-10T03:08:01Z", "time": 1, "cache": map[string]any{}, "timings": map[string]any{"send": 0, "wait": 1, "receive": 0},
				"request": map[string]any{"method": "POST", "url": deferURL, "httpVersion": "HTTP/1.1", "cookies": []any{},
					"headers": []nv{{"Accept", atlasJSON}}, "queryString": []any{}, "headersSize": -1, "bodySize": 0},
				"response": map[string]any{"status": 400, "statusText": "Bad Request", "httpVersion": "HTTP/2.0", "cookies": []any{},
					"headers": []nv{{"Content-Type", "application/json"}}, "redirectURL": "", "headersSize": -1, "bodySize": len(body),
					"content": map[string]any{"size": len(body), "mimeType": "application/json", "text": body}},
			})
		}
	}
	data, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "t", "version": "1"}, "entries": entries}})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "large.har")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	verdicts := func(offline bool) []string {
		r, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: offline}, MaxBodyBytes: 8 << 20})
		require.NoError(t, err)
		var out []string
		for _, f := range r.Findings {
			out = append(out, fmt.Sprintf("#%d %s %s", f.Interaction, f.Rule, f.Pointer))
		}
		return out
	}
	offline := verdicts(true)
	assert.Equal(t, []string{"#1 body-schema /error"}, offline)
	assert.Equal(t, offline, verdicts(false))
}

func TestRepeatedMembers(t *testing.T) {
	t.Parallel()
	for body, want := range map[string][]string{
		`{"status":200,"content":{}}`:                               nil,
		`{"status":200,"content":{"status":"x","detail":"status"}}`: nil,
		`{"status":500,"content":{},"status":200}`:                  {"status"},
		`{"\u0073tatus":500,"content":{},"status":200}`:             {"status"},
		`{"status":200,"content":1,"content":2}`:                    {"content"},
		`{"status":1,"status":2,"content":1,"content":2}`:           {"status", "content"},
	} {
		assert.Equal(t, want, repeatedMembers([]byte(body), "status", "content"), body)
	}
}
