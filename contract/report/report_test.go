package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/golden")

// repoFS reads the contract package's folder, so findings name
// "testdata/bad/…" as a run from there would.
var repoFS = os.DirFS("..")

// stableMetadata fixes what changes from build to build (the module version,
// the spec's hash) so golden reports stay byte-stable.
func stableMetadata(r *contract.Report) {
	r.Tool.Version = "v0.0.0-golden"
	r.Spec.SHA256 = strings.Repeat("0", 64)
}

// badReport is the bad corpus with one waiver used, one unused: every part
// of a report filled.
func badReport(t *testing.T) *contract.Report {
	t.Helper()
	r, err := contract.Run(t.Context(), contract.Options{
		FS: repoFS, Paths: []string{"testdata/bad"}, MaxBodyBytes: 256, Cases: true, Config: "contractcheck.yaml",
		RequireCoverage: []contract.CoverageCell{{Status: 401, Envelope: contract.BothModes}},
		Waivers: []contract.Waiver{
			{Rule: contract.RuleAPIErrorCodeFormat, File: "api-error-code-format.yaml", Reason: "legacy code, see ticket 42", Source: "contractcheck.yaml", Line: 7},
			{Rule: contract.RuleEnvelopeShape, File: "none.har", Reason: "stale", Source: "contractcheck.yaml", Line: 11},
		},
	})
	require.NoError(t, err)
	stableMetadata(r)
	return r
}

func TestGoldenReports(t *testing.T) {
	t.Parallel()
	r := badReport(t)
	writers := map[string]func(io.Writer) error{
		"bad.txt":        func(w io.Writer) error { return Text(w, r, TextOptions{}) },
		"bad.json":       func(w io.Writer) error { return JSON(w, r) },
		"bad.xml":        func(w io.Writer) error { return JUnit(w, r) },
		"bad.github.txt": func(w io.Writer) error { return GitHub(w, r) },
		"bad.sarif":      func(w io.Writer) error { return SARIF(w, r) },
		"bad.md":         func(w io.Writer) error { return Markdown(w, r) },
	}
	for name, write := range writers {
		var buf bytes.Buffer
		require.NoError(t, write(&buf), name)
		path := filepath.Join("testdata", "golden", name)
		if *update {
			require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test ./contract/report -run TestGoldenReports -update")
		assert.Equal(t, string(want), buf.String(), "%s is stale: run go test ./contract/report -run TestGoldenReports -update", path)
	}
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

func TestJSONMatchesItsPublishedSchema(t *testing.T) {
	t.Parallel()
	s := schema(t, "report.schema.json")
	shipped, err := contract.Run(t.Context(), contract.Options{Shipped: true, Source: contract.Source{Offline: true}})
	require.NoError(t, err)
	for name, r := range map[string]*contract.Report{"bad corpus": badReport(t), "shipped": shipped, "empty": {}} {
		var buf bytes.Buffer
		require.NoError(t, JSON(&buf, r))
		if name == "empty" {
			// A Report not made by Run has no metadata: the schema says so.
			v, err := jsonschema.UnmarshalJSON(&buf)
			require.NoError(t, err)
			assert.Error(t, s.Validate(v))
			continue
		}
		validate(t, s, buf.Bytes(), name)
		var doc struct {
			Version int `json:"version"`
			FailOn  string
			Summary struct{ Interactions, Errors, Waived int }
		}
		require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
		assert.Equal(t, JSONVersion, doc.Version)
		assert.Equal(t, "error", doc.FailOn, "every report states the fail threshold")
		assert.Equal(t, r.Interactions, doc.Summary.Interactions)
	}
}

func TestSARIFIsValidAndComplete(t *testing.T) {
	t.Parallel()
	r := badReport(t)
	var buf bytes.Buffer
	require.NoError(t, SARIF(&buf, r))
	validate(t, schema(t, filepath.Join("testdata", "schema", "sarif-schema-2.1.0.json")), buf.Bytes(), "bad.sarif")
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
			Properties struct {
				Spec   contract.SpecInfo
				FailOn string
			}
		}
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &log))
	run := log.Runs[0]
	assert.Len(t, run.Tool.Driver.Rules, len(contract.Rules()))
	assert.Equal(t, "v0.0.0-golden", run.Tool.Driver.Version)
	assert.Equal(t, "openapi/fragment.yaml", run.Properties.Spec.Name)
	assert.Equal(t, "error", run.Properties.FailOn)
	suppressed, coverage := 0, 0
	for _, res := range run.Results {
		assert.Equal(t, res.RuleID, run.Tool.Driver.Rules[res.RuleIndex].ID)
		require.NotEmpty(t, res.Locations, "code scanning needs a location: %s", res.RuleID)
		switch res.RuleID {
		case string(contract.RuleCoverageMissing):
			coverage++
		case string(contract.RuleWaiverUnused):
		default:
			assert.NotNil(t, res.Locations[0].PhysicalLocation.Region, res.RuleID)
		}
		if len(res.Suppressions) > 0 {
			suppressed++
			assert.Equal(t, "legacy code, see ticket 42", res.Suppressions[0].Justification)
		}
	}
	assert.Equal(t, 1, suppressed)
	assert.Equal(t, 2, coverage, "coverage gives results only for the required cells that are missing (401 in both modes)")
}

func TestSARIFResultsAreBounded(t *testing.T) {
	t.Parallel()
	r := &contract.Report{FailOn: contract.SeverityError}
	for i := range SARIFMaxResults + 7 {
		r.Findings = append(r.Findings, contract.Finding{Rule: contract.RuleBodySchema, Severity: contract.SeverityError, File: "a.har", Line: i + 1, Interaction: i, Message: "m"})
	}
	var buf bytes.Buffer
	require.NoError(t, SARIF(&buf, r))
	var log struct {
		Runs []struct {
			Results    []json.RawMessage
			Properties struct{ OmittedResults int }
		}
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &log))
	assert.Len(t, log.Runs[0].Results, SARIFMaxResults)
	assert.Equal(t, 7, log.Runs[0].Properties.OmittedResults, "the log says how many were left out")
}

func TestJUnitNeedsCases(t *testing.T) {
	t.Parallel()
	r, err := contract.Run(t.Context(), contract.Options{Shipped: true})
	require.NoError(t, err)
	assert.ErrorContains(t, JUnit(io.Discard, r), "Options.Cases")

	r = badReport(t)
	var buf bytes.Buffer
	require.NoError(t, JUnit(&buf, r))
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
			Properties []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &suites))
	cases := 0
	for _, s := range suites.Suites {
		if s.Name != "coverage" && s.Name != "run" {
			cases += len(s.Cases)
		}
		props := map[string]string{}
		for _, p := range s.Properties {
			props[p.Name] = p.Value
		}
		assert.Equal(t, "error", props["fail-on"], s.Name)
		assert.Equal(t, "1", props["waived"], s.Name)
	}
	assert.Equal(t, len(r.Cases), cases, "one test case per interaction")
	assert.Positive(t, suites.Failures)
	assert.Contains(t, buf.String(), "waived (legacy code, see ticket 42): testdata/bad/api-error-code-format.yaml:26 #0 /errorCode: warning api-error-code-format")
}

// TestFailOnNoneIsStated: a configuration that turns errors into a passing
// run (fail-on: none, as a pull request may set) is said in every report.
func TestFailOnNoneIsStated(t *testing.T) {
	t.Parallel()
	r := badReport(t)
	r.FailOn = contract.FailNever
	require.False(t, r.Failed())
	errs := r.Summary().Errors
	require.Positive(t, errs)
	want := fmt.Sprintf("%d errors not failing the run", errs)
	for name, write := range map[string]func(io.Writer) error{
		"text":     func(w io.Writer) error { return Text(w, r, TextOptions{}) },
		"github":   func(w io.Writer) error { return GitHub(w, r) },
		"markdown": func(w io.Writer) error { return Markdown(w, r) },
	} {
		var buf bytes.Buffer
		require.NoError(t, write(&buf))
		assert.Contains(t, buf.String(), "fail-on: none", name)
		assert.Contains(t, buf.String(), want, name)
		assert.Contains(t, buf.String(), "1 waived", name)
	}
	var js, sarif, junit bytes.Buffer
	require.NoError(t, JSON(&js, r))
	assert.Contains(t, js.String(), `"failOn": "none"`)
	assert.Contains(t, js.String(), fmt.Sprintf(`"unfailing": %d`, errs))
	require.NoError(t, SARIF(&sarif, r))
	assert.Contains(t, sarif.String(), `"failOn": "none"`)
	require.NoError(t, JUnit(&junit, r))
	assert.Contains(t, junit.String(), `name="fail-on" value="none"`)
}

// TestRecordedTextIsEscapedEverywhere: terminal escapes and bidirectional
// controls in a file name or a finding reach no report raw.
func TestRecordedTextIsEscapedEverywhere(t *testing.T) {
	t.Parallel()
	const evil = "evil\x1b[2J\u202eylm.yaml"
	r := &contract.Report{
		Tool: contract.ToolInfo{Name: "contractcheck", Version: "v0"}, Spec: contract.SpecInfo{Name: "s", SHA256: strings.Repeat("0", 64)},
		FailOn: contract.SeverityError, Mode: "offline", Recordings: contract.RecordingsInfo{Kind: "files", Paths: []string{evil}},
		Files: []string{evil}, Interactions: 1,
		Findings: []contract.Finding{{Rule: contract.RuleBodySchema, Severity: contract.SeverityError, File: evil, Line: 3, Interaction: 0,
			Pointer: "/a\u202e", Message: "bad \u202e\x1b[31m value"}},
		Waived: []contract.WaivedFinding{{Finding: contract.Finding{Rule: contract.RuleContentType, Severity: contract.SeverityError, File: evil, Interaction: 0,
			Message: "waived \u202e"}, Reason: "because \u202e", WaiverSource: "c.yaml"}},
		Skipped: []contract.Skipped{{File: evil, Method: "GET\u202e", Path: "/x\x1b", Reason: "path outside the fragment"}}, SkippedTotal: 1,
	}
	r.Cases = caseOf(evil)
	for name, write := range map[string]func(io.Writer) error{
		"text":     func(w io.Writer) error { return Text(w, r, TextOptions{}) },
		"json":     func(w io.Writer) error { return JSON(w, r) },
		"junit":    func(w io.Writer) error { return JUnit(w, r) },
		"github":   func(w io.Writer) error { return GitHub(w, r) },
		"sarif":    func(w io.Writer) error { return SARIF(w, r) },
		"markdown": func(w io.Writer) error { return Markdown(w, r) },
	} {
		var buf bytes.Buffer
		require.NoError(t, write(&buf), name)
		assert.False(t, strings.ContainsAny(buf.String(), "\x1b\u202e"), "%s holds a raw ESC or U+202E", name)
	}
}

// caseOf is the one Case of a report built by hand, through a real run of
// an empty recording: Case's bookkeeping is the contract package's.
func caseOf(file string) []contract.Case {
	return []contract.Case{{File: file, Index: 0, Line: 3, Method: "POST", Path: "/x", Status: 200}}
}

func TestGitHubAnnotationsEscape(t *testing.T) {
	t.Parallel()
	r := &contract.Report{FailOn: contract.SeverityError, Findings: []contract.Finding{{
		Rule: contract.RuleBodySchema, Severity: contract.SeverityError, File: "recs/a,b:c.har", Line: 12, Interaction: 3,
		Pointer: "/detail", Message: "100% wrong\r\nsecond line\n::add-mask::x",
	}, {Rule: contract.RuleCoverageMissing, Severity: contract.SeverityError, Interaction: -1, Message: "no interaction exercises 200"}}}
	var buf bytes.Buffer
	require.NoError(t, GitHub(&buf, r))
	lines := strings.Split(buf.String(), "\n")
	assert.Equal(t, "::error file=recs/a%2Cb%3Ac.har,line=12,title=body-schema::interaction #3 at /detail: 100%25 wrong\\r\\nsecond line\\n::add-mask::x", lines[0],
		"control characters are escaped as in every report, so no line break reaches the log and no workflow command starts a line")
	assert.Equal(t, "::error title=coverage-missing::no interaction exercises 200", lines[1], "a required cell is its own annotation")
	for _, l := range lines[1:] {
		assert.False(t, strings.HasPrefix(l, "::add-mask::"), l)
	}
}

func TestSkippedInteractionsInJUnitAndGitHub(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "session.har")
	entry := func(method, url, extra string) string {
		return fmt.Sprintf(`{"startedDateTime":"2026-08-10T03:08:01Z","time":1,"request":{"method":%q,"url":%q,"httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Accept","value":"application/vnd.atlas.2023-01-01+json"}%s],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":200,"statusText":"","httpVersion":"HTTP/2.0","cookies":[],"headers":[],"content":{"size":0,"mimeType":""},"redirectURL":"","headersSize":-1,"bodySize":0},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}`, method, url, extra)
	}
	const deferURL = "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"
	har := `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[` + strings.Join([]string{
		entry("POST", "https://cloud.mongodb.com/api/oauth/token", ""),
		entry("GET", "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow", ""),
		entry("OPTIONS", deferURL, `,{"name":"Access-Control-Request-Method","value":"POST"}`),
		entry("POST", deferURL, ""),
		entry("GET", "https://fonts.example.com/inter.woff2", ""),
	}, ",\n") + "]}}"
	require.NoError(t, os.WriteFile(path, []byte(har), 0o644))
	r, err := contract.Run(t.Context(), contract.Options{Paths: []string{path}, Source: contract.Source{Offline: true}, Cases: true})
	require.NoError(t, err)
	var junit, gh bytes.Buffer
	require.NoError(t, JUnit(&junit, r))
	require.NoError(t, GitHub(&gh, r))
	assert.Contains(t, junit.String(), `tests="5" failures="0" errors="0" skipped="4"`)
	assert.Contains(t, junit.String(), `<skipped message="CORS preflight"></skipped>`)
	assert.Contains(t, gh.String(), "::notice title=contractcheck::skipped 4 interactions outside the scope (1 OAuth token endpoint, 2 path outside the fragment, 1 CORS preflight)")
}

// TestSkippedPastTheListAreCounted: past the skipped interactions a report
// lists (contract.MaxSkippedListed), the text, GitHub and Markdown reports
// break all of them down by reason, and JUnit counts the rest in a case.
func TestSkippedPastTheListAreCounted(t *testing.T) {
	t.Parallel()
	r := &contract.Report{Interactions: 1, Cases: []contract.Case{{File: "s.har", Index: 1}}, Skipped: []contract.Skipped{{File: "s.har", Interaction: 0, Reason: "path outside the fragment"}},
		SkippedTotal: 1005, SkippedReasons: map[string]int{"path outside the fragment": 1000, "CORS preflight": 5}}
	want := "1005 interactions outside the scope (1000 path outside the fragment, 5 CORS preflight)"
	var text, gh, md, junit bytes.Buffer
	require.NoError(t, Text(&text, r, TextOptions{}))
	require.NoError(t, GitHub(&gh, r))
	require.NoError(t, Markdown(&md, r))
	require.NoError(t, JUnit(&junit, r))
	assert.Contains(t, text.String(), "skipped "+want)
	assert.Contains(t, gh.String(), "skipped "+want)
	assert.Contains(t, md.String(), "1005 interactions outside the scope skipped (`1000 path outside the fragment, 5 CORS preflight`)")
	assert.Contains(t, junit.String(), `<testsuite name="outside the scope" tests="1" failures="0" errors="0" skipped="1">`)
	assert.Contains(t, junit.String(), "1004 more interactions outside the scope past the first 1 listed: 1005 interactions in all")
}

// TestNotSentIsSkippedInJUnit: in target mode, an interaction that was not
// sent and fails nothing is a skipped test case, its warning kept.
func TestNotSentIsSkippedInJUnit(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Content-Type", "application/vnd.atlas.2023-01-01+json")
		w.Header()["Content-Type"] = nil
	}))
	defer srv.Close()
	r, err := contract.Run(t.Context(), contract.Options{
		FS: repoFS, Paths: []string{"testdata/hostile/atlas-ui-export.har"}, Cases: true,
		Source: contract.Source{Target: srv.URL, GroupID: "0123456789abcdef01234567"},
	})
	require.NoError(t, err)
	var junit bytes.Buffer
	require.NoError(t, JUnit(&junit, r))
	assert.Equal(t, 1, strings.Count(junit.String(), `<skipped message="not sent to the target: POST /api/atlas/v2/groups/..%2Fclusters%2Fproduction/maintenanceWindow/defer`),
		"a not-sent interaction that fails nothing is skipped")
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
	assert.Equal(t, "note", sarifLevel(contract.SeverityInfo))
	assert.Equal(t, "warning", sarifLevel(contract.SeverityWarning))
}

// TestMarkdownRendersRecordedTextAsText: a message from a recording cannot
// become an image, a link, a mention, an emphasis or HTML in a job summary
// or a merge request comment.
func TestMarkdownRendersRecordedTextAsText(t *testing.T) {
	t.Parallel()
	r := &contract.Report{FailOn: contract.SeverityError, Findings: []contract.Finding{{Rule: contract.RuleBodySchema, Severity: contract.SeverityError,
		File: "a|b.har", Line: 3, Interaction: 0,
		Message: "![x](https://evil.example/p.png) [click](https://evil.example) @octocat #123 <script>alert(1)</script> **bold** _i_ | x\nnext https://evil.example :tada:"}}}
	var buf bytes.Buffer
	require.NoError(t, Markdown(&buf, r))
	out := buf.String()
	assert.Contains(t, out, "`a\\|b.har:3 #0`")
	row := out[strings.Index(out, "| ❌"):]
	row = row[:strings.Index(row, "\n")]
	cells := strings.Split(strings.ReplaceAll(row, `\|`, "¦"), "|")
	require.Len(t, cells, 6, "the pipe in the message does not split the row: %s", row)
	msg := strings.TrimSpace(cells[4])
	assert.True(t, strings.HasPrefix(msg, "`") && strings.HasSuffix(msg, "`") && strings.Count(msg, "`") == 2,
		"the message is one code span, where GitHub renders no image, link, mention, HTML or autolink: %s", msg)
	assert.NotContains(t, out, "\nnext", "a line break cannot end the table")
}

// TestTheLastLineSaysWhetherErrataApplied: a run against MongoDB's
// published spec names the errata overlay it applied, or says it applied
// none (--no-errata), in every format that names the spec; a fragment
// carries its errata and says nothing.
func TestTheLastLineSaysWhetherErrataApplied(t *testing.T) {
	t.Parallel()
	for spec, want := range map[contract.SpecInfo]string{
		{Name: "atlas", SHA256: "aa", Revision: "r", Errata: "0123456789abcdef"}: "errata 0123456789ab",
		{Name: "atlas", SHA256: "aa", Revision: "r"}:                             "no errata",
		{Name: "openapi/fragment.yaml", SHA256: "bb"}:                            "",
	} {
		r := &contract.Report{Spec: spec, Interactions: 1, Files: []string{"f.yaml"}, Cases: []contract.Case{{File: "f.yaml", Method: "POST", Path: "/x", Status: 200}}}
		out := map[string]*bytes.Buffer{}
		for name, write := range map[string]func(io.Writer) error{
			"text":     func(w io.Writer) error { return Text(w, r, TextOptions{}) },
			"github":   func(w io.Writer) error { return GitHub(w, r) },
			"markdown": func(w io.Writer) error { return Markdown(w, r) },
			"sarif":    func(w io.Writer) error { return SARIF(w, r) },
			"junit":    func(w io.Writer) error { return JUnit(w, r) },
		} {
			out[name] = &bytes.Buffer{}
			require.NoError(t, write(out[name]), name)
		}
		if want == "" {
			for _, name := range []string{"text", "github", "markdown", "junit"} {
				assert.NotContains(t, out[name].String(), "errata", name)
			}
			assert.NotContains(t, out["sarif"].String(), `"errata":`)
			assert.Contains(t, out["text"].String(), "against openapi/fragment.yaml (sha256 bb) with")
			continue
		}
		assert.Contains(t, out["text"].String(), "against atlas (sha256 aa, "+want+") with")
		assert.Contains(t, out["github"].String(), "against atlas (sha256 aa, "+want+"),")
		assert.Contains(t, out["markdown"].String(), "spec `atlas` (sha256 `aa`, "+want+")")
		assert.Contains(t, out["junit"].String(), `<property name="spec.errata" value="`+want+`">`)
		assert.Contains(t, out["sarif"].String(), `"revision": "r"`)
		if spec.Errata != "" {
			assert.Contains(t, out["sarif"].String(), `"errata": "0123456789abcdef"`)
		}
	}
}
