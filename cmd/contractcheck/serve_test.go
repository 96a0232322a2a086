package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/serve"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// startServe runs serve with args until the test ends and returns its base URL.
func startServe(t *testing.T, args ...string) (base string, stderr *lockedBuffer) {
	t.Helper()
	base, _, stderr = startServeOut(t, args...)
	return base, stderr
}

// startServeOut is startServe that also returns what serve printed on stdout.
func startServeOut(t *testing.T, args ...string) (base string, stdout, stderr *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, append([]string{"serve"}, args...), stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	listening := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	require.Eventually(t, func() bool {
		m := listening.FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond, "stderr: %s", stderr.String())
	return base, stdout, stderr
}

// TestServeFakeWithNewFromEnv: a program configured by the environment,
// as MongoDB's tools are, works against `serve --fake` unchanged.
func TestServeFakeWithNewFromEnv(t *testing.T) {
	// Not parallel: it sets the credentials in the environment, as users do.
	state := filepath.Join(t.TempDir(), "state.yaml")
	require.NoError(t, os.WriteFile(state, []byte("projects:\n  - id: 6a7940722c88faeba59bf917\n    windowDefined: true\n    maintenanceScheduled: true\n    deferrals: 1\n"), 0o600))
	t.Setenv(atlas.EnvClientID, "mdb_sa_id_env")
	t.Setenv(atlas.EnvClientSecret, "mdb_sa_sk_env-do-not-leak")
	t.Setenv(atlas.EnvPublicAPIKey, "")
	t.Setenv(atlas.EnvPrivateAPIKey, "")
	base, token, stderr := startServeFake(t, "--state", state)
	t.Setenv(atlas.EnvBaseURL, base)

	client, err := atlas.NewFromEnv()
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, client.DeferMaintenanceWindow(ctx, "6a7940722c88faeba59bf917"))
	assert.True(t, atlas.HasErrorCode(client.DeferMaintenanceWindow(ctx, "6a7940722c88faeba59bf917"), "ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED"))
	assert.True(t, atlas.HasErrorCode(client.DeferMaintenanceWindow(ctx, "32b6e34b3d91647abb20e7b8"), atlas.CodeGroupNotFound), "the state file replaces the default project")

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/_contractcheck/fake/journal", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Contains(t, string(body), `"principal":"mdb_sa_id_env"`)
	assert.NotContains(t, string(body), "do-not-leak")
	assert.NotContains(t, stderr.String(), "do-not-leak")
	assert.NotContains(t, stderr.String(), "breaks the fragment")
}

func TestServeFakeDefaultsAndBadState(t *testing.T) {
	// Not parallel: it clears the credentials in the environment.
	for _, name := range []string{atlas.EnvClientID, atlas.EnvClientSecret, atlas.EnvPublicAPIKey, atlas.EnvPrivateAPIKey} {
		t.Setenv(name, "")
	}
	base, _ := startServe(t, "--fake")
	client, err := atlas.New(atlas.WithServer(base), atlas.WithAPIKey("atlastest", "atlastest-private-key"))
	require.NoError(t, err)
	require.NoError(t, client.DeferMaintenanceWindow(t.Context(), "32b6e34b3d91647abb20e7b8"), "the default project, scheduled")

	state := filepath.Join(t.TempDir(), "state.yaml")
	require.NoError(t, os.WriteFile(state, []byte("projects:\n  - id: 6a7940722c88faeba59bf917\n    windowDefined: true\n  - id: nope\n"), 0o600))
	code, _, stderr := runIn(t, "serve", "--fake", "--state", state)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "state.yaml:4: projects[1]")

	require.NoError(t, os.WriteFile(state, []byte("projects:\n  - id: 6a7940722c88faeba59bf917\n    sheduled: true\n"), 0o600))
	code, _, stderr = runIn(t, "serve", "--fake", "--state", state)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "state.yaml:3: unknown key \"sheduled\"")
}

// TestServeWarnsAboutBrokenRecordingsAndMounts: replay mode names the
// recordings that break the contract at start-up, and --mount strips
// incoming requests only.
func TestServeWarnsAboutBrokenRecordingsAndMounts(t *testing.T) {
	t.Parallel()
	bad := filepath.Join("..", "..", "contract", "testdata", "bad", "body-schema.yaml")
	good := filepath.Join("..", "..", "contract", "recordings")
	base, stderr := startServe(t, "--mount", "/atlas", bad, good)
	assert.Regexp(t, `warning: .*body-schema\.yaml #\d+ breaks the spec \(body-schema: `, stderr.String())

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/atlas/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.NotEqual(t, http.StatusNotImplemented, resp.StatusCode, "the recordings are routed as recorded")
	assert.Empty(t, resp.Header.Get(serve.MockHeader), "a recorded answer, not a refusal")
}

// TestServeFlagConventions: serve's flags follow the other subcommands'
// rules: a misspelt flag is a usage error with a suggestion, the body cap
// is range-checked, the mount is normalised, and -h lists every default.
func TestServeFlagConventions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--mout", "/atlas"}, "unknown flag: --mout; did you mean --mount?"},
		{[]string{"--max-body", "10"}, "did you mean --max-body-bytes?"},
		{[]string{"--max-body-bytes", "0"}, "--max-body-bytes 0 is out of range: want 1 to 1073741824"},
		{[]string{"--max-body-bytes", "1073741825"}, "want 1 to 1073741824"},
		{[]string{"--max-body-bytes", "-1"}, "want 1 to 1073741824"},
		{[]string{"--fake", "--max-body-bytes", "1024"}, "--fake reads none"},
		{[]string{"--fake", "--spec", "atlas"}, "--fake reads none"},
		{[]string{"--state", "state.yaml"}, "--state needs --fake"},
		{[]string{"--mount", "http://127.0.0.1/atlas"}, "--mount: mount \"http://127.0.0.1/atlas\" is a URL"},
		{[]string{"--mount", "/atlas?x=1"}, "without a query"},
	} {
		code, stdout, stderr := runIn(t, append([]string{"serve"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, tc.args)
		assert.Contains(t, stderr, tc.want, tc.args)
		assert.NotContains(t, stdout, "listening", tc.args)
	}

	help := mustHelp(t, "serve")
	for _, want := range []string{
		"--addr address           listen address (port 0: a free one; loopback unless told otherwise) (default \"127.0.0.1:0\")",
		"--max-body-bytes bytes   cap on every recorded body read, in bytes (1 to 1073741824); not with --fake (default 4194304)",
		"--mount prefix", "--fake                   serve the fake Atlas",
	} {
		assert.Contains(t, help, want)
	}
}

// TestServeNormalisesTheMount serves below a mount given without its
// leading slash and with a trailing one, in both modes.
func TestServeNormalisesTheMount(t *testing.T) {
	// Not parallel: it clears the credentials in the environment for --fake.
	for _, name := range []string{atlas.EnvClientID, atlas.EnvClientSecret, atlas.EnvPublicAPIKey, atlas.EnvPrivateAPIKey} {
		t.Setenv(name, "")
	}
	const path = "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/maintenanceWindow/defer"
	post := func(url string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp
	}
	for _, args := range [][]string{{"--mount", "atlas-proxy/"}, {"--fake", "--mount", " atlas-proxy/ "}} {
		base, _ := startServe(t, args...)
		resp := post(base + "/atlas-proxy" + path)
		assert.NotEqual(t, http.StatusNotImplemented, resp.StatusCode, "%v: below the mount the operation is routed", args)
		assert.NotEqual(t, http.StatusNotFound, resp.StatusCode, "%v: below the mount the operation is routed", args)
		resp = post(base + path)
		assert.Contains(t, []int{http.StatusNotFound, http.StatusNotImplemented}, resp.StatusCode, "%v: outside the mount nothing is routed", args)
	}
}

// TestServeOnAHARHonoursTheScope: serve on a browser's HAR keeps the
// operation's interactions only (the default scope), warns about none of
// the rest, and its banner says that replay answers without credentials;
// --scope all keeps the rest and warns about what breaks the spec.
func TestServeOnAHARHonoursTheScope(t *testing.T) {
	t.Parallel()
	har := browserSession(t, t.TempDir())

	base, stdout, stderr := startServeOut(t, har)
	assert.Contains(t, stdout.String(), "replay checks no credentials: every request is answered")
	assert.Contains(t, stdout.String(), "1 recorded answer of")
	assert.Contains(t, stdout.String(), "4 interactions outside the scope left out", "the token exchange, the preflight, another endpoint, a font")
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the recorded answer, to a request without credentials")
	assert.Empty(t, stderr.String(), "no warning about the entries outside the scope")

	_, stdout, stderr = startServeOut(t, "--scope", "all", har)
	assert.Contains(t, stdout.String(), "2 interactions outside the scope left out", "the token exchange and the preflight, in every scope")
	assert.Regexp(t, `#1 breaks the spec \(unknown-operation: [^\n]*\); it is not served\n`, stderr.String(), "the rest is judged, and warned about")
	assert.Contains(t, stderr.String(), "#4 breaks the spec (unknown-operation")
	assert.NotContains(t, stderr.String(), "#2 ", "the preflight is not")
}
