//go:build unix

// Unix only: the file names below hold a newline and an ESC, which
// Windows does not allow in a file name.

package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evil is text a pull request can put in a file name, a configuration
// file or a recording: a line break followed by a workflow command
// GitHub's runner obeys on stderr as on stdout, and a terminal escape.
const evil = "x\n::add-mask::secret\x1b[31m"

// assertNoRawText holds a stream free of the evil text as it is: no line
// starts with a workflow command, no ESC reaches the terminal.
func assertNoRawText(t *testing.T, what, out string) {
	t.Helper()
	assert.NotContains(t, out, "\n::add-mask::", what)
	assert.False(t, strings.HasPrefix(out, "::"), what)
	assert.NotContains(t, out, "\x1b", what)
}

// TestNoRawTextOnAnyStream feeds the four paths that print text from
// outside (an input error naming its file, a configuration file's glob,
// serve's start-up warnings, record's account of the server's answer) a
// newline, a workflow command and an ESC sequence: every stream gets them
// escaped.
func TestNoRawTextOnAnyStream(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	// An input error names the file.
	broken := filepath.Join(dir, "broken"+evil+".yaml")
	require.NoError(t, os.WriteFile(broken, []byte("version: 2\ninteractions: [\n"), 0o644))
	code, stdout, stderr := runIn(t, "check", "--offline", broken)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `brokenx\n::add-mask::secret\x1b[31m.yaml`, "the file is named, escaped")
	assertNoRawText(t, "input error: stderr", stderr)
	assertNoRawText(t, "input error: stdout", stdout)

	// A configuration file's glob is quoted in its error.
	cfg := filepath.Join(dir, "contractcheck.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("paths: [recs]\nwaivers:\n  - rule: body-schema\n    reason: r\n    file: \"[a"+yamlEscaped(evil)+"\"\n"), 0o644))
	code, stdout, stderr = runIn(t, "check", "--config", cfg)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "character classes are not supported")
	assertNoRawText(t, "config: stderr", stderr)
	assertNoRawText(t, "config: stdout", stdout)

	// serve warns at start about a recording that breaks the spec.
	bad, err := os.ReadFile(filepath.Join("..", "..", "contract", "testdata", "bad", "body-schema.yaml"))
	require.NoError(t, err)
	recs := filepath.Join(dir, "recs"+evil)
	require.NoError(t, os.MkdirAll(recs, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(recs, "bad.yaml"), bad, 0o644))
	_, serveStderr := startServe(t, recs)
	assert.Contains(t, serveStderr.String(), "breaks the spec")
	assertNoRawText(t, "serve: stderr", serveStderr.String())
}

// yamlEscaped writes s for a double-quoted YAML scalar: YAML refuses a
// raw control character, so the newline and the ESC are escapes there and
// raw text once parsed.
func yamlEscaped(s string) string {
	return strings.NewReplacer("\n", `\n`, "\x1b", `\e`).Replace(s)
}

// TestRecordTellsTheAnswerEscaped: record tells what the server answered,
// and the server's text reaches no stream raw. Not parallel: the
// credentials come from the environment.
func TestRecordTellsTheAnswerEscaped(t *testing.T) {
	t.Setenv("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_test")
	t.Setenv("MONGODB_ATLAS_CLIENT_SECRET", "mdb_sa_sk_test")
	dir := t.TempDir()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/oauth/token" {
			_, _ = w.Write([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":3600}`))
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":400,"errorCode":"BAD` + strings.ReplaceAll(evil, "\n", `\n`) + `","detail":"` + strings.ReplaceAll(evil, "\n", `\n`) + `","reason":"Bad Request"}`))
	}))
	defer srv.Close()
	code, stdout, stderr := runIn(t, "record", "--group-id", "6a7940722c88faeba59bf917", "--target", srv.URL, "-o", filepath.Join(dir, "out.yaml"))
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "the server answered")
	assertNoRawText(t, "record: stdout", stdout)
	assertNoRawText(t, "record: stderr", stderr)
}

// TestTargetSendsOnlyWhatTheOperationNeeds: a recorded request carrying
// proxy, rewrite and override headers reaches the target with Accept and
// the client's own headers only; a recorded project id that is plain but
// not a valid one is not sent at all when --group-id replaces the others.
func TestTargetSendsOnlyWhatTheOperationNeeds(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []http.Header
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		w.Header().Set("X-Content-Type", "application/vnd.atlas.2023-01-01+json")
		w.Header()["Content-Type"] = nil
	}))
	defer srv.Close()
	smuggled := []string{
		`{"name":"X-Original-URL","value":"/api/atlas/v2/groups/6a7940722c88faeba59bf917/clusters/production"}`,
		`{"name":"X-Rewrite-URL","value":"/admin"}`, `{"name":"X-Original-Method","value":"DELETE"}`,
		`{"name":"X-Forwarded-For","value":"10.0.0.1"}`, `{"name":"X-Forwarded-Host","value":"cloud.mongodb.com"}`,
		`{"name":"X-Api-Key","value":"recorded-key"}`, `{"name":"X-HTTP-Method-Override","value":"DELETE"}`,
	}
	upper := strings.Replace(deferURL, "6a7940722c88faeba59bf917", "6A7940722C88FAEBA59BF917", 1)
	// The refused one is judged as recorded: a 404 with its ApiError.
	notFound := strings.Replace(harEntry("POST", upper, []string{accept}, 404),
		`"headers":[],"content":{"size":0,"mimeType":""}`,
		`"headers":[{"name":"Content-Type","value":"application/json"}],"content":{"size":-1,"mimeType":"application/json","text":"{\"detail\":\"Cannot find resource.\",\"error\":404,\"errorCode\":\"RESOURCE_NOT_FOUND\",\"parameters\":[],\"reason\":\"Not Found\"}"}`, 1)
	har := writeHAR(t, t.TempDir(), "smuggle.har",
		harEntry("POST", deferURL, append([]string{accept}, smuggled...), 200), notFound)
	code, stdout, stderr := runIn(t, "check", "--target", srv.URL, "--group-id", "0123456789abcdef01234567", har)
	assert.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 1, "the request with the upper-case project id is not sent")
	for name := range seen[0] {
		assert.Contains(t, []string{"Accept", "Accept-Encoding", "User-Agent", "Content-Length"}, name, "only the headers the operation needs reach the target")
	}
	assert.Equal(t, "application/vnd.atlas.2023-01-01+json", seen[0].Get("Accept"))
	assert.Contains(t, stdout, "not-sent", "the refused one is reported")
	assert.Contains(t, stdout, "the recorded project id is not a valid one")
}

// TestAReportNeverReplacesAnInput: -o or --format X=FILE naming a
// recording, the configuration file or the spec file is refused, and the
// input is left as it was.
func TestAReportNeverReplacesAnInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	har := browserSession(t, dir)
	before, err := os.ReadFile(har)
	require.NoError(t, err)
	link := filepath.Join(dir, "link.har")
	require.NoError(t, os.Symlink(har, link))
	for _, args := range [][]string{
		{"--offline", "-o", har, har},
		{"--offline", "--format", "json=" + link, har},
		{"--offline", "--format", "sarif=" + filepath.Join(dir, ".", "session.har"), har},
	} {
		code, _, stderr := runIn(t, append([]string{"check"}, args...)...)
		assert.Equal(t, exitUsage, code, args)
		assert.Contains(t, stderr, "writing it would replace the input", args)
	}
	after, err := os.ReadFile(har)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after))
}
