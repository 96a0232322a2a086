package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	atlas "github.com/atlascontract/deferwindow/gen"
)

// startServeFake runs serve --fake with args until the test ends and
// returns its base URL (on loopback), its control token and its stderr.
func startServeFake(t *testing.T, args ...string) (base, token string, stderr *lockedBuffer) {
	t.Helper()
	base, token, _, stderr = startServeFakeOut(t, args...)
	return base, token, stderr
}

func startServeFakeOut(t *testing.T, args ...string) (base, token string, stdout, stderr *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, append([]string{"serve", "--fake"}, args...), stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	listening := regexp.MustCompile(`listening on http://\S*:(\d+) `)
	control := regexp.MustCompile(`Authorization: Bearer (\S+)`)
	require.Eventually(t, func() bool {
		out := stdout.String()
		m, c := listening.FindStringSubmatch(out), control.FindStringSubmatch(out)
		if m != nil && c != nil {
			base, token = "http://127.0.0.1:"+m[1], c[1]
		}
		return m != nil && c != nil
	}, 10*time.Second, 10*time.Millisecond, "stderr: %s", stderr.String())
	return base, token, stdout, stderr
}

func clearCredentials(t *testing.T) {
	for _, name := range []string{atlas.EnvClientID, atlas.EnvClientSecret, atlas.EnvPublicAPIKey, atlas.EnvPrivateAPIKey, envControlToken} {
		t.Setenv(name, "")
	}
}

// controlCall sends a control request to a serve --fake.
func controlCall(t *testing.T, base, token, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, base+"/_contractcheck/fake/"+path, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode, string(b)
}

// TestServeFakeReportsViolations: serve --fake judges every answer on its
// way out: an undeclared status the fake was scripted to give is reported
// on stderr, a proxy's page it was scripted to give is not, and the
// control API needs the token printed at start.
func TestServeFakeReportsViolations(t *testing.T) {
	// Not parallel: it clears the credentials in the environment.
	clearCredentials(t)
	base, token, stderr := startServeFake(t, "--mount", "/atlas")
	status, _ := controlCall(t, base, "", http.MethodPost, "projects/32b6e34b3d91647abb20e7b8/script", `[{"status":503}]`)
	assert.Equal(t, http.StatusUnauthorized, status, "no token")
	status, body := controlCall(t, base, token, http.MethodPost, "projects/32b6e34b3d91647abb20e7b8/script", `[{"proxyHTML":true},{"status":503}]`)
	require.Equal(t, http.StatusOK, status, body)

	client, err := atlas.New(atlas.WithServer(base+"/atlas"), atlas.WithAPIKey("atlastest", "atlastest-private-key"))
	require.NoError(t, err)
	var e *atlas.Error
	require.ErrorAs(t, client.DeferMaintenanceWindow(t.Context(), "32b6e34b3d91647abb20e7b8"), &e)
	assert.Equal(t, 502, e.StatusCode)
	assert.NotContains(t, stderr.String(), "breaks the fragment", "a fault asked for is not reported")
	require.ErrorAs(t, client.DeferMaintenanceWindow(t.Context(), "32b6e34b3d91647abb20e7b8"), &e)
	assert.Equal(t, 503, e.StatusCode)
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "breaks the fragment") }, 5*time.Second, 10*time.Millisecond)
	assert.Regexp(t, `contractcheck serve: the fake's the answer to POST /api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/maintenanceWindow/defer \(503\) breaks the fragment: status-undeclared: `, stderr.String())
	assert.Equal(t, 1, strings.Count(stderr.String(), "breaks the fragment"), "the 401 challenges and the 200s conform: %s", stderr.String())
	require.NoError(t, client.DeferMaintenanceWindow(t.Context(), "32b6e34b3d91647abb20e7b8"))
}

// TestServeFakeEnvelopeStatusOK (issue 16, point 3): envelopeStatusOK in
// the state file sends enveloped answers with transport status 200, as
// WithEnvelopeStatusOK does in Go.
func TestServeFakeEnvelopeStatusOK(t *testing.T) {
	// Not parallel: it clears the credentials in the environment.
	clearCredentials(t)
	for _, tc := range []struct {
		state string
		want  int
	}{
		{"projects:\n  - id: 6a7940722c88faeba59bf917\n    windowDefined: true\nenvelopeStatusOK: true\n", 200},
		{"projects:\n  - id: 6a7940722c88faeba59bf917\n    windowDefined: true\n", 400},
	} {
		state := filepath.Join(t.TempDir(), "state.yaml")
		require.NoError(t, os.WriteFile(state, []byte(tc.state), 0o600))
		base, _, _ := startServeFake(t, "--state", state)
		client, err := atlas.New(atlas.WithServer(base), atlas.WithServiceAccount(atlasDefaultSA()), atlas.WithEnvelope(true))
		require.NoError(t, err)
		var seen int
		client2, err := atlas.New(atlas.WithServer(base), atlas.WithServiceAccount(atlasDefaultSA()), atlas.WithEnvelope(true),
			atlas.WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
				resp, err := http.DefaultTransport.RoundTrip(r)
				if err == nil && strings.Contains(r.URL.Path, "/maintenanceWindow/") {
					seen = resp.StatusCode
				}
				return resp, err
			})))
		require.NoError(t, err)
		assert.True(t, atlas.HasErrorCode(client.DeferMaintenanceWindow(t.Context(), "6a7940722c88faeba59bf917"), atlas.CodeMaintenanceNotScheduled))
		assert.True(t, atlas.HasErrorCode(client2.DeferMaintenanceWindow(t.Context(), "6a7940722c88faeba59bf917"), atlas.CodeMaintenanceNotScheduled))
		assert.Equal(t, tc.want, seen, tc.state)
	}
}

func atlasDefaultSA() (string, string) { return "mdb_sa_id_atlastest", "mdb_sa_sk_atlastest" }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestServeFakeStateErrors (issue 16, point 17; issue 17, point 21): every
// problem of a state file at once, each with the file and its line, an
// unknown key with the nearest known one.
func TestServeFakeStateErrors(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "state.yaml")
	require.NoError(t, os.WriteFile(state, []byte(`projects:
  - id: 32b6e34b3d91647abb20e7b8
    windowDefined: true
    maintenanceScheduled: yes please
    deferals: 1
  - id: 32b6e34b3d91647abb20e7b8
    deferrals: 3
tokenLifetime: -1h
rateLimit: {limit: 0, per: 60s, burst: 3}
envelopeStatusOK: true
envelopeStatusOK: false
`), 0o600))
	code, stdout, stderr := runIn(t, "serve", "--fake", "--state", state)
	assert.Equal(t, exitUsage, code)
	assert.NotContains(t, stdout, "listening")
	for _, want := range []string{
		"state.yaml:4: projects[0].maintenanceScheduled: want true or false",
		`state.yaml:5: unknown key "deferals"; did you mean "deferrals"?`,
		"state.yaml:6: projects[1].id: project 32b6e34b3d91647abb20e7b8 is already projects[0]",
		"state.yaml:7: projects[1].deferrals: 3; want 0 to 2",
		"state.yaml:8: tokenLifetime: -1h0m0s; want at least 1s",
		"state.yaml:9: rateLimit.limit: 0; want 1 to 1000000",
		`state.yaml:9: unknown key "burst"; want limit, per`,
		"state.yaml:11: envelopeStatusOK is given twice (first on line 10)",
	} {
		assert.Contains(t, stderr, want)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	assert.Len(t, lines, 8, "one line per problem: %s", stderr)
	prev := 0
	for _, l := range lines {
		m := regexp.MustCompile(`state\.yaml:(\d+): `).FindStringSubmatch(l)
		require.NotNil(t, m, l)
		n, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		assert.GreaterOrEqual(t, n, prev, "in the file's order: %s", stderr)
		prev = n
	}

	for content, want := range map[string]string{
		"tokenLifetime: 2562047h\n":                 "state.yaml:1: tokenLifetime: 2562047h0m0s; want at most 8760h0m0s",
		"tokenLifetime: 0s\n":                       "state.yaml:1: tokenLifetime: 0s; want a positive duration",
		"tokenLifetime: soon\n":                     "state.yaml:1: tokenLifetime: want a duration such as 1h or 60s",
		"- 1\n":                                     "state.yaml:1: want a mapping with the keys projects",
		"projects:\n  - id: [1]\n":                  "state.yaml:2: projects[0].id: want a project id",
		"projects: {}\n":                            "state.yaml:1: projects: want a list of projects",
		"projects:\n  - 32b6e34b3d91647abb20e7b8\n": "state.yaml:2: projects[0]: want a mapping with the keys id",
		"projects: [\n":                             "state.yaml:2: did not find expected node content",
	} {
		require.NoError(t, os.WriteFile(state, []byte(content), 0o600))
		code, _, stderr := runIn(t, "serve", "--fake", "--state", state)
		assert.Equal(t, exitUsage, code, content)
		assert.Contains(t, stderr, want, content)
	}
}

// TestServeFakeControlToken: the token can be set from the environment,
// and a bind beyond loopback is warned about.
func TestServeFakeControlToken(t *testing.T) {
	// Not parallel: it sets the environment.
	clearCredentials(t)
	t.Setenv(envControlToken, "a-harness-chosen-control-token")
	base, token, stdout, stderr := startServeFakeOut(t, "--addr", "0.0.0.0:0")
	assert.Equal(t, "a-harness-chosen-control-token", token)
	assert.Contains(t, stdout.String(), "control API under http://")
	status, _ := controlCall(t, base, token, http.MethodGet, "projects", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Regexp(t, `contractcheck serve: warning: listening on \S+, beyond this machine`, stderr.String(), "a bind beyond loopback is warned about")

	t.Setenv(envControlToken, "short")
	code, _, errOut := runIn(t, "serve", "--fake")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "controlToken")
}

// TestServeFakeLoopbackIsQuiet: the default bind says nothing more.
func TestServeFakeLoopbackIsQuiet(t *testing.T) {
	clearCredentials(t)
	_, token, stdout, stderr := startServeFakeOut(t)
	assert.Regexp(t, `^atlastest_control_[0-9a-f]{48}$`, token)
	assert.NotContains(t, stderr.String(), "warning")
	assert.Contains(t, stdout.String(), "listening on http://127.0.0.1:")
}

// TestREADMEStateFileParses: the state file docs/fake.md shows is one serve
// --fake reads.
func TestREADMEStateFileParses(t *testing.T) {
	t.Parallel()
	m := regexp.MustCompile("(?s)The state file:\n\n```yaml\n(.*?)```").FindStringSubmatch(string(readRepoFile(t, "docs/fake.md")))
	require.NotNil(t, m, "docs/fake.md shows a state file after \"The state file:\"")
	st, err := parseFakeState("docs/fake.md", []byte(m[1]))
	require.NoError(t, err)
	assert.Len(t, st.Projects, 1)
	assert.True(t, st.EnvelopeStatusOK)
	require.NotNil(t, st.RateLimit)
	assert.Equal(t, time.Hour, st.TokenLifetime)
}
