package atlastest_test

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mongodb-forks/digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
	"github.com/atlascontract/deferwindow/openapi"
)

// violations is a testing.TB that keeps the errors reported to it, so a
// test can assert what the fake's self-check said.
type violations struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func (v *violations) Error(args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.msgs = append(v.msgs, fmt.Sprint(args...))
}

func (v *violations) Errorf(format string, args ...any) { v.Error(fmt.Sprintf(format, args...)) }

func (v *violations) got() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.msgs...)
}

func specStatuses(t *testing.T) []int {
	t.Helper()
	spec, err := contract.DefaultSpec()
	require.NoError(t, err)
	return spec.Operations()[0].Statuses()
}

// TestFragmentChangeIsCaught: the fake's answers are held to the fragment
// it is given, so a fragment that no longer allows them fails the test.
func TestFragmentChangeIsCaught(t *testing.T) {
	t.Parallel()
	// The operation no longer declares its 400 response.
	changed := strings.Replace(string(openapi.Fragment), "                \"400\":\n                    $ref: '#/components/responses/badRequest'\n", "", 1)
	require.NotEqual(t, string(openapi.Fragment), changed, "the edit applies")
	spec, err := contract.LoadSpec([]byte(changed), "changed.yaml")
	require.NoError(t, err)

	rec := &violations{TB: t}
	srv := atlastest.NewServer(rec, atlastest.WithSpec(spec), atlastest.WithProjects(atlastest.Project{ID: "6a7940722c88faeba59bf917", WindowDefined: true}))
	err = srv.Client().DeferMaintenanceWindow(t.Context(), "6a7940722c88faeba59bf917")
	assert.True(t, atlas.HasErrorCode(err, "ATLAS_MAINTENANCE_NOT_SCHEDULED"))
	got := rec.got()
	require.Len(t, got, 1, "the one non-conforming answer is reported")
	assert.Contains(t, got[0], "status-undeclared")

	// The same answer under the real fragment passes.
	ok := &violations{TB: t}
	srv = atlastest.NewServer(ok, atlastest.WithProjects(atlastest.Project{ID: "6a7940722c88faeba59bf917", WindowDefined: true}))
	_ = srv.Client().DeferMaintenanceWindow(t.Context(), "6a7940722c88faeba59bf917")
	assert.Empty(t, ok.got())
}

// TestRawDigestTransport: another Go program using mongodb-forks/digest
// directly, as the official SDK does.
func TestRawDigestTransport(t *testing.T) {
	t.Parallel()
	srv := atlastest.NewServer(t)
	key, _ := srv.APIKey()
	for _, tc := range []struct {
		private string
		status  int
	}{{key.PrivateKey, 200}, {"wrong", 401}} {
		client := &http.Client{Transport: &digest.Transport{Username: key.PublicKey, Password: tc.private, Transport: http.DefaultTransport}}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/api/atlas/v2/groups/"+atlastest.DefaultProjectID+"/maintenanceWindow/defer", nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.atlas.2025-03-12+json")
		resp, err := client.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, tc.status, resp.StatusCode)
	}
	p, _ := srv.Project(atlastest.DefaultProjectID)
	assert.Equal(t, 1, p.Deferrals)
}

// TestClientCredentials: another Go program using
// golang.org/x/oauth2/clientcredentials against the token endpoint.
func TestClientCredentials(t *testing.T) {
	t.Parallel()
	srv := atlastest.NewServer(t)
	sa, _ := srv.ServiceAccount()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cfg := clientcredentials.Config{ClientID: sa.ClientID, ClientSecret: sa.ClientSecret, TokenURL: srv.URL() + "/api/oauth/token", AuthStyle: style}
		client := cfg.Client(t.Context())
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/api/atlas/v2/groups/"+atlastest.DefaultProjectID+"/maintenanceWindow/defer", nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
		resp, err := client.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, 200, resp.StatusCode)
	}
	cfg := clientcredentials.Config{ClientID: sa.ClientID, ClientSecret: "wrong", TokenURL: srv.URL() + "/api/oauth/token"}
	_, err := cfg.Token(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid_client")
}

// TestRecordingAgainstTheFakeConforms: our recorder, wrapped around a
// client of the fake through every state, writes a cassette that
// contractcheck --offline finds no error in.
func TestRecordingAgainstTheFakeConforms(t *testing.T) {
	t.Parallel()
	srv := atlastest.NewServer(t, atlastest.WithProjects(
		atlastest.ScheduledProject("5f1a2b3c4d5e6f7a8b9c0d1e"),
		atlastest.Project{ID: "6a7940722c88faeba59bf917", WindowDefined: true},
		atlastest.Project{ID: "0123456789abcdef01234567"},
	), atlastest.WithRateLimit(3, time.Minute))
	rec, err := recording.NewRecorder(http.DefaultTransport, recording.RecorderOptions{})
	require.NoError(t, err)
	ctx := t.Context()
	for _, envelope := range []bool{false, true} {
		srv.Reset()
		client := srv.Client(atlas.WithTransport(rec), atlas.WithEnvelope(envelope))
		for _, id := range []string{"5f1a2b3c4d5e6f7a8b9c0d1e", "5f1a2b3c4d5e6f7a8b9c0d1e", "5f1a2b3c4d5e6f7a8b9c0d1e", "6a7940722c88faeba59bf917", "0123456789abcdef01234567"} {
			_ = client.DeferMaintenanceWindow(ctx, id)
		}
		_ = srv.APIKeyClient(atlas.WithTransport(rec), atlas.WithEnvelope(envelope)).DeferMaintenanceWindow(ctx, "aaaaaaaaaaaaaaaaaaaaaaaa")
	}
	path := filepath.Join(t.TempDir(), "fake.yaml")
	require.NoError(t, rec.Save(path))

	report, err := contract.Run(ctx, contract.Options{Paths: []string{path}, Source: contract.Source{Offline: true}})
	require.NoError(t, err)
	var statuses []int
	for _, f := range report.Findings {
		assert.NotEqual(t, contract.SeverityError, f.Severity, "%s %s", f.Rule, f.Message)
	}
	for _, j := range srv.Journal() {
		statuses = append(statuses, j.Status)
	}
	assert.Subset(t, statuses, []int{200, 400, 401, 404, 429}, "the recording covers successes, refusals, auth and the rate limit")
}

// TestControlAPI seeds, scripts, reads the journal and resets over HTTP.
func TestControlAPI(t *testing.T) {
	t.Parallel()
	srv := atlastest.NewServer(t)
	do := func(method, path, body string) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL()+atlastest.ControlPrefix+path, strings.NewReader(body))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	status, _ := do(http.MethodPut, "projects/0123456789abcdef01234567", `{"windowDefined":true,"maintenanceScheduled":true,"deferrals":2}`)
	require.Equal(t, 200, status)
	status, body := do(http.MethodPut, "projects/nope", `{}`)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "groupId")
	status, body = do(http.MethodPost, "projects/"+atlastest.DefaultProjectID+"/script", `[{"status":500},{"delay":"soon"}]`)
	assert.Equal(t, 400, status, "a bad delay is refused: %s", body)
	status, _ = do(http.MethodPost, "projects/"+atlastest.DefaultProjectID+"/script", `[{"status":500}]`)
	require.Equal(t, 200, status)

	client := srv.Client()
	assert.True(t, atlas.HasErrorCode(client.DeferMaintenanceWindow(t.Context(), "0123456789abcdef01234567"), "ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED"))
	assert.True(t, atlas.HasErrorCode(client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID), "UNEXPECTED_ERROR"))

	status, body = do(http.MethodGet, "journal", "")
	assert.Equal(t, 200, status)
	assert.Contains(t, body, `"status":500`)
	assert.NotContains(t, body, "atlastest_", "no token in the journal")
	status, _ = do(http.MethodPost, "reset", "")
	assert.Equal(t, 200, status)
	_, body = do(http.MethodGet, "projects", "")
	assert.NotContains(t, body, "0123456789abcdef01234567", "reset drops what the control API seeded")
	assert.Empty(t, srv.Journal())
	status, _ = do(http.MethodPost, "clock", `{"advance":"2h"}`)
	assert.Equal(t, 200, status)
	status, _ = errorCode(t, client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID))
	assert.Equal(t, 401, status, "the cached token expired when the clock moved")
}

// TestUndeclaredScriptedStatusFailsLoudly: a scripted status the fragment
// does not declare is an answer that breaks it, and the test hears of it;
// a fault asked for (a proxy's page) is not judged.
func TestUndeclaredScriptedStatusFailsLoudly(t *testing.T) {
	t.Parallel()
	rec := &violations{TB: t}
	srv := atlastest.NewServer(rec)
	srv.Script(atlastest.DefaultProjectID, atlastest.Reply{Status: http.StatusServiceUnavailable}, atlastest.Reply{ProxyHTML: true, Status: http.StatusServiceUnavailable})
	client := srv.Client()
	_ = client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID)
	got := rec.got()
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "status-undeclared")
	assert.Contains(t, got[0], "503")
	_ = client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID)
	assert.Len(t, rec.got(), 1, "the proxy page was asked for")
}
