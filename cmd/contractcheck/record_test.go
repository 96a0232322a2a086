package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
)

// startMock serves the shipped recordings as a mock of Atlas, token endpoint included.
func startMock(t *testing.T) *httptest.Server {
	t.Helper()
	spec, err := contract.DefaultSpec()
	require.NoError(t, err)
	ins, err := recording.ReadAllFS(contract.ShippedRecordings(), "recordings", recording.Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(contract.NewMockServer(spec, ins, contract.CheckOptions{}, nil))
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
	for _, leak := range []string{secret, contract.MockAccessToken, "6a7940722c88faeba59bf917"} {
		assert.NotContains(t, string(data), leak)
		assert.NotContains(t, stdout+stderr, leak)
	}
	assert.Contains(t, string(data), "Bearer REDACTED")
	assert.Contains(t, string(data), recording.DefaultFakeGroupID)

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
	assert.Contains(t, stderr, "--live", "https://cloud.mongodb.com is not loopback")

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
	for _, leak := range []string{secret, contract.MockAccessToken} {
		assert.NotContains(t, stdout+stderr+string(data), leak)
	}
}
