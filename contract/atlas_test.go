package contract

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mustAtlasSpec returns the embedded published spec with the errata.
func mustAtlasSpec(tb testing.TB) *Spec {
	tb.Helper()
	s, err := AtlasSpec(true)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// samplePath fills a template with one value per parameter.
func samplePath(o *Operation) (string, map[string]string) {
	var b strings.Builder
	params := map[string]string{}
	for i, s := range o.segments {
		b.WriteByte('/')
		if s.param == "" {
			b.WriteString(s.literal)
			continue
		}
		v := fmt.Sprintf("v%d-%s", i, s.param)
		params[s.param] = v
		b.WriteString(s.prefix + v + s.suffix)
	}
	return b.String(), params
}

// TestEveryOperationRoutesToItself routes each operation of the published
// spec, its own template filled with sample values ({x}:verb and {x}.gz
// included), and gets that operation and those values back.
func TestEveryOperationRoutesToItself(t *testing.T) {
	t.Parallel()
	s := mustAtlasSpec(t)
	if len(s.operations) < 500 {
		t.Fatalf("%d operations: the published spec has 540", len(s.operations))
	}
	verbs := 0
	for _, o := range s.operations {
		path, want := samplePath(o)
		if strings.ContainsAny(path, ":") || strings.HasSuffix(path, ".gz") {
			verbs++
		}
		got, params, ok := s.Route(o.method, path, "")
		if !ok {
			t.Errorf("%s %s does not route", o.method, path)
			continue
		}
		if got != o {
			t.Errorf("%s %s routes to %s %s", o.method, o.path, got.method, got.path)
			continue
		}
		if fmt.Sprint(params) != fmt.Sprint(want) {
			t.Errorf("%s: params %v, want %v", o.path, params, want)
		}
	}
	if verbs < 20 {
		t.Errorf("only %d templates with a parameter and a literal in one segment", verbs)
	}
}

// BenchmarkRouteAtlas looks up every operation of the published spec in
// turn, against the baseline of the one operation of the fragment.
func BenchmarkRouteAtlas(b *testing.B) {
	for _, tc := range []struct {
		name string
		spec func(testing.TB) *Spec
	}{{"baseline", mustDefaultSpec}, {"atlas", mustAtlasSpec}} {
		s := tc.spec(b)
		var paths, methods []string
		for _, o := range s.operations {
			p, _ := samplePath(o)
			paths, methods = append(paths, p), append(methods, o.method)
		}
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				k := i % len(paths)
				if _, _, ok := s.Route(methods[k], paths[k], ""); !ok {
					b.Fatal("no route")
				}
			}
		})
	}
}

// TestRealAtlasTrafficPasses judges the Atlas CLI's snapshots of real Atlas
// answers (testdata/atlascli: 285 answers of 213 operations) against the
// published spec with the errata: no error. Every difference real Atlas
// answers show from the spec is an erratum with its evidence
// (openapi/errata.overlay.yaml). The snapshots hold no request: the rules
// about requests are skipped for them, and the report says so.
func TestRealAtlasTrafficPasses(t *testing.T) {
	t.Parallel()
	r, err := Run(t.Context(), Options{Spec: mustAtlasSpec(t), Paths: []string{"testdata/atlascli"}, Source: Source{Offline: true}, Scope: Scope{Mode: ScopeAll}})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Summary()
	if s.Interactions < 280 || s.RequestsNotRecorded != s.Interactions {
		t.Errorf("judged %d interactions, %d without a request", s.Interactions, s.RequestsNotRecorded)
	}
	byRule := map[Rule]int{}
	for _, f := range r.Findings {
		byRule[f.Rule]++
		if f.Rule == RuleVersionDeprecated && strings.Contains(f.Message, "undated") {
			t.Errorf("every snapshot dates its Deprecation: %s", f)
		}
		if f.Severity == SeverityError && byRule[f.Rule] <= 5 {
			t.Errorf("%s", f)
		}
	}
	if s.Errors > 0 {
		t.Errorf("%d errors: %v", s.Errors, byRule)
	}
	if byRule[RuleVersionDeprecated] == 0 || s.Deprecated != byRule[RuleVersionDeprecated] {
		t.Errorf("%d version-deprecated warnings, %d counted in the summary: the snapshots of versions with a Sunset date give them", byRule[RuleVersionDeprecated], s.Deprecated)
	}
}

// TestShippedRecordingsUnderTheWholeSpec: the shipped recordings of the
// defer call get the same verdicts judged against the whole published spec
// as against the fragment.
func TestShippedRecordingsUnderTheWholeSpec(t *testing.T) {
	t.Parallel()
	verdicts := func(spec *Spec) []string {
		var out []string
		for _, offline := range []bool{false, true} {
			r, err := Run(t.Context(), Options{Spec: spec, Shipped: true, Source: Source{Offline: offline}})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range r.Findings {
				out = append(out, fmt.Sprintf("%s %s %s:%d #%d %s", f.Rule, f.Severity, f.File, f.Line, f.Interaction, f.Pointer))
			}
			out = append(out, fmt.Sprintf("%+v %+v", r.Summary(), r.Coverage))
		}
		return out
	}
	want, got := verdicts(mustDefaultSpec(t)), verdicts(mustAtlasSpec(t))
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("against the fragment:\n%s\nagainst the whole spec:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// TestRealAtlasTrafficReplaysAsJudgedOffline: the real answers of every
// operation, replayed in memory through the client's raw path, get the
// verdicts they get as recorded.
func TestRealAtlasTrafficReplaysAsJudgedOffline(t *testing.T) {
	t.Parallel()
	spec := mustAtlasSpec(t)
	verdicts := func(offline bool) ([]string, Summary) {
		r, err := Run(t.Context(), Options{Spec: spec, Paths: []string{"testdata/atlascli"}, Source: Source{Offline: offline}, Scope: Scope{Mode: ScopeAll}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range r.Findings {
			out = append(out, fmt.Sprintf("%s:%d #%d %s %s %s", f.File, f.Line, f.Interaction, f.Rule, f.Pointer, f.Message))
		}
		return out, r.Summary()
	}
	offline, offSummary := verdicts(true)
	replayed, replaySummary := verdicts(false)
	if strings.Join(offline, "\n") != strings.Join(replayed, "\n") {
		t.Errorf("offline:\n%s\nreplayed:\n%s", strings.Join(offline, "\n"), strings.Join(replayed, "\n"))
	}
	if offSummary != replaySummary {
		t.Errorf("offline %+v, replayed %+v", offSummary, replaySummary)
	}
	if replaySummary.Interactions < 280 {
		t.Errorf("replayed %d interactions", replaySummary.Interactions)
	}
}

// TestEnvelopesTheSpecDeclares: the Performance Advisor's operations declare
// their body as an envelope ({"status", "content"}: Enveloped…Response), so
// answered so unasked it is their body, not an unexpected envelope; any
// other operation's envelope, unasked, still is one. An enveloped body
// without Content-Type is a content-type finding, as a plain one is.
func TestEnvelopesTheSpecDeclares(t *testing.T) {
	t.Parallel()
	judge := func(spec *Spec, url string, header http.Header, body string) []string {
		in := &recording.Interaction{File: "e.yaml",
			Request:  recording.Request{Method: http.MethodGet, URL: mustURL(t, url), Header: http.Header{"Accept": {"application/vnd.atlas.2024-08-05+json"}}},
			Response: recording.Response{StatusCode: http.StatusOK, Header: header, Body: []byte(body)}}
		if strings.Contains(url, "maintenanceWindow/defer") {
			in.Request.Method, in.Request.Header = http.MethodPost, http.Header{"Accept": {"application/vnd.atlas.2023-01-01+json"}}
		}
		var out []string
		for _, f := range NewChecker(spec, "").Check(t.Context(), in).Findings {
			out = append(out, string(f.Rule))
		}
		return out
	}
	atlasJSON := http.Header{"Content-Type": {"application/vnd.atlas.2024-08-05+json;charset=utf-8"}}
	const group = "https://cloud.mongodb.com/api/atlas/v2/groups/6a793f47c0eb9e7a17712883"
	assert.Empty(t, judge(mustAtlasSpec(t), group+"/clusters/Cluster0/performanceAdvisor/dropIndexSuggestions", atlasJSON,
		`{"content":{"hiddenIndexes":[],"redundantIndexes":[],"unusedIndexes":[]},"status":200}`))
	assert.Equal(t, []string{string(RuleEnvelopeUnexpected)}, judge(mustAtlasSpec(t), group+"/clusters/Cluster0/processArgs", atlasJSON,
		`{"content":{},"status":200}`))
	assert.Equal(t, []string{string(RuleContentType)}, judge(mustDefaultSpec(t), group+"/maintenanceWindow/defer?envelope=true", http.Header{},
		`{"content":{},"status":200}`))
}

// TestEscapedPatternsMatchTheEscapedValue: the ipAddress of a service
// account's access list entry has a pattern written for the value as it
// travels in the path, its CIDR slash escaped (%2[fF]), as MongoDB's SDK
// sends it: an IPv6 block is judged escaped, not refused decoded, and a
// value that is no address is still refused.
func TestEscapedPatternsMatchTheEscapedValue(t *testing.T) {
	t.Parallel()
	checker := NewChecker(mustAtlasSpec(t), "")
	judge := func(ip string) []string {
		in := &recording.Interaction{File: "a.yaml",
			Request: recording.Request{Method: http.MethodDelete, Header: http.Header{"Accept": {"application/vnd.atlas.2024-08-05+json"}},
				URL: mustURL(t, "https://cloud.mongodb.com/api/atlas/v2/groups/6a793f62c0eb9e7a1771502a/serviceAccounts/mdb_sa_id_0123456789abcdef01234567/accessList/"+ip)},
			Response: recording.Response{StatusCode: http.StatusNoContent, Header: http.Header{}}}
		var out []string
		for _, f := range checker.Check(t.Context(), in).Findings {
			out = append(out, string(f.Rule))
		}
		return out
	}
	assert.Empty(t, judge("2001:db8::%2F32"))
	assert.Empty(t, judge("10.0.0.0%2F8"))
	assert.Empty(t, judge("192.0.2.1"))
	assert.Equal(t, []string{string(RuleInvalidRequestAccepted)}, judge("not-an-address"))

	// A % inside a character class (an email pattern's [...$%&...]) is no
	// escape: the value is judged decoded, as before.
	get := func(url string) []string {
		in := &recording.Interaction{File: "a.yaml",
			Request: recording.Request{Method: http.MethodGet, Header: http.Header{"Accept": {"application/vnd.atlas.2023-01-01+json"}}, URL: mustURL(t, url)},
			Response: recording.Response{StatusCode: http.StatusNotFound, Header: http.Header{"Content-Type": {"application/json"}},
				Body: []byte(`{"detail":"x","error":404,"errorCode":"USER_NOT_FOUND","parameters":[],"reason":"Not Found"}`)}}
		var out []string
		for _, f := range checker.Check(t.Context(), in).Findings {
			out = append(out, string(f.Rule))
		}
		return out
	}
	assert.Empty(t, get("https://cloud.mongodb.com/api/atlas/v2/users/byName/jane%7Bx%7D@example.com"))
	assert.Equal(t, []string{string(RuleRequestInvalid)}, get("https://cloud.mongodb.com/api/atlas/v2/users/byName/jane%20x@example.com"),
		"a space is no character of the pattern, escaped or not")
	// An Azure private endpoint id is judged as it travels, every escape as sent.
	assert.Empty(t, get("https://cloud.mongodb.com/api/atlas/v2/groups/6a793f62c0eb9e7a1771502a/privateEndpoint/AZURE/endpointService/6a793f62c0eb9e7a1771502b/endpoint/"+
		"%2Fsubscriptions%2F01234567-89ab-cdef-0123-456789abcdef%2FresourceGroups%2Frg(prod)%2Fproviders%2FMicrosoft.Network%2FprivateEndpoints%2Fpe1"))
}

// TestEnvelopeWithoutContentNamesTheVersionServed: an enveloped single
// entity without content names the schema of the version the Accept
// reached, not the oldest version's.
func TestEnvelopeWithoutContentNamesTheVersionServed(t *testing.T) {
	t.Parallel()
	in := &recording.Interaction{File: "e.yaml",
		Request: recording.Request{Method: http.MethodGet, Header: http.Header{"Accept": {"application/vnd.atlas.2024-08-05+json"}},
			URL: mustURL(t, "https://cloud.mongodb.com/api/atlas/v2/groups/6a793f47c0eb9e7a17712883/clusters/Cluster0?envelope=true")},
		Response: recording.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"status":200}`)}}
	j := NewChecker(mustAtlasSpec(t), "").Check(t.Context(), in)
	require.Len(t, j.Findings, 1)
	assert.Equal(t, RuleEnvelopeShape, j.Findings[0].Rule)
	assert.Contains(t, j.Findings[0].Message, "ClusterDescription20240805")
	assert.NotContains(t, j.Findings[0].Message, "LegacyAtlasCluster")
}
