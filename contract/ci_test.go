package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	atlas "github.com/atlascontract/deferwindow/gen"
)

// stableMetadata fixes what changes from build to build (the module version,
// the fragment's hash) so golden reports stay byte-stable.
func stableMetadata(r *Report) {
	r.Tool.Version = "v0.0.0-golden"
	r.Fragment.SHA256 = strings.Repeat("0", 64)
}

const (
	sessionDeferURL = "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"
	accept          = `{"name":"Accept","value":"application/vnd.atlas.2023-01-01+json"}`
)

// harEntry is one HAR entry on one line.
func harEntry(method, url string, reqHeaders []string, status int) string {
	return fmt.Sprintf(`{"startedDateTime":"2026-08-10T03:08:01Z","time":1,"request":{"method":%q,"url":%q,"httpVersion":"HTTP/1.1","cookies":[],"headers":[%s],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":%d,"statusText":"","httpVersion":"HTTP/2.0","cookies":[],"headers":[],"content":{"size":0,"mimeType":""},"redirectURL":"","headersSize":-1,"bodySize":0},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}`,
		method, url, strings.Join(reqHeaders, ","), status)
}

// writeSessionHAR writes a HAR file whose entry i starts on line i+2.
func writeSessionHAR(t *testing.T, entries ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "session.har")
	data := `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[` + "\n" + strings.Join(entries, ",\n") + "\n]}}\n"
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
	return path
}

// session is a browser session: the defer call among other traffic.
func session(t *testing.T) string {
	return writeSessionHAR(t,
		harEntry("POST", "https://cloud.mongodb.com/api/oauth/token", nil, 200), // line 2
		harEntry("GET", "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow", // line 3
			[]string{accept}, 200),
		harEntry("OPTIONS", sessionDeferURL, []string{`{"name":"Access-Control-Request-Method","value":"POST"}`}, 204), // line 4
		harEntry("POST", sessionDeferURL, []string{accept}, 200),                                                       // line 5
		harEntry("GET", "https://fonts.example.com/inter.woff2", nil, 200),                                             // line 6
	)
}

func TestRunNeedsSomethingToJudge(t *testing.T) {
	t.Parallel()
	_, err := Run(t.Context(), Options{})
	require.ErrorIs(t, err, ErrNoRecordings)
	_, err = Run(t.Context(), Options{Shipped: true, Paths: []string{"recordings"}})
	require.Error(t, err)

	report, err := Run(t.Context(), Options{Shipped: true, Source: Source{Offline: true}})
	require.NoError(t, err)
	assert.Equal(t, "shipped", report.Recordings.Kind)
	report, err = Run(t.Context(), Options{Paths: []string{"recordings"}, Source: Source{Offline: true}})
	require.NoError(t, err)
	assert.Equal(t, RecordingsInfo{Kind: "files", Paths: []string{"recordings"}}, report.Recordings)
	assert.Regexp(t, `^[0-9a-f]{64}$`, report.Fragment.SHA256)
	assert.Equal(t, "openapi/fragment.yaml", report.Fragment.Name)
	assert.NotEmpty(t, report.Tool.Version)
}

func TestScopeSkipsTheRestOfASession(t *testing.T) {
	t.Parallel()
	path := session(t)
	for _, offline := range []bool{true, false} {
		report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: offline}})
		require.NoError(t, err)
		assert.Equal(t, 1, report.Interactions, "only the defer call is judged")
		assert.Equal(t, 4, report.SkippedTotal)
		assert.Empty(t, interactionFindings(report))
		var got []string
		for _, sk := range report.Skipped {
			got = append(got, fmt.Sprintf("%d:%d %s %s", sk.Interaction, sk.Line, sk.Method, sk.Reason))
		}
		assert.Equal(t, []string{
			"0:2 POST OAuth token exchange",
			"1:3 GET path outside the fragment",
			"2:4 OPTIONS CORS preflight",
			"4:6 GET path outside the fragment",
		}, got)
		assert.Empty(t, report.Hints, "the misses share no prefix")
	}

	// Strict: everything but the token exchange is judged.
	report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}, CI: CIOptions{Scope: Scope{Mode: ScopeAll}}})
	require.NoError(t, err)
	assert.Equal(t, 4, report.Interactions)
	assert.Equal(t, 1, report.SkippedTotal)
	var lines []int
	for _, f := range interactionFindings(report) {
		assert.Equal(t, RuleUnknownOperation, f.Rule)
		lines = append(lines, f.Line)
	}
	assert.Equal(t, []int{3, 4, 6}, lines, "each finding carries its entry's line")

	// Hosts: the asset's host is out of scope in either mode.
	report, err = Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}, CI: CIOptions{Scope: Scope{Mode: ScopeAll, Hosts: []string{"Cloud.MongoDB.com"}}}})
	require.NoError(t, err)
	assert.Equal(t, 3, report.Interactions)
	assert.Equal(t, skipHost, report.Skipped[len(report.Skipped)-1].Reason)
}

func TestSamePathWrongMethodStaysAnError(t *testing.T) {
	t.Parallel()
	path := writeSessionHAR(t, harEntry("POST", sessionDeferURL, []string{accept}, 200), harEntry("GET", sessionDeferURL, []string{accept}, 200))
	report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}})
	require.NoError(t, err)
	got := interactionFindings(report)
	require.Len(t, got, 1)
	assert.Equal(t, RuleUnknownOperation, got[0].Rule)
	assert.Equal(t, 3, got[0].Line)
	assert.Zero(t, report.SkippedTotal)
}

func TestNothingJudgedFailsAndSuggestsMount(t *testing.T) {
	t.Parallel()
	proxied := strings.Replace(sessionDeferURL, "/api/", "/atlas-proxy/api/", 1)
	path := writeSessionHAR(t, harEntry("POST", proxied, []string{accept}, 200), harEntry("POST", proxied+"?envelope=false", []string{accept}, 200))

	_, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}})
	var nj *NothingJudgedError
	require.ErrorAs(t, err, &nj)
	assert.Equal(t, 2, nj.Skipped)
	assert.Contains(t, err.Error(), "try --mount /atlas-proxy")

	// In strict scope the misses are findings, and the report carries the hint.
	report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}, CI: CIOptions{Scope: Scope{Mode: ScopeAll}}})
	require.NoError(t, err)
	require.Len(t, report.Hints, 1)
	assert.Contains(t, report.Hints[0], "--mount /atlas-proxy")

	// The mount as users type it: no leading slash, a trailing one.
	for _, mount := range []string{"atlas-proxy", "/atlas-proxy/", " atlas-proxy/ "} {
		report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}, Check: CheckOptions{Mount: mount}})
		require.NoError(t, err, mount)
		assert.Equal(t, 2, report.Interactions, mount)
		assert.Zero(t, report.Summary().Errors, mount)
	}
	_, err = Run(t.Context(), Options{Paths: []string{path}, Check: CheckOptions{Mount: "https://proxy/atlas"}})
	assert.ErrorContains(t, err, "is a URL")
}

func TestWaivers(t *testing.T) {
	t.Parallel()
	bad := filepath.Join("testdata", "bad")
	one := 0
	day := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	waivers := []Waiver{
		{Rule: RuleBodySchema, File: "testdata/bad/body-schema.yaml", Interaction: &one, Pointer: "/detail", Reason: "upstream bug 123", Source: "cc.yaml", Line: 3},
		{Rule: RuleContentType, File: "**/content-type.yaml", Reason: "proxy rewrites it", Expires: day, Source: "cc.yaml", Line: 9},
		{Rule: RuleHeaderSchema, File: "header-schema.yaml", Reason: "base-name glob", Expires: day.AddDate(0, 0, -1), Source: "cc.yaml", Line: 14},
		{Rule: RuleEnvelopeShape, File: "nothing/*.har", Reason: "stale", Source: "cc.yaml", Line: 19},
	}
	report, err := Run(t.Context(), Options{Paths: []string{bad}, Source: Source{Offline: true}, MaxBodyBytes: 256, CI: CIOptions{Waivers: waivers, Now: func() time.Time { return day }}})
	require.NoError(t, err)

	var waived []string
	for _, w := range report.Waived {
		waived = append(waived, fmt.Sprintf("%s %s %s (%s:%d)", w.File, w.Rule, w.Pointer, w.WaiverSource, w.WaiverLine))
	}
	assert.Equal(t, []string{
		"testdata/bad/body-schema.yaml body-schema /detail (cc.yaml:3)",
		"testdata/bad/content-type.yaml content-type  (cc.yaml:9)",
	}, waived, "a waiver expiring today still applies")
	for _, f := range report.Findings {
		assert.False(t, f.Rule == RuleContentType, "waived: %s", f)
		assert.False(t, f.Rule == RuleBodySchema && f.Pointer == "/detail", "waived: %s", f)
	}
	assert.Contains(t, rulesOf(report.Findings), RuleHeaderSchema, "an expired waiver no longer applies")
	var about []string
	for _, f := range report.RunFindings() {
		if f.File == "cc.yaml" {
			about = append(about, fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Rule))
		}
	}
	assert.Equal(t, []string{"cc.yaml:14 waiver-expired", "cc.yaml:19 waiver-unused"}, about)
	assert.Equal(t, 2, report.Summary().Waived)

	// The recordings given by absolute path: the relative glob still applies.
	abs, err := filepath.Abs(bad)
	require.NoError(t, err)
	report, err = Run(t.Context(), Options{Paths: []string{filepath.Join(abs, "content-type.yaml")}, Source: Source{Offline: true},
		CI: CIOptions{Waivers: []Waiver{{Rule: RuleContentType, File: "testdata/bad/*.yaml", Reason: "relative"}}}})
	require.NoError(t, err)
	assert.Len(t, report.Waived, 1, "an absolute path matches the glob relative to the working directory")

	for _, bad := range []Waiver{{Rule: "nope", Reason: "x"}, {Rule: RuleBodySchema}, {Rule: RuleBodySchema, Reason: "x", Pointer: "detail"}, {Rule: RuleBodySchema, Reason: "x", File: "[ab].har"}, {Rule: RuleCoverageMissing, Reason: "x"}} {
		_, err := Run(t.Context(), Options{Paths: []string{bad.File + "x"}, CI: CIOptions{Waivers: []Waiver{bad}}})
		assert.Error(t, err, "%+v", bad)
	}
}

func TestRequiredCoverageCells(t *testing.T) {
	t.Parallel()
	path := filepath.Join("recordings", "defer-deferral-limit.yaml") // 200 and 400, without envelope
	errorsOf := func(cells []CoverageCell) []string {
		report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}, CI: CIOptions{RequiredCoverage: cells}})
		require.NoError(t, err)
		var out []string
		for _, f := range report.Findings {
			if f.Severity == SeverityError {
				out = append(out, f.Message)
			}
		}
		return out
	}
	cells, err := ParseCoverageCells("200:plain, 400:plain")
	require.NoError(t, err)
	assert.Empty(t, errorsOf(cells), "two good interactions meet what they cover")
	cells, err = ParseCoverageCells("200,429:envelope")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"no interaction exercises deferGroupMaintenanceWindow status 200 with envelope=true",
		"no interaction exercises deferGroupMaintenanceWindow status 429 with envelope=true",
	}, errorsOf(cells))

	for _, s := range []string{"", "abc", "99", "429:wrapped"} {
		_, err := ParseCoverageCells(s)
		assert.Error(t, err, s)
	}
	_, err = Run(t.Context(), Options{Paths: []string{path}, CI: CIOptions{RequiredCoverage: []CoverageCell{{Status: 418}}}})
	assert.ErrorContains(t, err, "418 is not declared")
}

// readmeConfig returns the configuration example the README shows (a
// test in cmd/contractcheck keeps the two identical).
func readmeConfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "ci", ConfigFileName))
	require.NoError(t, err)
	return string(data)
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	c, err := ParseConfig([]byte(readmeConfig(t)), ConfigFileName)
	require.NoError(t, err, "the README's example parses")
	assert.NotEmpty(t, c.Paths)
	assert.Equal(t, "/atlas-proxy", c.Mount, "normalised")
	assert.Equal(t, ScopeFragment, c.Scope.Mode)
	assert.Equal(t, SeverityError, c.FailOn)
	assert.NotEmpty(t, c.RequiredCoverage)
	require.NotEmpty(t, c.Waivers)
	for _, w := range c.Waivers {
		assert.NotEmpty(t, w.Reason)
		assert.Positive(t, w.Line)
	}

	// Paths and slash globs are relative to the file's folder.
	c, err = ParseConfig([]byte("paths: [recs, /abs/x.har]\nwaivers:\n  - rule: body-schema\n    file: recs/*.har\n    reason: r\n  - rule: body-schema\n    file: a.har\n    reason: r\n"), filepath.Join("ci", "contractcheck.yaml"))
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join("ci", "recs"), "/abs/x.har"}, c.Paths)
	assert.Equal(t, "ci/recs/*.har", c.Waivers[0].File)
	assert.Equal(t, "a.har", c.Waivers[1].File)
	assert.Equal(t, []int{3, 6}, []int{c.Waivers[0].Line, c.Waivers[1].Line})

	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "paths: [a]\nfail_on: error\n", `contractcheck.yaml:2: unknown key "fail_on"`},
		{"unknown waiver key", "waivers:\n  - rule: body-schema\n    reason: r\n    until: 2026-01-01\n", `contractcheck.yaml:4: unknown key "until"`},
		{"bad severity", "fail-on: fatal\n", "contractcheck.yaml:1: fail-on: unknown threshold"},
		{"bad scope", "scope:\n  mode: api\n", `contractcheck.yaml:2: scope: unknown scope "api"`},
		{"bad coverage", "require-coverage: [200, 99]\n", "contractcheck.yaml:1: require-coverage"},
		{"bad date", "waivers:\n  - rule: body-schema\n    reason: r\n    expires: next year\n", "contractcheck.yaml:2: waiver: expires"},
		{"no reason", "waivers:\n  - rule: body-schema\n", "contractcheck.yaml:2: waiver: a waiver needs a reason"},
		{"unknown rule", "waivers:\n  - rule: body-shema\n    reason: r\n", `unknown rule "body-shema"`},
		{"syntax", "paths: [a\n", "contractcheck.yaml:"},
		{"empty", "\n", "empty"},
	} {
		_, err := ParseConfig([]byte(tc.yaml), ConfigFileName)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestExpandPaths(t *testing.T) {
	t.Parallel()
	got, err := ExpandPaths([]string{filepath.Join("recordings", "defer-e*.yaml"), "testdata"})
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join("recordings", "defer-envelope.yaml"), filepath.Join("recordings", "defer-errors.yaml"), "testdata"}, got)
	_, err = ExpandPaths([]string{filepath.Join("recordings", "*.har")})
	assert.ErrorContains(t, err, "matches no recording")
}

// schema compiles a JSON Schema file.
func schema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer func() { _ = f.Close() }() // opened for reading
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	require.NoError(t, c.AddResource(path, doc))
	s, err := c.Compile(path)
	require.NoError(t, err)
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte, what string) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err, what)
	assert.NoError(t, s.Validate(v), what)
}

// ciReport is the bad corpus with one waiver used, one unused, and a
// session's skipped interactions: every part of a report filled.
func ciReport(t *testing.T) *Report {
	t.Helper()
	report, err := Run(t.Context(), Options{
		Paths: []string{filepath.Join("testdata", "bad")}, MaxBodyBytes: 256, Cases: true, CI: CIOptions{Config: "contractcheck.yaml",
			Waivers: []Waiver{
				{Rule: RuleAPIErrorCodeFormat, File: "api-error-code-format.yaml", Reason: "legacy code, see ticket 42", Source: "contractcheck.yaml", Line: 7},
				{Rule: RuleEnvelopeShape, File: "none.har", Reason: "stale", Source: "contractcheck.yaml", Line: 11},
			}},
	})
	require.NoError(t, err)
	stableMetadata(report)
	return report
}

func TestCIGoldenReports(t *testing.T) {
	t.Parallel()
	report := ciReport(t)
	var gh, sarif, md bytes.Buffer
	require.NoError(t, WriteGitHub(&gh, report))
	require.NoError(t, WriteSARIF(&sarif, report))
	require.NoError(t, WriteMarkdown(&md, report))
	for name, got := range map[string][]byte{"bad.github.txt": gh.Bytes(), "bad.sarif": sarif.Bytes(), "bad.md": md.Bytes()} {
		path := filepath.Join("testdata", "golden", name)
		if *update {
			require.NoError(t, os.WriteFile(path, got, 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test ./contract -run TestCIGoldenReports -update")
		assert.Equal(t, string(want), string(got), "%s is stale: run go test ./contract -run TestCIGoldenReports -update", path)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "golden", "bad.sarif"))
	require.NoError(t, err)
	validate(t, schema(t, filepath.Join("testdata", "schema", "sarif-schema-2.1.0.json")), golden, "bad.sarif")

	// One reportingDescriptor per rule; every result points at its rule.
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Version string
					Rules   []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Locations []struct {
					PhysicalLocation struct{ Region *struct{ StartLine int } }
				}
				Suppressions []struct{ Justification string }
			}
			Properties struct{ Fragment FragmentInfo }
		}
	}
	require.NoError(t, json.Unmarshal(golden, &log))
	run := log.Runs[0]
	assert.Len(t, run.Tool.Driver.Rules, len(Rules()))
	assert.Equal(t, "v0.0.0-golden", run.Tool.Driver.Version)
	assert.Equal(t, "openapi/fragment.yaml", run.Properties.Fragment.Name)
	suppressed := 0
	for _, r := range run.Results {
		assert.Equal(t, r.RuleID, run.Tool.Driver.Rules[r.RuleIndex].ID)
		require.NotEmpty(t, r.Locations, "code scanning needs a location: %s", r.RuleID)
		if r.RuleID != string(RuleCoverageMissing) && r.RuleID != string(RuleWaiverUnused) {
			assert.NotNil(t, r.Locations[0].PhysicalLocation.Region, r.RuleID)
		}
		if len(r.Suppressions) > 0 {
			suppressed++
			assert.Equal(t, "legacy code, see ticket 42", r.Suppressions[0].Justification)
		}
	}
	assert.Equal(t, 1, suppressed)

	// JUnit keeps the waived finding as a note of its test case.
	var junit bytes.Buffer
	require.NoError(t, WriteJUnit(&junit, report, SeverityError))
	assert.Contains(t, junit.String(), "waived (legacy code, see ticket 42): testdata/bad/api-error-code-format.yaml:5 #0 /errorCode: warning api-error-code-format")
}

func TestJSONReportMatchesItsPublishedSchema(t *testing.T) {
	t.Parallel()
	s := schema(t, filepath.Join("schema", "report.schema.json"))
	shipped, err := Run(t.Context(), Options{Shipped: true, Source: Source{Offline: true}})
	require.NoError(t, err)
	scoped, err := Run(t.Context(), Options{Paths: []string{session(t)}, Source: Source{Offline: true}})
	require.NoError(t, err)
	for name, r := range map[string]*Report{"bad corpus": ciReport(t), "shipped": shipped, "session": scoped, "empty": {}} {
		var buf bytes.Buffer
		require.NoError(t, WriteJSON(&buf, r))
		if name == "empty" {
			// A Report not made by Run has no metadata: the schema says so.
			v, err := jsonschema.UnmarshalJSON(&buf)
			require.NoError(t, err)
			assert.Error(t, s.Validate(v))
			continue
		}
		validate(t, s, buf.Bytes(), name)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "golden", "bad.json"))
	require.NoError(t, err)
	validate(t, s, golden, "bad.json")
}

func TestGitHubAnnotationsEscape(t *testing.T) {
	t.Parallel()
	r := &Report{Findings: []Finding{{
		Rule: RuleBodySchema, Severity: SeverityError, File: "recs/a,b:c.har", Line: 12, Interaction: 3,
		Pointer: "/detail", Message: "100% wrong\r\nsecond line",
	}, {Rule: RuleCoverageMissing, Severity: SeverityWarning, Interaction: -1, Message: "no interaction exercises 429"},
		{Rule: RuleCoverageMissing, Severity: SeverityWarning, Interaction: -1, Message: "no interaction exercises 500"},
		{Rule: RuleCoverageMissing, Severity: SeverityError, Interaction: -1, Message: "no interaction exercises 200"}}}
	var buf bytes.Buffer
	require.NoError(t, WriteGitHub(&buf, r))
	lines := strings.Split(buf.String(), "\n")
	assert.Equal(t, "::error file=recs/a%2Cb%3Ac.har,line=12,title=body-schema::interaction #3 at /detail: 100%25 wrong\\r\\nsecond line", lines[0], "control characters are escaped as in every report, so no line break reaches the log")
	assert.Equal(t, "::error title=coverage-missing::no interaction exercises 200", lines[1], "a required cell is its own annotation")
	assert.Equal(t, "::warning title=coverage-missing::no interaction exercises 429; 500 (2 declared statuses and envelope modes)", lines[2],
		"the others are one annotation")
}

func TestSkippedListIsBounded(t *testing.T) {
	t.Parallel()
	entries := []string{harEntry("POST", sessionDeferURL, []string{accept}, 200)}
	for range MaxSkippedListed + 500 {
		entries = append(entries, harEntry("GET", "https://cloud.mongodb.com/static/app.js", nil, 200))
	}
	report, err := Run(t.Context(), Options{Paths: []string{writeSessionHAR(t, entries...)}, Source: Source{Offline: true}})
	require.NoError(t, err)
	assert.Equal(t, MaxSkippedListed+500, report.SkippedTotal)
	assert.Len(t, report.Skipped, MaxSkippedListed)
}

// TestGoVCRDefaultMatcherNeedsTheREADMEOptions shows why the README's go-vcr
// recipe sets matcher options: with go-vcr's default matcher the generated
// client's request (its own User-Agent, no Authorization) matches no
// recorded interaction of a shipped cassette.
func TestGoVCRDefaultMatcherNeedsTheREADMEOptions(t *testing.T) {
	t.Parallel()
	rec, err := recorder.New(filepath.Join("recordings", "defer-deferral-limit"), recorder.WithMode(recorder.ModeReplayOnly), recorder.WithSkipRequestLatency(true))
	require.NoError(t, err)
	t.Cleanup(func() { _ = rec.Stop() })
	client, err := atlas.New(atlas.WithServer("https://cloud.mongodb.com"), atlas.WithTransport(rec))
	require.NoError(t, err)
	err = client.DeferMaintenanceWindow(t.Context(), "6a7940722c88faeba59bf917")
	require.ErrorIs(t, err, cassette.ErrInteractionNotFound)
}

func TestSkippedInteractionsInJUnitAndGitHub(t *testing.T) {
	t.Parallel()
	report, err := Run(t.Context(), Options{Paths: []string{session(t)}, Source: Source{Offline: true}, Cases: true})
	require.NoError(t, err)
	var junit, gh bytes.Buffer
	require.NoError(t, WriteJUnit(&junit, report, SeverityError))
	require.NoError(t, WriteGitHub(&gh, report))
	assert.Contains(t, junit.String(), `tests="5" failures="0" errors="0" skipped="4"`)
	assert.Contains(t, junit.String(), `<skipped message="CORS preflight"></skipped>`)
	assert.Contains(t, gh.String(), "::notice title=contractcheck::skipped 4 interactions outside the scope (1 OAuth token exchange, 2 path outside the fragment, 1 CORS preflight)")
}

func TestToolVersionFromBuildInfo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "(devel)"},
		{"go install @v1.2.3", &debug.BuildInfo{Main: debug.Module{Path: ModulePath, Version: "v1.2.3"}}, "v1.2.3"},
		{"work tree", &debug.BuildInfo{Main: debug.Module{Path: ModulePath, Version: "(devel)"}}, "(devel)"},
		{"go tool in a consumer", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{{Path: "golang.org/x/text", Version: "v0.1.0"}, {Path: ModulePath, Version: "v1.4.0"}}}, "v1.4.0"},
		{"replaced", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{{Path: ModulePath, Version: "v1.4.0", Replace: &debug.Module{Path: "../deferwindow"}}}}, "(devel)"},
	} {
		assert.Equal(t, tc.want, toolFromBuildInfo(tc.bi).Version, tc.name)
	}
}

func TestSARIFURIs(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "recs/a%20b.har", sarifURI(filepath.Join("recs", "a b.har")))
	assert.Equal(t, "./a:b.har", sarifURI("a:b.har"), "a colon is not read as a scheme")
	abs, err := filepath.Abs(filepath.Join("recs", "x.har"))
	require.NoError(t, err)
	assert.Equal(t, "recs/x.har", sarifURI(abs), "below the working directory: relative to it, as code scanning expects")
	outside := filepath.Join(filepath.Dir(filepath.Dir(abs)), "..", "elsewhere", "x.har")
	outside, err = filepath.Abs(outside)
	require.NoError(t, err)
	assert.Equal(t, "file://"+filepath.ToSlash(outside), sarifURI(outside))
}

func TestMarkdownEscapesCells(t *testing.T) {
	t.Parallel()
	r := &Report{Findings: []Finding{{Rule: RuleBodySchema, Severity: SeverityError, File: "a|b.har", Line: 3, Interaction: 0,
		Message: "value <script> | x\nnext"}}}
	var buf bytes.Buffer
	require.NoError(t, WriteMarkdown(&buf, r))
	assert.Contains(t, buf.String(), "| ❌ | `body-schema` | `a\\|b.har:3 #0` | value &lt;script&gt; \\| x\\nnext |", "a line break is escaped, as in every report")
}
