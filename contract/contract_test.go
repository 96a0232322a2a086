package contract

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/openapi"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/golden")

func interactionFindings(r *Report) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.File != "" {
			out = append(out, f)
		}
	}
	return out
}

func rulesOf(fs []Finding) []Rule {
	var out []Rule
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func TestShippedRecordingsPassWithRequireCoverage(t *testing.T) {
	t.Parallel()
	for _, offline := range []bool{false, true} {
		report, err := Run(t.Context(), Options{Shipped: true, RequireCoverage: []CoverageCell{RequireAll}, Source: Source{Offline: offline}})
		require.NoError(t, err)
		s := report.Summary()
		assert.Zero(t, s.Errors, "findings: %v", report.Findings)
		assert.GreaterOrEqual(t, s.Interactions, 18, "every declared status in both envelope modes")
		for _, row := range report.Coverage {
			assert.Positive(t, row.Interactions, "status %d envelope=%v is exercised", row.Status, row.Envelope)
		}
		assert.Len(t, report.Coverage, 18, "9 declared statuses x 2 envelope modes")
		// The deliberate negative cases (a bad group id; a missing and a too
		// old Accept version, refused with 406) are recognised as such.
		// They are information, not warnings: the shipped recordings pass
		// even --fail-on warning, and the summary counts them as notes.
		assert.Equal(t, []Rule{RuleRequestInvalid, RuleRequestInvalid, RuleRequestInvalid}, rulesOf(report.Findings))
		for _, f := range report.Findings {
			assert.Equal(t, SeverityInfo, f.Severity, "%v", f)
		}
		assert.Zero(t, s.Warnings)
		assert.Equal(t, 3, s.Notes)
		assert.False(t, failsAt(report, SeverityWarning), "a correct negative case never fails a run")
	}
}

// TestInvalidRequestSeverityFollowsTheAnswer holds the line between a
// negative case and a defect: the same invalid request is information when
// it was refused and an error when it was answered 2xx.
func TestInvalidRequestSeverityFollowsTheAnswer(t *testing.T) {
	t.Parallel()
	spec, err := DefaultSpec()
	require.NoError(t, err)
	sevs := func(status int) []Severity {
		in := &recording.Interaction{File: "mem", Request: recording.Request{Method: "POST",
			URL:    mustURL(t, "https://cloud.mongodb.com/api/atlas/v2/groups/NOT-A-GROUP/maintenanceWindow/defer"),
			Header: http.Header{"Accept": {"application/vnd.atlas.2023-01-01+json"}}},
			Response: recording.Response{StatusCode: status}}
		var out []Severity
		for _, f := range NewChecker(spec, "").Check(t.Context(), in).Findings {
			if f.Rule == RuleRequestInvalid || f.Rule == RuleInvalidRequestAccepted {
				out = append(out, f.Severity)
			}
		}
		return out
	}
	assert.Equal(t, []Severity{SeverityInfo}, sevs(404))
	assert.Equal(t, []Severity{SeverityError}, sevs(200))
	_, err = ParseFailOn("info")
	assert.Error(t, err, "failing on information would fail every correct negative case")
}

// failsAt tells whether the report fails a run at threshold sev.
func failsAt(r *Report, sev Severity) bool {
	c := *r
	c.FailOn = sev
	return c.Failed()
}

// badOptions reads the known-bad recording for rule.
func badOptions(rule Rule) Options {
	ext := ".yaml"
	if rule == RuleBodyNotRecorded {
		ext = ".har" // only HAR can declare a body it does not hold
	}
	opts := Options{Paths: []string{filepath.Join("testdata", "bad", string(rule)+ext)}}
	if rule == RuleBodyTooLarge {
		opts.MaxBodyBytes = 256
	}
	return opts
}

func TestEveryRuleHasAKnownBadRecordingThatTripsOnlyIt(t *testing.T) {
	t.Parallel()
	for _, info := range Rules() {
		switch info.Rule {
		case RuleCoverageMissing, RuleWaiverExpired, RuleWaiverUnused:
			continue // about a whole run: TestCoverageMissing, TestWaivers
		case RuleNotSent:
			// Target mode sends only the operation's well-formed requests;
			// anything else it holds back also trips unknown-operation or
			// request-invalid: TestTargetSendsOnlyTheOperation.
			continue
		}
		t.Run(string(info.Rule), func(t *testing.T) {
			t.Parallel()
			opts := badOptions(info.Rule)
			switch info.Rule {
			case RuleClientDecode, RuleReplayFailed:
				// Only a replay shows them.
			default:
				// Replay adds what the generated client makes of the
				// response; a header or body that breaks the schema often
				// breaks it too. Offline shows the rule alone.
				opts.Source.Offline = true
			}
			report, err := Run(t.Context(), opts)
			require.NoError(t, err)
			got := interactionFindings(report)
			require.NotEmpty(t, got, "the recording must trip %s", info.Rule)
			for _, f := range got {
				assert.Equal(t, info.Rule, f.Rule, "only %s may trip: %s", info.Rule, f)
				assert.Equal(t, info.Severity, f.Severity)
				assert.Equal(t, badOptions(info.Rule).Paths[0], f.File)
				assert.Equal(t, 0, f.Interaction)
				assert.Positive(t, f.Line, "the finding carries the interaction's line")
				assert.NotEmpty(t, f.Message)
			}
		})
	}
}

func TestBodySchemaReportsEveryViolation(t *testing.T) {
	t.Parallel()
	opts := badOptions(RuleBodySchema)
	opts.Source.Offline = true
	report, err := Run(t.Context(), opts)
	require.NoError(t, err)
	var pointers, messages []string
	for _, f := range interactionFindings(report) {
		pointers = append(pointers, f.Pointer)
		messages = append(messages, f.Message)
	}
	assert.ElementsMatch(t, []string{"/detail", "/error", "/errorCode"}, pointers)
	joined := strings.Join(messages, "\n")
	assert.Contains(t, joined, "missing property errorCode")
	assert.NotContains(t, joined, `"400"`, "messages are built from reasons, not values")
}

// TestCoverageMissing: coverage is a table in the report; findings come
// only from the cells a run requires, and they are errors.
func TestCoverageMissing(t *testing.T) {
	t.Parallel()
	path := filepath.Join("recordings", "defer-deferral-limit.yaml")
	missingOf := func(r *Report) []Finding {
		var out []Finding
		for _, f := range r.Findings {
			if f.Rule == RuleCoverageMissing {
				out = append(out, f)
			}
		}
		return out
	}
	report, err := Run(t.Context(), Options{Paths: []string{path}})
	require.NoError(t, err)
	assert.Empty(t, missingOf(report), "nothing required: no finding, the table says what was exercised")
	assert.Len(t, report.Coverage, 18, "9 declared statuses x 2 envelope modes")
	assert.False(t, failsAt(report, SeverityWarning))

	report, err = Run(t.Context(), Options{Paths: []string{path}, RequireCoverage: []CoverageCell{RequireAll}})
	require.NoError(t, err)
	missing := missingOf(report)
	// The file exercises 200 and 400 without envelope: 16 of 18 cells are missing.
	require.Len(t, missing, 16)
	for _, f := range missing {
		assert.Equal(t, SeverityError, f.Severity)
		assert.Equal(t, -1, f.Interaction)
		assert.Empty(t, f.File)
	}
	assert.Contains(t, missing[0].Message, "status 200 with envelope=true")
	assert.True(t, report.Failed())

	for cells, want := range map[string]int{
		"200":                                   0, // a bare status: in either mode
		"200:both":                              1,
		"200:envelope,429":                      2,
		"deferGroupMaintenanceWindow:500":       1,
		"all":                                   7, // every status not exercised in either mode
		"deferGroupMaintenanceWindow:400:plain": 0,
	} {
		required, err := ParseCoverageCells(cells)
		require.NoError(t, err, cells)
		report, err := Run(t.Context(), Options{Paths: []string{path}, RequireCoverage: required})
		require.NoError(t, err, cells)
		assert.Len(t, missingOf(report), want, cells)
	}
}

func TestReplayAnswersIdenticalRequestsInRecordedOrder(t *testing.T) {
	t.Parallel()
	report, err := Run(t.Context(), Options{Paths: []string{filepath.Join("recordings", "defer-deferral-limit.yaml")}, Cases: true})
	require.NoError(t, err)
	var statuses []int
	for _, c := range report.Cases {
		statuses = append(statuses, c.Status)
	}
	assert.Equal(t, []int{200, 200, 400}, statuses)
}

// TestReplayIsInMemory: replay sends each recorded request through the
// generated client to a transport that answers with the recorded response;
// nothing listens, nothing is dialled, and a request that differs from the
// recording is an error naming both.
func TestReplayIsInMemory(t *testing.T) {
	t.Parallel()
	spec := mustDefaultSpec(t)
	r, err := newMemoryReplayer(spec, "", recording.DefaultMaxBodyBytes)
	require.NoError(t, err)
	ins, err := recording.ReadAll([]string{filepath.Join("recordings", "defer-deferral-limit.yaml")}, recording.Options{})
	require.NoError(t, err)
	for _, in := range ins {
		got, err := r.send(t.Context(), in)
		require.NoError(t, err)
		assert.Equal(t, in.Response.StatusCode, got.response.StatusCode)
		if got.response.StatusCode == http.StatusOK {
			// Atlas's real 200: no Content-Type, X-Content-Type instead.
			assert.Empty(t, got.response.Header.Values("Content-Type"))
			assert.Equal(t, "application/vnd.atlas.2023-01-01+json", got.response.Header.Get("X-Content-Type"))
		}
	}
	other := *ins[0]
	other.Request.URL = mustURL(t, "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer")
	r.memory.in = ins[1]
	_, err = r.client.Do(mustRequest(t, http.MethodGet, replayHost+"/api/atlas/v2/groups"))
	assert.ErrorContains(t, err, "differs from the recording")
}

// TestReplayBodiesAreAsNetHTTPGivesThem: the recorded answer reaches the
// client as net/http's transport would give it: an empty body (Atlas's
// Content-Length: 0) is http.NoBody, so the client reads it as it reads a
// live server's; any other body is there whole.
func TestReplayBodiesAreAsNetHTTPGivesThem(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "0")
	}))
	defer srv.Close()
	live, err := http.DefaultTransport.RoundTrip(mustRequest(t, http.MethodPost, srv.URL))
	require.NoError(t, err)
	_ = live.Body.Close()
	require.Equal(t, http.NoBody, live.Body, "net/http's own answer to Content-Length: 0")

	u := mustURL(t, replayHost+"/x")
	for _, body := range []string{"", `{"a":1}`} {
		mt := &memoryTransport{in: &recording.Interaction{
			Request:  recording.Request{Method: http.MethodPost, URL: u},
			Response: recording.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: []byte(body)},
		}}
		resp, err := mt.RoundTrip(mustRequest(t, http.MethodPost, u.String()))
		require.NoError(t, err)
		if body == "" {
			assert.Equal(t, http.NoBody, resp.Body)
			continue
		}
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, body, string(got))
		assert.Equal(t, int64(len(body)), resp.ContentLength)
	}
}

func mustRequest(t *testing.T, method, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, nil)
	require.NoError(t, err)
	return req
}

func TestRoutingIgnoresTheHost(t *testing.T) {
	t.Parallel()
	spec, err := DefaultSpec()
	require.NoError(t, err)
	for _, raw := range []string{
		"https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer",
		"http://127.0.0.1:8080/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer?envelope=true",
		"http://proxy.internal:3128/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer",
	} {
		u := mustURL(t, raw)
		op, params, ok := spec.Route(http.MethodPost, u.EscapedPath(), "")
		require.True(t, ok, raw)
		assert.Equal(t, "deferGroupMaintenanceWindow", op.ID())
		assert.Equal(t, map[string]string{"groupId": "6a7940722c88faeba59bf917"}, params)
	}
	_, _, ok := spec.Route(http.MethodGet, "/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer", "")
	assert.False(t, ok, "the method matters")
	_, _, ok = spec.Route(http.MethodPost, "/atlas/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer", "")
	assert.False(t, ok, "a proxy mount point needs Mount")
	_, _, ok = spec.Route(http.MethodPost, "/atlas/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer", "/atlas")
	assert.True(t, ok)
}

func TestTargetNeedsLiveUnlessLoopback(t *testing.T) {
	t.Parallel()
	_, err := Run(t.Context(), Options{Shipped: true, Source: Source{Target: "https://192.0.2.1"}})
	require.ErrorIs(t, err, ErrLiveTargetNeedsLive)
	_, err = Run(t.Context(), Options{Shipped: true, Source: Source{Target: "https://192.0.2.1", Live: true}})
	require.ErrorContains(t, err, "project id of yours", "a live target needs a project id to send to")
	_, err = Run(t.Context(), Options{Shipped: true, Source: Source{Target: "ftp://127.0.0.1"}})
	require.ErrorContains(t, err, "not an http(s) URL")
	_, err = Run(t.Context(), Options{Shipped: true, Source: Source{Live: true}})
	require.ErrorContains(t, err, "go with a target")
}

func TestReplayAgainstALoopbackTarget(t *testing.T) {
	t.Parallel()
	// A server answering with the recorded responses is a conforming target.
	ins, err := recording.ReadAll([]string{filepath.Join("recordings", "defer-deferral-limit.yaml")}, recording.Options{})
	require.NoError(t, err)
	var (
		mu   sync.Mutex
		seen []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		resp := ins[len(seen)].Response
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		if _, ok := resp.Header["Content-Type"]; !ok {
			w.Header()["Content-Type"] = nil
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(resp.Body)
	}))
	defer srv.Close()
	const mine = "0123456789abcdef01234567"
	report, err := Run(t.Context(), Options{Source: Source{Target: srv.URL, GroupID: mine}, Paths: []string{filepath.Join("recordings", "defer-deferral-limit.yaml")}})
	require.NoError(t, err)
	assert.Equal(t, "target", report.Mode)
	assert.Equal(t, 3, report.Interactions)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 3)
	for _, p := range seen {
		assert.Contains(t, p, "/groups/"+mine+"/", "--group-id replaces the recorded project id")
	}
	assert.Zero(t, report.Summary().Errors, "%v", report.Findings)
}

func TestUnreadableRecordingsAreErrorsNotFindings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("version: 2\ninteractions: [\n"), 0o644))
	_, err := Run(t.Context(), Options{Paths: []string{bad}})
	require.Error(t, err)
	var re *recording.Error
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), bad)
}

func TestRuleIDsAreUniqueAndDescribed(t *testing.T) {
	t.Parallel()
	var ids []string
	for _, r := range Rules() {
		ids = append(ids, string(r.Rule))
		assert.NotEmpty(t, r.Checks)
		assert.NotEmpty(t, r.Fix)
	}
	assert.Len(t, slices.Compact(slices.Sorted(slices.Values(ids))), len(ids), "rule IDs are unique")
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}

func TestCasesOnlyWhenAskedFor(t *testing.T) {
	t.Parallel()
	report, err := Run(t.Context(), Options{Shipped: true})
	require.NoError(t, err)
	assert.Positive(t, report.Interactions)
	assert.Empty(t, report.Cases, "without Options.Cases a run keeps no per-interaction record")
}

func TestHeaderSchemasBeyondTheirType(t *testing.T) {
	t.Parallel()
	// A header schema with more than a type (a minimum) is judged beyond
	// its type.
	frag := strings.Replace(string(openapi.Fragment), "        HeaderRetryAfter:\n            description: The minimum time you should wait, in seconds, before retrying the API request. This header might be returned for 429 or 503 error responses.\n            schema:\n                type: integer",
		"        HeaderRetryAfter:\n            description: The minimum time you should wait, in seconds, before retrying the API request. This header might be returned for 429 or 503 error responses.\n            schema:\n                minimum: 1\n                type: integer", 1)
	require.NotEqual(t, string(openapi.Fragment), frag, "the fragment's Retry-After schema moved")
	spec, err := LoadSpec([]byte(frag), "patched")
	require.NoError(t, err)
	in := shippedInteraction(t, "defer-errors.yaml", 4) // the 429
	in.Response.Header = in.Response.Header.Clone()
	in.Response.Header.Set("Retry-After", "0")
	got := NewChecker(spec, "").Check(t.Context(), in).Findings
	require.Len(t, got, 1)
	assert.Equal(t, RuleHeaderSchema, got[0].Rule)
	assert.Contains(t, got[0].Message, "Retry-After")
	assert.Empty(t, NewChecker(mustDefaultSpec(t), "").Check(t.Context(), in).Findings, "the real fragment only asks for an integer")
}

func mustDefaultSpec(t testing.TB) *Spec {
	t.Helper()
	spec, err := DefaultSpec()
	require.NoError(t, err)
	return spec
}
