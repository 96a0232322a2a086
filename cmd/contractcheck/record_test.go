package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/contract/serve"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// startMock serves the shipped recordings as a mock of Atlas, token endpoint included.
func startMock(t *testing.T) *httptest.Server {
	t.Helper()
	spec, err := contract.DefaultSpec()
	require.NoError(t, err)
	ins, err := recording.ReadAllFS(contract.ShippedRecordings(), "recordings", recording.Options{})
	require.NoError(t, err)
	mock := serve.NewMock(spec, serve.MockOptions{})
	for _, in := range ins {
		require.NoError(t, mock.Add(in))
	}
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	return srv
}

func TestRecordWritesARedactedCassetteThatChecksBack(t *testing.T) {
	// Not parallel: it sets the credentials in the environment, as users do.
	srv := startMock(t)
	const secret = "mdb_sa_sk_0123456789abcdef-do-not-leak"
	t.Setenv("MONGODB_ATLAS_BASE_URL", srv.URL)
	t.Setenv("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_example")
	t.Setenv("MONGODB_ATLAS_CLIENT_SECRET", secret)
	out := filepath.Join(t.TempDir(), "defer.yaml")

	code, stdout, stderr := runIn(t, "record", "--group-id", "6a7940722c88faeba59bf917", "--fake-group-id", "-o", out)
	require.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
	assert.Contains(t, stdout, "wrote 2 interactions", "the token exchange and the defer call")

	data, err := os.ReadFile(out)
	require.NoError(t, err)
	for _, leak := range []string{secret, serve.MockAccessToken, "6a7940722c88faeba59bf917"} {
		assert.NotContains(t, string(data), leak)
		assert.NotContains(t, stdout+stderr, leak)
	}
	assert.Contains(t, string(data), "Bearer REDACTED")
	assert.Contains(t, string(data), fakeGroupID)

	// contractcheck reads it back; the token exchange is not judged.
	code, stdout, stderr = runIn(t, "--offline", out)
	assert.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
	assert.Contains(t, stdout, "1 interaction in 1 file (offline): 0 errors")
	assert.Contains(t, stdout, "1 skipped", "the token exchange is listed as skipped")
}

func TestRecordRefusesWithoutLiveOrCredentials(t *testing.T) {
	t.Setenv("MONGODB_ATLAS_CLIENT_ID", "")
	t.Setenv("MONGODB_ATLAS_CLIENT_SECRET", "")
	t.Setenv("MONGODB_ATLAS_PUBLIC_API_KEY", "")
	t.Setenv("MONGODB_ATLAS_PRIVATE_API_KEY", "")
	t.Setenv("MONGODB_ATLAS_BASE_URL", "")
	out := filepath.Join(t.TempDir(), "x.yaml")

	code, _, stderr := runIn(t, "record", "--group-id", "6a7940722c88faeba59bf917", "-o", out)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, liveHint, "https://cloud.mongodb.com is not loopback")

	code, _, stderr = runIn(t, "record", "--live", "--group-id", "6a7940722c88faeba59bf917", "-o", out)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "MONGODB_ATLAS_CLIENT_ID")
	assert.NoFileExists(t, out)

	code, _, stderr = runIn(t, "record", "--live", "--group-id", "NOPE", "-o", out)
	assert.Equal(t, exitUsage, code)
	assert.True(t, strings.Contains(stderr, "--group-id"))
}

func TestCheckAgainstATargetNeverPrintsASecret(t *testing.T) {
	// Not parallel: credentials come from the environment.
	srv := startMock(t)
	const secret = "mdb_sa_sk_target-secret-0123456789"
	t.Setenv("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_example")
	t.Setenv("MONGODB_ATLAS_CLIENT_SECRET", secret)
	t.Setenv("MONGODB_ATLAS_BASE_URL", "")
	report := filepath.Join(t.TempDir(), "report.json")

	code, stdout, stderr := runIn(t, "--shipped", "--target", srv.URL, "--group-id", "0123456789abcdef01234567", "--format", "json", "-o", report)
	assert.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"mode": "target"`)
	for _, leak := range []string{secret, serve.MockAccessToken} {
		assert.NotContains(t, stdout+stderr+string(data), leak)
	}
}

// setCredentials sets the environment as a user does: one pair of
// credentials, the others empty, and the base URL.
func setCredentials(t *testing.T, baseURL string, env map[string]string) {
	t.Helper()
	for _, name := range []string{atlas.EnvBaseURL, "MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET",
		"MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY", "MONGODB_ATLAS_PUBLIC_KEY", "MONGODB_ATLAS_PRIVATE_KEY"} {
		t.Setenv(name, env[name])
	}
	t.Setenv(atlas.EnvBaseURL, baseURL)
}

// TestRecordedCassettesReplayWithGoVCR records the defer call against the
// fake Atlas with a Service Account and with an API key (Digest, with
// --fake-group-id), and replays each cassette with go-vcr's own recorder
// in replay-only mode and the matcher the README shows: the client gets
// the recorded answers, the token exchange and the Digest challenge
// included, without a server.
func TestRecordedCassettesReplayWithGoVCR(t *testing.T) {
	// Not parallel: the credentials come from the environment.
	const project = "32b6e34b3d91647abb20e7b8" // the fake's project, a maintenance scheduled
	sa, key := atlastest.DefaultServiceAccount, atlastest.DefaultAPIKey
	for _, tc := range []struct {
		name   string
		env    map[string]string
		flags  []string
		auth   atlas.Option
		replay string // the project id to call in replay
	}{
		{name: "Service Account", env: map[string]string{"MONGODB_ATLAS_CLIENT_ID": sa.ClientID, "MONGODB_ATLAS_CLIENT_SECRET": sa.ClientSecret},
			auth: atlas.WithServiceAccount(sa.ClientID, sa.ClientSecret), replay: project},
		{name: "API key (Digest), fake project id", env: map[string]string{"MONGODB_ATLAS_PUBLIC_API_KEY": key.PublicKey, "MONGODB_ATLAS_PRIVATE_API_KEY": key.PrivateKey},
			flags: []string{"--fake-group-id"}, auth: atlas.WithAPIKey(key.PublicKey, key.PrivateKey), replay: fakeGroupID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := atlastest.NewServer(t)
			setCredentials(t, srv.URL(), tc.env)
			out := filepath.Join(t.TempDir(), "defer.yaml")
			code, stdout, stderr := runIn(t, append([]string{"record", "--group-id", project, "-o", out}, tc.flags...)...)
			require.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
			require.Contains(t, stdout, "the maintenance was deferred")
			srv.Close() // replay never reaches it

			vcr, err := recorder.New(strings.TrimSuffix(out, ".yaml"),
				recorder.WithMode(recorder.ModeReplayOnly),
				recorder.WithSkipRequestLatency(true),
				recorder.WithMatcher(cassette.NewDefaultMatcher(
					cassette.WithIgnoreUserAgent(),
					cassette.WithIgnoreAuthorization(),
				)),
			)
			require.NoError(t, err)
			client, err := atlas.New(atlas.WithServer(srv.URL()), tc.auth, atlas.WithTransport(vcr))
			require.NoError(t, err)
			require.NoError(t, client.DeferMaintenanceWindow(t.Context(), tc.replay), "go-vcr finds every recorded interaction")
			require.NoError(t, vcr.Stop())

			data, err := os.ReadFile(out)
			require.NoError(t, err)
			for _, secret := range []string{sa.ClientSecret, key.PrivateKey} {
				assert.NotContains(t, string(data), secret)
			}
			if len(tc.flags) > 0 {
				assert.NotContains(t, string(data), project, "--fake-group-id")
			}
		})
	}
}

// TestRecordPrintsNoRawServerText records against a server whose error
// answer carries a newline followed by a GitHub workflow command and a
// terminal escape, in its errorCode and its detail: both are printed
// escaped, and the server is not called Atlas.
func TestRecordPrintsNoRawServerText(t *testing.T) {
	// Not parallel: the credentials come from the environment.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/oauth/token" {
			_, _ = io.WriteString(w, `{"access_token":"tok-0123456789","token_type":"Bearer","expires_in":3600}`)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": 400, "reason": "Bad Request",
			"errorCode": "ODD\n::add-mask::code", "detail": "no\n::add-mask::x \x1b[31mred\x1b[0m \u202eevil"})
	}))
	t.Cleanup(srv.Close)
	setCredentials(t, srv.URL, map[string]string{"MONGODB_ATLAS_CLIENT_ID": "mdb_sa_id_x", "MONGODB_ATLAS_CLIENT_SECRET": "mdb_sa_sk_x"})
	out := filepath.Join(t.TempDir(), "defer.yaml")

	code, stdout, stderr := runIn(t, "record", "--group-id", "6a7940722c88faeba59bf917", "-o", out)
	require.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
	printed := stdout + stderr
	for _, raw := range []string{"\n::add-mask::", "\x1b", "\u202e"} {
		assert.NotContains(t, printed, raw, "printed raw")
	}
	assert.Contains(t, printed, `no\n::add-mask::x \x1b[31mred`, "the detail, escaped")
	assert.Contains(t, printed, `ODD\n::add-mask::code`, "the errorCode, escaped")
	assert.Contains(t, printed, "contractcheck record: the server answered ", "a server that is not Atlas")
	assert.NotContains(t, printed, "Atlas answered")

	// The cassette went to standard output: what happened goes to stderr.
	code, stdout, stderr = runIn(t, "record", "--group-id", "6a7940722c88faeba59bf917", "-o", "-")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "version: 2")
	assert.NotContains(t, stderr, "\n::add-mask::")
	assert.Contains(t, stderr, "the server answered ")
}

// TestRecordSynopsis holds record's usage to what it does: --live only for
// a target that is not loopback.
func TestRecordSynopsis(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runIn(t, "record", "-h")
	assert.Equal(t, exitOK, code)
	usage := stdout + stderr
	assert.Contains(t, usage, "contractcheck record --group-id ID -o FILE [flags]")
	assert.Contains(t, usage, "A target\nthat is not a loopback address (Atlas itself) needs --live and https")
	assert.Contains(t, usage, "A loopback target (a mock, the fake of\ncontractcheck serve --fake) needs neither.")
	assert.Contains(t, usage, "needed for a target that is not a loopback address")
}

// TestFakeGroupIDIsAValidProjectID keeps --fake-group-id's id one that the
// client and the fragment accept.
func TestFakeGroupIDIsAValidProjectID(t *testing.T) {
	t.Parallel()
	require.NoError(t, atlas.ValidateGroupID(fakeGroupID))
}

// TestFakeGroupIDHooksReplaceEveryID runs the hooks of --fake-group-id on
// an interaction that names the project in its URL, a header, its form and
// bodies, and another valid id in a later path: every one becomes
// fakeGroupID, including, before saving, in the interactions recorded
// before the second id was seen.
func TestFakeGroupIDHooksReplaceEveryID(t *testing.T) {
	t.Parallel()
	const id, other = "6a7940722c88faeba59bf917", "5f1a2b3c4d5e6f7a8b9c0d1e"
	hooks := fakeGroupIDHooks(id)
	require.Len(t, hooks, 2)
	capture, save := hooks[0], hooks[1]
	assert.Equal(t, recorder.AfterCaptureHook, capture.Kind)
	assert.Equal(t, recorder.BeforeSaveHook, save.Kind)

	first := &cassette.Interaction{
		Request: cassette.Request{URL: "https://cloud.mongodb.com/api/atlas/v2/groups/" + id + "/maintenanceWindow/defer",
			Headers: map[string][]string{"X-Note": {"project " + id}}, Form: map[string][]string{"g": {id}}},
		Response: cassette.Response{Body: fmt.Sprintf(`{"groupId":%q,"detail":"project %s, not %s"}`, id, id, other), ContentLength: -1},
	}
	require.NoError(t, capture.Handler(first))
	assert.Equal(t, "https://cloud.mongodb.com/api/atlas/v2/groups/"+fakeGroupID+"/maintenanceWindow/defer", first.Request.URL)
	assert.Equal(t, []string{"project " + fakeGroupID}, first.Request.Headers["X-Note"])
	assert.Equal(t, []string{fakeGroupID}, first.Request.Form["g"])
	assert.Contains(t, first.Response.Body, `"groupId":"`+fakeGroupID+`"`)
	assert.Contains(t, first.Response.Body, other, "not yet seen as a project id")

	second := &cassette.Interaction{Request: cassette.Request{URL: "https://cloud.mongodb.com/api/atlas/v2/groups/" + other + "/maintenanceWindow/defer"}}
	require.NoError(t, capture.Handler(second))
	assert.NotContains(t, second.Request.URL, other)
	require.NoError(t, save.Handler(first))
	assert.NotContains(t, first.Response.Body, other, "replaced before saving")

	upper := &cassette.Interaction{Request: cassette.Request{URL: "https://cloud.mongodb.com/api/atlas/v2/groups/6A7940722C88FAEBA59BF917/x"}}
	require.NoError(t, capture.Handler(upper))
	assert.Contains(t, upper.Request.URL, "6A7940722C88FAEBA59BF917", "not a valid project id: kept")
}

// TestRecordChecksWhereItSavesBeforeTheCall: a cassette that cannot be
// saved (its folder missing, or a folder named as the file) stops record
// before the call, which against Atlas defers a maintenance for good.
func TestRecordChecksWhereItSavesBeforeTheCall(t *testing.T) {
	// Not parallel: it sets the credentials in the environment.
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { calls.Add(1) }))
	defer srv.Close()
	t.Setenv("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_example")
	t.Setenv("MONGODB_ATLAS_CLIENT_SECRET", "mdb_sa_sk_example")
	dir := t.TempDir()
	for out, want := range map[string]string{
		filepath.Join(dir, "recordings", "defer.yaml"): "does not exist: create it first",
		dir: "is a folder; name the cassette file",
	} {
		code, _, stderr := runIn(t, "record", "--group-id", "6a7940722c88faeba59bf917", "--target", srv.URL, "-o", out)
		assert.Equal(t, exitUsage, code, out)
		assert.Contains(t, stderr, want, out)
	}
	assert.Zero(t, calls.Load(), "no request reached the server")
}
