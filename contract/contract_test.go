package contract

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
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
		report, err := Run(t.Context(), Options{Shipped: true, RequireCoverage: true, Source: Source{Offline: offline}})
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
		assert.False(t, report.Failed(SeverityWarning), "a correct negative case never fails a run")
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
		for _, f := range NewChecker(spec, CheckOptions{}).Check(t.Context(), in).Findings {
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
	assert.Equal(t, "note", sarifLevel(SeverityInfo))
	assert.Equal(t, "warning", sarifLevel(SeverityWarning))
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
	assert.Contains(t, joined, `property "errorCode" is missing`)
	assert.NotContains(t, joined, `"400"`, "messages are built from reasons, not values")
}

func TestCoverageMissing(t *testing.T) {
	t.Parallel()
	path := filepath.Join("recordings", "defer-deferral-limit.yaml")
	for _, require_ := range []bool{false, true} {
		report, err := Run(t.Context(), Options{Paths: []string{path}, RequireCoverage: require_})
		require.NoError(t, err)
		var missing []Finding
		for _, f := range report.Findings {
			if f.Rule == RuleCoverageMissing {
				missing = append(missing, f)
			}
		}
		// The file exercises 200 and 400 without envelope: 16 of 18 cells are missing.
		require.Len(t, missing, 16)
		want := SeverityWarning
		if require_ {
			want = SeverityError
		}
		for _, f := range missing {
			assert.Equal(t, want, f.Severity)
			assert.Equal(t, -1, f.Interaction)
			assert.Empty(t, f.File)
		}
		assert.Contains(t, missing[0].Message, "status 200 with envelope=true")
		assert.Equal(t, require_, report.Failed(SeverityError))
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

func TestReplayServer(t *testing.T) {
	t.Parallel()
	srv, err := NewReplayServer()
	require.NoError(t, err)
	defer func() { assert.NoError(t, srv.Close()) }()
	ins, err := recording.ReadAll([]string{filepath.Join("recordings", "defer-deferral-limit.yaml")}, recording.Options{})
	require.NoError(t, err)
	srv.Load(ins)
	url := srv.URL() + ins[0].Request.URL.RequestURI()
	var got []int
	for range 4 {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		got = append(got, resp.StatusCode)
		if resp.StatusCode == http.StatusOK {
			// Atlas's real 200: no Content-Type, X-Content-Type instead.
			assert.Empty(t, resp.Header.Values("Content-Type"))
			assert.Equal(t, "application/vnd.atlas.2023-01-01+json", resp.Header.Get("X-Content-Type"))
		}
	}
	assert.Equal(t, []int{200, 200, 400, http.StatusNotImplemented}, got, "recorded order, then a miss")
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

func TestGoldenReports(t *testing.T) {
	t.Parallel()
	report, err := Run(t.Context(), Options{Paths: []string{filepath.Join("testdata", "bad")}, MaxBodyBytes: 256, Cases: true})
	require.NoError(t, err)
	stableMetadata(report)

	var text, js, junit bytes.Buffer
	require.NoError(t, WriteText(&text, report, TextOptions{}))
	require.NoError(t, WriteJSON(&js, report))
	require.NoError(t, WriteJUnit(&junit, report, SeverityError))
	for name, got := range map[string][]byte{"bad.txt": text.Bytes(), "bad.json": js.Bytes(), "bad.xml": junit.Bytes()} {
		path := filepath.Join("testdata", "golden", name)
		if *update {
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, got, 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test ./contract -run TestGoldenReports -update")
		assert.Equal(t, string(want), string(got), "%s is stale: run go test ./contract -run TestGoldenReports -update", path)
	}

	// The JSON report has the documented schema.
	var doc struct {
		Version int `json:"version"`
		Summary struct {
			Interactions, Errors, Warnings int
		} `json:"summary"`
		Findings []map[string]any `json:"findings"`
		Coverage []map[string]any `json:"coverage"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &doc))
	assert.Equal(t, JSONReportVersion, doc.Version)
	assert.Equal(t, report.Interactions, doc.Summary.Interactions)
	assert.Len(t, report.Cases, report.Interactions)
	assert.Equal(t, report.Summary().Errors, doc.Summary.Errors)
	for _, f := range doc.Findings {
		for _, k := range []string{"rule", "severity", "interaction", "message"} {
			assert.Contains(t, f, k)
		}
	}
	assert.NotEmpty(t, doc.Coverage)

	// The JUnit report parses and counts one test case per interaction.
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name     string `xml:"name,attr"`
				Failures []struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(junit.Bytes(), &suites))
	cases := 0
	for _, s := range suites.Suites {
		if s.Name != "coverage" {
			cases += len(s.Cases)
		}
	}
	assert.Equal(t, len(report.Cases), cases)
	assert.Positive(t, suites.Failures)
}

func TestTargetNeedsLiveUnlessLoopback(t *testing.T) {
	t.Parallel()
	_, err := Run(t.Context(), Options{Shipped: true, Source: Source{Target: "https://192.0.2.1"}})
	require.ErrorIs(t, err, ErrLiveTargetNeedsLive)
	_, err = Run(t.Context(), Options{Shipped: true, Source: Source{Target: "https://192.0.2.1", Live: true}})
	require.ErrorContains(t, err, "group id", "a live target needs a project id to send to")
	_, err = Run(t.Context(), Options{Shipped: true, Source: Source{Target: "ftp://127.0.0.1"}})
	require.ErrorContains(t, err, "not an http(s) URL")
	_, err = Run(t.Context(), Options{Shipped: true, Source: Source{Live: true}})
	require.ErrorContains(t, err, "go with a target")
}

func TestReplayAgainstALoopbackTarget(t *testing.T) {
	t.Parallel()
	// The mock, started from the shipped recordings, is a conforming target.
	spec, err := DefaultSpec()
	require.NoError(t, err)
	ins, err := recording.ReadAllFS(ShippedRecordings(), "recordings", recording.Options{})
	require.NoError(t, err)
	var (
		mu   sync.Mutex
		seen []string
	)
	mock := NewMockServer(spec, ins, CheckOptions{}, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		mock.ServeHTTP(w, r)
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

// syncWriter serialises writes from concurrent handlers.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}

func TestCheckerRecallsVerdictsPerRequest(t *testing.T) {
	t.Parallel()
	spec, err := DefaultSpec()
	require.NoError(t, err)
	checker := NewChecker(spec, CheckOptions{})
	mk := func(group, query string) *recording.Interaction {
		return &recording.Interaction{
			File: "x.yaml",
			Request: recording.Request{Method: http.MethodPost,
				URL:    mustURL(t, "https://cloud.mongodb.com/api/atlas/v2/groups/"+group+"/maintenanceWindow/defer"+query),
				Header: http.Header{"Accept": {"application/vnd.atlas.2023-01-01+json"}}},
			Response: recording.Response{StatusCode: http.StatusNotFound, Header: http.Header{"Content-Type": {"application/json"}},
				Body: []byte(`{"error":404,"errorCode":"INVALID_GROUP_ID","reason":"Not Found"}`)},
		}
	}
	for range 3 { // the second and third time come from the checker's memory
		assert.Equal(t, []Rule{RuleRequestInvalid}, rulesOf(checker.Check(t.Context(), mk("NOT-A-GROUP", "")).Findings))
		assert.Empty(t, checker.Check(t.Context(), mk("6a7940722c88faeba59bf917", "")).Findings)
		assert.Equal(t, []Rule{RuleRequestInvalid}, rulesOf(checker.Check(t.Context(), mk("6a7940722c88faeba59bf917", "?envelope=maybe")).Findings))
	}
}

func TestCasesOnlyWhenAskedFor(t *testing.T) {
	t.Parallel()
	report, err := Run(t.Context(), Options{Shipped: true})
	require.NoError(t, err)
	assert.Positive(t, report.Interactions)
	assert.Empty(t, report.Cases, "without Options.Cases a run keeps no per-interaction record")
	assert.ErrorContains(t, WriteJUnit(io.Discard, report, SeverityError), "Options.Cases")
}

func TestHeaderSchemasBeyondTheirType(t *testing.T) {
	t.Parallel()
	// A header schema with more than a type (a minimum) is still judged by
	// kin-openapi, while a type-only one is judged by parsing alone.
	frag := strings.Replace(string(openapi.Fragment), "        HeaderRetryAfter:\n            description: The minimum time you should wait, in seconds, before retrying the API request. This header might be returned for 429 or 503 error responses.\n            schema:\n                type: integer",
		"        HeaderRetryAfter:\n            description: The minimum time you should wait, in seconds, before retrying the API request. This header might be returned for 429 or 503 error responses.\n            schema:\n                minimum: 1\n                type: integer", 1)
	require.NotEqual(t, string(openapi.Fragment), frag, "the fragment's Retry-After schema moved")
	spec, err := LoadSpec([]byte(frag), "patched")
	require.NoError(t, err)
	in := shippedInteraction(t, "defer-errors.yaml", 4) // the 429
	in.Response.Header = in.Response.Header.Clone()
	in.Response.Header.Set("Retry-After", "0")
	got := NewChecker(spec, CheckOptions{}).Check(t.Context(), in).Findings
	require.Len(t, got, 1)
	assert.Equal(t, RuleHeaderSchema, got[0].Rule)
	assert.Contains(t, got[0].Message, "Retry-After")
	assert.Empty(t, NewChecker(mustDefaultSpec(t), CheckOptions{}).Check(t.Context(), in).Findings, "the real fragment only asks for an integer")
}

func mustDefaultSpec(t *testing.T) *Spec {
	t.Helper()
	spec, err := DefaultSpec()
	require.NoError(t, err)
	return spec
}
