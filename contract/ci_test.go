package contract

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	atlas "github.com/atlascontract/deferwindow/gen"
)

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
		harEntry("POST", "https://cloud.mongodb.com/api/oauth/revoke", nil, 200),                                       // line 7
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
	assert.Regexp(t, `^[0-9a-f]{64}$`, report.Spec.SHA256)
	assert.Equal(t, "openapi/fragment.yaml", report.Spec.Name)
	assert.NotEmpty(t, report.Tool.Version)
}

func TestScopeSkipsTheRestOfASession(t *testing.T) {
	t.Parallel()
	path := session(t)
	for _, offline := range []bool{true, false} {
		report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: offline}})
		require.NoError(t, err)
		assert.Equal(t, 1, report.Interactions, "only the defer call is judged")
		assert.Equal(t, 5, report.SkippedTotal)
		assert.Empty(t, interactionFindings(report))
		var got []string
		for _, sk := range report.Skipped {
			got = append(got, fmt.Sprintf("%d:%d %s %s", sk.Interaction, sk.Line, sk.Method, sk.Reason))
		}
		assert.Equal(t, []string{
			"0:2 POST OAuth token endpoint",
			"1:3 GET path outside the fragment",
			"2:4 OPTIONS CORS preflight",
			"4:6 GET path outside the fragment",
			"5:7 POST OAuth token endpoint",
		}, got)
		assert.Empty(t, report.Hints, "the misses share no prefix")
	}

	// All: everything but the token exchange, its revocation and the
	// browser's preflight (even to the defer path) is judged.
	report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}, Scope: Scope{Mode: ScopeAll}})
	require.NoError(t, err)
	assert.Equal(t, 3, report.Interactions)
	assert.Equal(t, 3, report.SkippedTotal)
	var lines []int
	for _, f := range interactionFindings(report) {
		assert.Equal(t, RuleUnknownOperation, f.Rule)
		lines = append(lines, f.Line)
	}
	assert.Equal(t, []int{3, 6}, lines, "each finding carries its entry's line")

	// Hosts: the asset's host is out of scope in either mode.
	report, err = Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}, Scope: Scope{Mode: ScopeAll, Hosts: []string{"Cloud.MongoDB.com"}}})
	require.NoError(t, err)
	assert.Equal(t, 2, report.Interactions)
	assert.Contains(t, report.Skipped, Skipped{File: path, Interaction: 4, Line: 6, Method: "GET", Path: "/inter.woff2", Reason: skipHost})
}

// TestRequestsWithoutAResponseAreSkipped: a browser writes status 0 for a
// request it blocked, cancelled or failed (Chrome's net::ERR_BLOCKED_BY_CLIENT).
// Such an entry, off the scope or on the defer path, is skipped and listed,
// in either mode, and the rest of the session is judged.
func TestRequestsWithoutAResponseAreSkipped(t *testing.T) {
	t.Parallel()
	path := writeSessionHAR(t,
		harEntry("POST", "https://www.google-analytics.com/g/collect", nil, 0), // line 2
		harEntry("POST", sessionDeferURL, []string{accept}, 200),               // line 3
		harEntry("POST", sessionDeferURL, []string{accept}, 0),                 // line 4: cancelled
	)
	for _, mode := range []ScopeMode{ScopeFragment, ScopeAll} {
		for _, offline := range []bool{true, false} {
			report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: offline}, Scope: Scope{Mode: mode}})
			require.NoError(t, err, "%s, offline %v", mode, offline)
			assert.Equal(t, 1, report.Interactions, "%s: the answered defer is judged", mode)
			assert.Empty(t, interactionFindings(report))
			var got []string
			for _, sk := range report.Skipped {
				got = append(got, fmt.Sprintf("%d:%d %s", sk.Interaction, sk.Line, sk.Reason))
			}
			assert.Equal(t, []string{"0:2 " + skipNoAnswer, "2:4 " + skipNoAnswer}, got, "%s", mode)
		}
	}
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
	report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}, Scope: Scope{Mode: ScopeAll}})
	require.NoError(t, err)
	require.Len(t, report.Hints, 1)
	assert.Contains(t, report.Hints[0], "--mount /atlas-proxy")

	// The mount as users type it: no leading slash, a trailing one.
	for _, mount := range []string{"atlas-proxy", "/atlas-proxy/", " atlas-proxy/ "} {
		report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}, Mount: mount})
		require.NoError(t, err, mount)
		assert.Equal(t, 2, report.Interactions, mount)
		assert.Zero(t, report.Summary().Errors, mount)
	}
	_, err = Run(t.Context(), Options{Paths: []string{path}, Mount: "https://proxy/atlas"})
	assert.ErrorContains(t, err, "is a URL")
}

func TestWaivers(t *testing.T) {
	t.Parallel()
	bad := filepath.Join("testdata", "bad")
	one := 0
	day := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	yesterday := day.AddDate(0, 0, -1)
	waivers := []Waiver{
		{Rule: RuleBodySchema, File: "testdata/bad/body-schema.yaml", Interaction: &one, Pointer: "/detail", Reason: "upstream bug 123", Source: "cc.yaml", Line: 3},
		{Rule: RuleContentType, File: "**/content-type.yaml", Reason: "proxy rewrites it", Expires: &day, Source: "cc.yaml", Line: 9},
		{Rule: RuleHeaderSchema, File: "header-schema.yaml", Reason: "base-name glob", Expires: &yesterday, Source: "cc.yaml", Line: 14},
		{Rule: RuleEnvelopeShape, File: "testdata/bad/body-schema.yaml", Reason: "stale", Source: "cc.yaml", Line: 19},
		// Not unused: no file it names was judged; the run cannot produce its rule.
		{Rule: RuleEnvelopeShape, File: "nothing/*.har", Reason: "another file's", Source: "cc.yaml", Line: 24},
		{Rule: RuleClientDecode, File: "client-decode.yaml", Reason: "replay only", Source: "cc.yaml", Line: 29},
		// The zero date is a date long past, not "no expiry".
		{Rule: RuleAPIErrorCodeFormat, Reason: "forever?", Expires: &time.Time{}, Source: "cc.yaml", Line: 34},
	}
	report, err := Run(t.Context(), Options{Paths: []string{bad}, Source: Source{Offline: true}, MaxBodyBytes: 256, Waivers: waivers, Now: func() time.Time { return day }})
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
	assert.Equal(t, []string{"cc.yaml:14 waiver-expired", "cc.yaml:19 waiver-unused", "cc.yaml:34 waiver-expired"}, about)
	assert.Contains(t, rulesOf(report.Findings), RuleAPIErrorCodeFormat, "a waiver that expired on 0001-01-01 no longer applies")
	assert.Equal(t, 2, report.Summary().Waived)

	// In replay, the client-decode waiver meets its finding.
	report, err = Run(t.Context(), Options{Paths: []string{bad}, MaxBodyBytes: 256, Waivers: waivers[5:6], Now: func() time.Time { return day }})
	require.NoError(t, err)
	require.Len(t, report.Waived, 1)
	assert.Equal(t, RuleClientDecode, report.Waived[0].Rule)

	// The recordings given by absolute path: the relative glob still applies.
	abs, err := filepath.Abs(bad)
	require.NoError(t, err)
	report, err = Run(t.Context(), Options{Paths: []string{filepath.Join(abs, "content-type.yaml")}, Source: Source{Offline: true},
		Waivers: []Waiver{{Rule: RuleContentType, File: "testdata/bad/*.yaml", Reason: "relative"}}})
	require.NoError(t, err)
	assert.Len(t, report.Waived, 1, "an absolute path matches the glob relative to the working directory")
	// Also when the recordings lie beside the working directory, not under it.
	wd, err := os.Getwd()
	require.NoError(t, err)
	beside := filepath.Join(filepath.Dir(wd), "recordings", "body-schema.yaml")
	set, err := compileWaivers([]Waiver{{Rule: RuleBodySchema, File: "../recordings/*.yaml", Reason: "beside"}}, day)
	require.NoError(t, err)
	set.judge(beside)
	assert.Len(t, set.forFile, 1, "%s matches ../recordings/*.yaml from %s", beside, wd)

	for _, bad := range []Waiver{{Rule: "nope", Reason: "x"}, {Rule: RuleBodySchema}, {Rule: RuleBodySchema, Reason: "x", Pointer: "detail"}, {Rule: RuleBodySchema, Reason: "x", File: "[ab].har"}, {Rule: RuleCoverageMissing, Reason: "x"}} {
		_, err := Run(t.Context(), Options{Paths: []string{bad.File + "x"}, Waivers: []Waiver{bad}})
		assert.Error(t, err, "%+v", bad)
	}
}

func TestRequiredCoverageCells(t *testing.T) {
	t.Parallel()
	path := filepath.Join("recordings", "defer-deferral-limit.yaml") // 200 and 400, without envelope
	errorsOf := func(cells []CoverageCell) []string {
		report, err := Run(t.Context(), Options{Paths: []string{path}, Source: Source{Offline: true}, RequireCoverage: cells})
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
		"no interaction exercises deferGroupMaintenanceWindow status 429 with envelope=true",
	}, errorsOf(cells), "a bare status is met in either mode")
	cells, err = ParseCoverageCells("200:both")
	require.NoError(t, err)
	assert.Equal(t, []string{"no interaction exercises deferGroupMaintenanceWindow status 200 with envelope=true"}, errorsOf(cells))

	for _, s := range []string{"", "abc", "99", "429:wrapped", ":200", "a:b:c:d", "x:200:sometimes"} {
		_, err := ParseCoverageCells(s)
		assert.Error(t, err, s)
	}
	for in, want := range map[string]CoverageCell{
		"429":                  {Status: 429},
		"429:envelope":         {Status: 429, Envelope: EnvelopeMode},
		"createGroup:201":      {Operation: "createGroup", Status: 201},
		"createGroup:all:both": {Operation: "createGroup", Envelope: BothModes},
		"all":                  {},
		"deferX:500:plain":     {Operation: "deferX", Status: 500, Envelope: PlainMode},
	} {
		got, err := ParseCoverageCell(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		back, err := ParseCoverageCell(got.String())
		require.NoError(t, err)
		assert.Equal(t, got, back, "String reads back")
	}
	_, err = Run(t.Context(), Options{Paths: []string{path}, RequireCoverage: []CoverageCell{{Status: 418}}})
	assert.ErrorContains(t, err, "418 is not declared")
	_, err = Run(t.Context(), Options{Paths: []string{path}, RequireCoverage: []CoverageCell{{Operation: "createGroup", Status: 201}}})
	assert.ErrorContains(t, err, `operation "createGroup"`)
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

// TestNoAnswerWithoutURLIsSkipped: an interaction without a URL and without
// a response (built through the Go API) is skipped as unanswered, not
// judged, and nothing panics.
func TestNoAnswerWithoutURLIsSkipped(t *testing.T) {
	t.Parallel()
	outside, err := Scope{}.Filter(mustDefaultSpec(t), "")
	require.NoError(t, err)
	assert.Equal(t, skipNoAnswer, outside(&recording.Interaction{}))
}
