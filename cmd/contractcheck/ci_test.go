package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlascontract/deferwindow/openapi"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	deferURL = "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"
	accept   = `{"name":"Accept","value":"application/vnd.atlas.2023-01-01+json"}`
)

// harEntry is one HAR entry on one line.
func harEntry(method, url string, headers []string, status int) string {
	return fmt.Sprintf(`{"startedDateTime":"2026-08-10T03:08:01Z","time":1,"request":{"method":%q,"url":%q,"httpVersion":"HTTP/1.1","cookies":[],"headers":[%s],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":%d,"statusText":"","httpVersion":"HTTP/2.0","cookies":[],"headers":[],"content":{"size":0,"mimeType":""},"redirectURL":"","headersSize":-1,"bodySize":0},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}`,
		method, url, strings.Join(headers, ","), status)
}

// writeHAR writes a HAR file into dir whose entry i starts on line i+2.
func writeHAR(t *testing.T, dir, name string, entries ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	data := `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[` + "\n" + strings.Join(entries, ",\n") + "\n]}}\n"
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
	return path
}

// browserSession is a HAR of a browser session around one defer call.
func browserSession(t *testing.T, dir string) string {
	return writeHAR(t, dir, "session.har",
		harEntry("POST", "https://cloud.mongodb.com/api/oauth/token", nil, 200),
		harEntry("GET", strings.TrimSuffix(deferURL, "/defer"), []string{accept}, 200),
		harEntry("OPTIONS", deferURL, []string{`{"name":"Access-Control-Request-Method","value":"POST"}`}, 204),
		harEntry("POST", deferURL, []string{accept}, 200), // line 5
		harEntry("GET", "https://fonts.example.com/inter.woff2", nil, 200),
	)
}

var shippedDeferralLimit = filepath.Join("..", "..", "contract", "recordings", "defer-deferral-limit.yaml")

func TestNoSilentFallbackToTheShippedRecordings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "empty"), 0o755))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"find that matched nothing", []string{"check", "--offline"}, "no recordings to judge"},
		{"unexpanded glob", []string{"check", filepath.Join(dir, "recs", "*.har")}, "matches no recording"},
		{"folder without recordings", []string{"check", filepath.Join(dir, "empty")}, "no recordings in this folder"},
		{"missing file", []string{filepath.Join(dir, "recs", "a.har")}, "a.har"},
	} {
		code, stdout, stderr := runIn(t, tc.args...)
		assert.Equal(t, exitUsage, code, tc.name)
		assert.Contains(t, stderr, tc.want, tc.name)
		assert.Empty(t, stdout, "%s: no report of something else", tc.name)
	}

	// Every format names the source.
	out := t.TempDir()
	code, stdout, stderr := runIn(t, "check", "--shipped", "--offline", "--format", "text",
		"--format", "json="+filepath.Join(out, "r.json"), "--format", "junit="+filepath.Join(out, "r.xml"),
		"--format", "sarif="+filepath.Join(out, "r.sarif"))
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "judged the recordings shipped in contractcheck against openapi/fragment.yaml (sha256 ")
	var js struct {
		Recordings struct {
			Kind string `json:"kind"`
		} `json:"recordings"`
		Spec struct {
			SHA256 string `json:"sha256"`
		} `json:"spec"`
		Tool struct {
			Version string `json:"version"`
		} `json:"tool"`
	}
	require.NoError(t, json.Unmarshal(readFile(t, filepath.Join(out, "r.json")), &js))
	assert.Equal(t, "shipped", js.Recordings.Kind)
	assert.Regexp(t, "^[0-9a-f]{64}$", js.Spec.SHA256)
	assert.NotEmpty(t, js.Tool.Version)
	assert.Contains(t, string(readFile(t, filepath.Join(out, "r.xml"))), `<property name="recordings" value="the recordings shipped in contractcheck">`)
	assert.Contains(t, string(readFile(t, filepath.Join(out, "r.sarif"))), `"kind": "shipped"`)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

func TestScopeThroughTheCLI(t *testing.T) {
	t.Parallel()
	har := browserSession(t, t.TempDir())
	code, stdout, stderr := runIn(t, "check", "--offline", har)
	require.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
	assert.Contains(t, stdout, "1 interaction in 1 file (offline): 0 errors")
	assert.Contains(t, stdout, "4 skipped")
	assert.Contains(t, stdout, "CORS preflight")

	// All: the browser's preflight is skipped still, in every scope.
	code, stdout, _ = runIn(t, "check", "--offline", "--scope", "all", har)
	assert.Equal(t, exitFindings, code)
	assert.Equal(t, 2, strings.Count(stdout, "unknown-operation"))
	assert.Contains(t, stdout, har+":3 #1: error unknown-operation", "file:line in the text report")

	code, stdout, _ = runIn(t, "check", "--offline", "--scope", "all", "--host", "cloud.mongodb.com", har)
	assert.Equal(t, exitFindings, code)
	assert.Equal(t, 1, strings.Count(stdout, "unknown-operation"))

	code, _, stderr = runIn(t, "check", "--offline", "--scope", "api", har)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "want fragment or all")
}

func TestMountIsNormalisedAndSuggested(t *testing.T) {
	t.Parallel()
	proxied := strings.Replace(deferURL, "/api/", "/atlas-proxy/api/", 1)
	har := writeHAR(t, t.TempDir(), "proxied.har", harEntry("POST", proxied, []string{accept}, 200), harEntry("POST", proxied, []string{accept}, 200))
	code, _, stderr := runIn(t, "check", "--offline", har)
	assert.Equal(t, exitUsage, code, "nothing judged is not a pass")
	assert.Contains(t, stderr, "no interaction was judged")
	assert.Contains(t, stderr, "try --mount /atlas-proxy")
	for _, mount := range []string{"atlas-proxy", "/atlas-proxy/"} {
		code, stdout, stderr := runIn(t, "check", "--offline", "--mount", mount, har)
		assert.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
		assert.Contains(t, stdout, "2 interactions in 1 file")
	}
}

func TestRequireCoverageCells(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flag   string
		code   int
		errors string
	}{
		{"--require-coverage=200:plain,400:plain", exitOK, "0 errors"},
		{"--require-coverage=200,400,429", exitFindings, "1 error"},   // 429 in either mode
		{"--require-coverage=200:both,429", exitFindings, "2 errors"}, // 200 with envelope=true; 429
		{"--require-coverage", exitFindings, "errors, 0 warnings"},    // every missing cell is an error
		{"--require-coverage=false", exitOK, "0 errors"},
	} {
		code, stdout, stderr := runIn(t, "check", "--offline", tc.flag, shippedDeferralLimit)
		assert.Equal(t, tc.code, code, "%s\n%s%s", tc.flag, stdout, stderr)
		assert.Contains(t, stdout, tc.errors, tc.flag)
	}
	code, _, stderr := runIn(t, "check", "--offline", "--require-coverage=200,418", shippedDeferralLimit)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "418 is not declared")
}

// TestConfigFileInTheWorkingDirectory changes the working directory: not
// parallel.
func TestConfigFileInTheWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	browserSession(t, filepath.Join(dir, "recs"))
	writeHAR(t, filepath.Join(dir, "recs"), "legacy/old.har", harEntry("GET", deferURL, []string{accept}, 200))
	write := func(content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "contractcheck.yaml"), []byte(content), 0o644))
	}
	t.Chdir(dir)

	write("paths: [recs]\nmount: /\n")
	code, stdout, stderr := runIn(t, "--offline")
	assert.Equal(t, exitFindings, code, "stdout: %s\nstderr: %s", stdout, stderr)
	assert.Contains(t, stdout, "recs/legacy/old.har:2 #0: error unknown-operation")
	assert.Contains(t, stdout, "(from contractcheck.yaml)")

	write("paths: [recs]\nwaivers:\n  - rule: unknown-operation\n    file: recs/legacy/*.har\n    reason: the old gateway answered GET\n  - rule: body-schema\n    reason: never used\n")
	code, stdout, stderr = runIn(t, "--offline")
	assert.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
	assert.Contains(t, stdout, "waived unknown-operation")
	assert.Contains(t, stdout, "contractcheck.yaml:6: warning waiver-unused")
	code, _, _ = runIn(t, "--offline", "--fail-on", "warning")
	assert.Equal(t, exitFindings, code, "an unused waiver is a warning")

	write("paths: [recs]\nwaivers:\n  - rule: unknown-operation\n    file: recs/legacy/*.har\n    reason: the old gateway answered GET\n    expires: 2020-01-01\n")
	code, stdout, _ = runIn(t, "--offline")
	assert.Equal(t, exitFindings, code, "an expired waiver waives nothing")
	assert.Contains(t, stdout, "contractcheck.yaml:3: warning waiver-expired")

	write("paths: [recs/*.yaml]\n")
	code, _, stderr = runIn(t, "--offline")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "matches no recording")

	write("scope:\n  mode: all\n")
	code, _, stderr = runIn(t, "--offline")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "contractcheck.yaml lists no paths")

	write("paths: [recs]\nfailon: warning\n")
	code, _, stderr = runIn(t, "--offline")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `contractcheck.yaml:2: unknown key "failon"`)

	// Flags override the file; --shipped ignores the file in the working directory.
	write("paths: [recs]\nscope:\n  mode: all\n")
	code, _, _ = runIn(t, "--offline", "--scope", "fragment", filepath.Join("recs", "session.har"))
	assert.Equal(t, exitOK, code)
	code, stdout, _ = runIn(t, "check", "--shipped", "--offline")
	assert.Equal(t, exitOK, code)
	assert.NotContains(t, stdout, "contractcheck.yaml")
}

func TestExplicitConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	browserSession(t, filepath.Join(dir, "recs"))
	cfg := filepath.Join(dir, "ci.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("paths: [recs]\nscope:\n  mode: all\n  hosts: [cloud.mongodb.com]\n"), 0o644))
	code, stdout, stderr := runIn(t, "check", "--offline", "--config", cfg)
	assert.Equal(t, exitFindings, code, stderr)
	assert.Equal(t, 1, strings.Count(stdout, "unknown-operation"), "paths relative to the file, scope and hosts from it (the browser's preflight is skipped in every scope)")
	code, _, stderr = runIn(t, "check", "--config", filepath.Join(dir, "none.yaml"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "none.yaml")

	// A spec file the configuration names but that is not there is the
	// file's line, not a flag the user never gave.
	require.NoError(t, os.WriteFile(cfg, []byte("paths: [recs]\nspec: specs/v2.yaml\n"), 0o644))
	code, _, stderr = runIn(t, "check", "--offline", "--config", cfg)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, cfg+":2: spec: open "+filepath.Join(dir, "specs", "v2.yaml"))
	assert.NotContains(t, stderr, "--spec")
	code, _, stderr = runIn(t, "check", "--offline", "--config", cfg, "--spec", filepath.Join(dir, "flag.yaml"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--spec: open "+filepath.Join(dir, "flag.yaml"), "the flag wins, and is named")
}

// TestLinesInEveryReport: a finding about the body names the body's line
// (27), in every format; the interaction (a JUnit test case) is named by
// its first line (6).
func TestLinesInEveryReport(t *testing.T) {
	t.Parallel()
	bad := filepath.Join("..", "..", "contract", "testdata", "bad", "client-decode.yaml")
	out := t.TempDir()
	code, stdout, stderr := runIn(t, "check", bad, "--format", "text", "--format", "json="+filepath.Join(out, "r.json"),
		"--format", "junit="+filepath.Join(out, "r.xml"), "--format", "github="+filepath.Join(out, "r.txt"))
	require.Equal(t, exitFindings, code, stderr)
	assert.Contains(t, stdout, bad+":27 #0: error client-decode")
	var js struct {
		Findings []struct {
			Line int    `json:"line"`
			File string `json:"file"`
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal(readFile(t, filepath.Join(out, "r.json")), &js))
	assert.Equal(t, 27, js.Findings[0].Line)
	var junit struct {
		Suites []struct {
			Cases []struct {
				File string `xml:"file,attr"`
				Line int    `xml:"line,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(readFile(t, filepath.Join(out, "r.xml")), &junit))
	assert.Equal(t, 6, junit.Suites[0].Cases[0].Line)
	assert.Equal(t, bad, junit.Suites[0].Cases[0].File)
	assert.Contains(t, string(readFile(t, filepath.Join(out, "r.txt"))), "::error file="+bad+",line=27,title=client-decode::")
}

func stat(t *testing.T, path string) fs.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi
}

func TestMaxBodyBytesRange(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"0", "-1", "1073741825", "4611686018427387904", "9223372036854775807"} {
		code, _, stderr := runIn(t, "check", "--shipped", "--offline", "--max-body-bytes", v)
		assert.Equal(t, exitUsage, code, v)
		assert.Contains(t, stderr, "--max-body-bytes", v)
		assert.Contains(t, stderr, "want 1 to 1073741824", v)
	}
	code, _, stderr := runIn(t, "check", "--shipped", "--offline", "--max-body-bytes", "1073741824")
	assert.Equal(t, exitOK, code, stderr)
}

func TestVersionAndUnknownCommands(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, _ := runIn(t, args...)
		assert.Equal(t, exitOK, code)
		assert.Regexp(t, `^contractcheck \S+, module github.com/atlascontract/deferwindow\nfragment openapi/fragment.yaml sha256 [0-9a-f]{64}\n`, stdout)
	}
	code, _, stderr := runIn(t, "version", "extra")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `unknown command "extra" for "contractcheck version"`)

	for _, tc := range []struct{ arg, want string }{
		{"chek", `did you mean "check"?`},
		{"versoin", `did you mean "version"?`},
		{"serv", `did you mean "serve"?`},
		{"frobnicate", "unknown command"},
	} {
		code, stdout, stderr := runIn(t, tc.arg)
		assert.Equal(t, exitUsage, code, tc.arg)
		assert.Contains(t, stderr, tc.want, tc.arg)
		assert.Empty(t, stdout, tc.arg)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--taget", "http://127.0.0.1:1"}, "did you mean --target?"},
		{[]string{"check", "--fail-no", "error"}, "did you mean --fail-on?"},
		{[]string{"record", "--ouput", "x"}, "did you mean --output?"},
		{[]string{"serve", "--fak"}, "did you mean --fake?"},
	} {
		code, _, stderr := runIn(t, tc.args...)
		assert.Equal(t, exitUsage, code, tc.args)
		assert.Contains(t, stderr, tc.want, tc.args)
	}
}

// TestHelpListsEveryFlag reads each command's -h: on standard output,
// exit 0, every flag the command defines.
func TestHelpListsEveryFlag(t *testing.T) {
	t.Parallel()
	root := newRootCommand(io.Discard, io.Discard)
	for _, cmd := range root.Commands() {
		name := cmd.Name()
		if name == "help" || name == "completion" {
			continue
		}
		code, stdout, stderr := runIn(t, name, "-h")
		assert.Equal(t, exitOK, code, name)
		assert.Empty(t, stderr, "%s -h writes to standard output", name)
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			assert.Contains(t, stdout, "--"+f.Name, "%s -h lists --%s", name, f.Name)
		})
	}
	assert.Contains(t, mustHelp(t, "check"), "--require-coverage cells[=\"all:both\"]")
	assert.Contains(t, mustHelp(t, "check"), "--scope mode")
}

func mustHelp(t *testing.T, cmd string) string {
	_, stdout, _ := runIn(t, cmd, "-h")
	return stdout
}

func TestRequireCoverageValueAfterASpace(t *testing.T) {
	t.Parallel()
	code, _, stderr := runIn(t, "check", "--offline", "--require-coverage", "200,400", shippedDeferralLimit)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--require-coverage=200,400")
}

func TestRecordWritesTheCassetteToStandardOutput(t *testing.T) {
	// Not parallel: it sets the credentials in the environment.
	srv := startMock(t)
	t.Setenv("MONGODB_ATLAS_BASE_URL", srv.URL)
	t.Setenv("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_example")
	t.Setenv("MONGODB_ATLAS_CLIENT_SECRET", "mdb_sa_sk_0123456789abcdef-stdout")
	code, stdout, stderr := runIn(t, "record", "--group-id", "6a7940722c88faeba59bf917", "--output", "-")
	require.Equal(t, exitOK, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "---\nversion: 2\n"), "standard output holds the cassette alone:\n%s", stdout)
	assert.Contains(t, stderr, "wrote 2 interactions to -")
}

// TestNoConfigIgnoresTheWorkingDirectorysFile: contractcheck.yaml in the
// working directory is read unless --no-config says not to. Not parallel:
// it changes the working directory.
func TestNoConfigIgnoresTheWorkingDirectorysFile(t *testing.T) {
	dir := t.TempDir()
	bad, err := os.ReadFile(filepath.Join("..", "..", "contract", "testdata", "bad", "body-schema.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "recs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "recs", "bad.yaml"), bad, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "contractcheck.yaml"), []byte("paths: [recs]\nfail-on: none\n"), 0o644))
	t.Chdir(dir)

	code, stdout, stderr := runIn(t, "check", "--offline")
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "(from contractcheck.yaml)", "the file is read by default")
	assert.Contains(t, stdout, "fail-on: none (3 errors not failing the run)")

	code, stdout, stderr = runIn(t, "check", "--offline", "--no-config", "recs/bad.yaml")
	assert.Equal(t, exitFindings, code, stderr)
	assert.NotContains(t, stdout, "contractcheck.yaml", "neither its paths nor its fail-on")

	code, _, stderr = runIn(t, "check", "--offline", "--no-config")
	assert.Equal(t, exitUsage, code, "no paths of its own, and the file's are ignored")
	assert.Contains(t, stderr, "no recordings")

	code, _, stderr = runIn(t, "check", "--no-config", "--config", "contractcheck.yaml")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--no-config and --config exclude each other")
}

// TestReportsNeverLandOnInputs: before the run, a report is refused over a
// recording inside a folder given as input, under a name such a folder is
// read for, into a folder that does not exist, and twice to one file
// spelled two ways; a report of another name in the folder is written.
func TestReportsNeverLandOnInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recs := filepath.Join(dir, "recs")
	har := browserSession(t, recs)
	before, err := os.ReadFile(har)
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		format []string
		want   string
	}{
		{"over a recording in the folder", []string{"json=" + har}, "a folder of recordings the run reads"},
		{"a name the folder is read for", []string{"json=" + filepath.Join(recs, "report.json")}, "a folder of recordings the run reads"},
		{"a folder that does not exist", []string{"sarif=" + filepath.Join(dir, "r.sarif"), "json=" + filepath.Join(dir, "nodir", "r.json")}, "the folder " + filepath.Join(dir, "nodir") + " does not exist"},
		{"one file spelled two ways", []string{"json=" + filepath.Join(dir, "r.json"), "sarif=" + dir + string(filepath.Separator) + "." + string(filepath.Separator) + "r.json"}, "both write to"},
	} {
		args := []string{"check", "--no-config", "--offline", recs}
		for _, f := range tc.format {
			args = append(args, "--format", f)
		}
		code, _, stderr := runIn(t, args...)
		assert.Equal(t, exitUsage, code, tc.name)
		assert.Contains(t, stderr, tc.want, tc.name)
		_, err := os.Stat(filepath.Join(dir, "r.sarif"))
		assert.ErrorIs(t, err, os.ErrNotExist, "%s: nothing is written before the run", tc.name)
	}
	after, err := os.ReadFile(har)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the recording is untouched")

	// The folder given relative to the working directory, as people give it.
	wd, err := os.Getwd()
	require.NoError(t, err)
	rel, err := filepath.Rel(wd, recs)
	require.NoError(t, err)
	code, _, stderr := runIn(t, "check", "--no-config", "--offline", rel, "--format", "json="+filepath.Join(rel, "out.json"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "a folder of recordings the run reads")

	code, _, stderr = runIn(t, "check", "--no-config", "--offline", recs, "--format", "text="+filepath.Join(recs, "report.txt"),
		"--format", "json="+filepath.Join(recs, ".report.json"))
	assert.Equal(t, exitOK, code, stderr)
	assert.FileExists(t, filepath.Join(recs, "report.txt"), "a name the folder is not read for")
	assert.FileExists(t, filepath.Join(recs, ".report.json"), "a hidden name, which the walk skips")

	// A link elsewhere whose target is a recording, or a name the folder
	// is read for: the report would be written through it.
	link := filepath.Join(dir, "r.json")
	if err := os.Symlink(har, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	code, _, stderr = runIn(t, "check", "--no-config", "--offline", recs, "--format", "json="+link)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "a folder of recordings the run reads")
	dangling := filepath.Join(dir, "d.json")
	require.NoError(t, os.Symlink(filepath.Join(recs, "new.json"), dangling))
	code, _, stderr = runIn(t, "check", "--no-config", "--offline", recs, "--format", "json="+dangling)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "a folder of recordings the run reads")
	after, err = os.ReadFile(har)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the recording is untouched")

	// A folder the walk reaches through a link inside the recordings.
	out := filepath.Join(dir, "out")
	require.NoError(t, os.Mkdir(out, 0o755))
	if err := os.Symlink(out, filepath.Join(recs, "link")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	code, _, stderr = runIn(t, "check", "--no-config", "--offline", recs, "--format", "json="+filepath.Join(out, "r.json"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "a folder of recordings the run reads")
}

// TestSpecFileWarningsAndLimits: what loading a spec file resolved on its
// own is said on standard error; a spec file of another revision that the
// errata do not fit is refused with the way out; a file over the size
// limit is refused before it is read.
func TestSpecFileWarningsAndLimits(t *testing.T) {
	t.Parallel()
	recs := filepath.Join("..", "..", "contract", "testdata", "atlascli", "clusters-clustersfile.yaml")
	dir := t.TempDir()
	// A spec of one operation: most errata find nothing to correct.
	small := filepath.Join(dir, "small.yaml")
	require.NoError(t, os.WriteFile(small, []byte("openapi: 3.0.1\ninfo: {title: Small, version: \"2.0\"}\npaths:\n  /api/atlas/v2/groups:\n    get:\n      operationId: listGroups\n      responses:\n        \"200\": {description: OK}\n"), 0o644))
	_, _, stderr := runIn(t, "check", "--no-config", "--offline", "--spec", small, recs) // judges nothing: no matter
	assert.Contains(t, stderr, "small.yaml: warning: errata-unmatched")
	assert.Equal(t, maxSpecWarnings, strings.Count(stderr, ": warning: "), "at most maxSpecWarnings lines")
	assert.Regexp(t, `small.yaml: and \d+ more warnings`, stderr)

	older := filepath.Join(dir, "older.yaml")
	require.NoError(t, os.WriteFile(older, []byte("openapi: 3.0.1\ninfo: {title: Older, version: \"2.0\"}\npaths:\n  /api/atlas/v2/users:\n    post:\n      operationId: createUser\n      responses:\n        \"200\": {description: OK}\n"), 0o644))
	code, _, stderr := runIn(t, "check", "--no-config", "--offline", "--scope", "all", "--spec", older, recs)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "the errata overlay does not fit this revision")
	assert.Contains(t, stderr, "--no-errata judges it as MongoDB wrote it")

	huge := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(huge)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(openapi.MaxSpecSize+1)) // sparse: nothing written
	require.NoError(t, f.Close())
	code, _, stderr = runIn(t, "check", "--no-config", "--offline", "--spec", huge, recs)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "is over 64 MB")
}

// TestEveryProblemOnItsOwnLine: the problems of a configuration file are
// each on a line of their own, never joined by an escaped newline.
func TestEveryProblemOnItsOwnLine(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "cc.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("paths: [x]\nfailon: error\nwaivers:\n  - rule: body-schema\n"), 0o644))
	code, _, stderr := runIn(t, "check", "--config", cfg)
	assert.Equal(t, exitUsage, code)
	assert.NotContains(t, stderr, `\n`)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	require.Len(t, lines, 2, stderr)
	assert.Contains(t, stderr, cfg+`:2: unknown key "failon"; did you mean "fail-on"?`)
	assert.Contains(t, stderr, "a waiver needs a reason")
	code, _, stderr = runIn(t, "check", "--no-config")
	assert.Equal(t, exitUsage, code)
	assert.NotContains(t, stderr, `\n`)
}
