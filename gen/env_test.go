package atlas

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// TestNewFromEnvPicksCredentials checks which credentials the environment
// gives, against servers that accept only that kind.
func TestNewFromEnvPicksCredentials(t *testing.T) {
	t.Parallel()
	t.Run("service account", func(t *testing.T) {
		t.Parallel()
		ts := &tokenServer{t: t, expiresIn: 3600}
		f, seen := oauthAtlas(t, ts)
		c, err := newFromEnv(lookupMap(map[string]string{
			EnvClientID: testClientID, EnvClientSecret: testClientSecret, EnvBaseURL: f.URL(),
		}))
		require.NoError(t, err)
		require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
		assert.Equal(t, []string{"Bearer tok-1"}, seen())
	})
	t.Run("service account preferred over API key", func(t *testing.T) {
		t.Parallel()
		ts := &tokenServer{t: t, expiresIn: 3600}
		f, seen := oauthAtlas(t, ts)
		c, err := newFromEnv(lookupMap(map[string]string{
			EnvClientID: testClientID, EnvClientSecret: testClientSecret,
			EnvPublicAPIKey: testPublicKey, EnvPrivateAPIKey: testPrivateKey, EnvBaseURL: f.URL(),
		}))
		require.NoError(t, err)
		require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
		assert.Equal(t, []string{"Bearer tok-1"}, seen())
	})
	t.Run("API key", func(t *testing.T) {
		t.Parallel()
		f, authorized := digestAtlas(t)
		c, err := newFromEnv(lookupMap(map[string]string{
			EnvPublicAPIKey: testPublicKey, EnvPrivateAPIKey: testPrivateKey, EnvBaseURL: f.URL(),
		}))
		require.NoError(t, err)
		require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
		assert.Equal(t, int32(1), authorized.Load())
	})
	t.Run("API key under the SDK documentation's names", func(t *testing.T) {
		t.Parallel()
		f, authorized := digestAtlas(t)
		c, err := newFromEnv(lookupMap(map[string]string{
			EnvPublicKey: testPublicKey, EnvPrivateKey: testPrivateKey, EnvBaseURL: f.URL(),
		}))
		require.NoError(t, err)
		require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
		assert.Equal(t, int32(1), authorized.Load())
		assert.Contains(t, fmt.Sprintf("%v", c), "from "+EnvPublicKey+"/"+EnvPrivateKey)
	})
	t.Run("precedence and which pair was used", func(t *testing.T) {
		t.Parallel()
		all := map[string]string{
			EnvClientID: testClientID, EnvClientSecret: testClientSecret,
			EnvPublicAPIKey: "cli-key", EnvPrivateAPIKey: testPrivateKey,
			EnvPublicKey: "sdk-key", EnvPrivateKey: testPrivateKey,
		}
		want := []string{
			`service account "` + testClientID + `" (secret REDACTED) from ` + EnvClientID + "/" + EnvClientSecret,
			`API key "cli-key" (private key REDACTED) from ` + EnvPublicAPIKey + "/" + EnvPrivateAPIKey,
			`API key "sdk-key" (private key REDACTED) from ` + EnvPublicKey + "/" + EnvPrivateKey,
		}
		drop := [][]string{nil, {EnvClientID, EnvClientSecret}, {EnvPublicAPIKey, EnvPrivateAPIKey}}
		for i, w := range want {
			for _, name := range drop[i] {
				delete(all, name)
			}
			c, err := newFromEnv(lookupMap(all))
			require.NoError(t, err)
			assert.Contains(t, fmt.Sprintf("%v", c), "auth: "+w)
			assert.NotContains(t, fmt.Sprintf("%+v", c), testPrivateKey)
		}
	})
	t.Run("options override the environment", func(t *testing.T) {
		t.Parallel()
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) })
		c, err := newFromEnv(lookupMap(map[string]string{
			EnvClientID: testClientID, EnvClientSecret: testClientSecret, EnvBaseURL: "https://unreachable.invalid",
		}), WithServer(f.URL()), WithAPIKey(testPublicKey, testPrivateKey))
		require.NoError(t, err)
		assert.Contains(t, c.String(), f.URL())
		assert.Contains(t, c.String(), "API key")
	})
	t.Run("default server", func(t *testing.T) {
		t.Parallel()
		c, err := newFromEnv(lookupMap(map[string]string{EnvPublicAPIKey: testPublicKey, EnvPrivateAPIKey: testPrivateKey}))
		require.NoError(t, err)
		assert.Contains(t, c.String(), `server: "`+DefaultServerURL+`"`)
	})
}

// TestNewFromEnvErrors checks that missing or half-set credentials, and a bad
// base URL, fail with the variables' names and never their values.
func TestNewFromEnvErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{name: "nothing set", env: map[string]string{},
			want: []string{EnvClientID, EnvClientSecret, EnvPublicAPIKey, EnvPrivateAPIKey, EnvPublicKey, EnvPrivateKey}},
		{name: "empty values", env: map[string]string{EnvClientID: "", EnvPublicAPIKey: ""},
			want: []string{EnvClientID, EnvClientSecret, EnvPublicAPIKey, EnvPrivateAPIKey}},
		{name: "client ID only", env: map[string]string{EnvClientID: testClientID},
			want: []string{EnvClientID + " is set but " + EnvClientSecret + " is empty"}},
		{name: "client secret only", env: map[string]string{EnvClientSecret: testClientSecret},
			want: []string{EnvClientSecret + " is set but " + EnvClientID + " is empty"}},
		{name: "client secret only, API key complete", env: map[string]string{EnvClientSecret: testClientSecret, EnvPublicAPIKey: testPublicKey, EnvPrivateAPIKey: testPrivateKey},
			want: []string{EnvClientSecret + " is set but " + EnvClientID + " is empty"}},
		{name: "public key only", env: map[string]string{EnvPublicAPIKey: testPublicKey},
			want: []string{EnvPublicAPIKey + " is set but " + EnvPrivateAPIKey + " is empty"}},
		{name: "private key only", env: map[string]string{EnvPrivateAPIKey: testPrivateKey},
			want: []string{EnvPrivateAPIKey + " is set but " + EnvPublicAPIKey + " is empty"}},
		{name: "SDK public key only", env: map[string]string{EnvPublicKey: testPublicKey},
			want: []string{EnvPublicKey + " is set but " + EnvPrivateKey + " is empty"}},
		{name: "bad base URL", env: map[string]string{EnvPublicAPIKey: testPublicKey, EnvPrivateAPIKey: testPrivateKey, EnvBaseURL: "ftp://example.com"},
			want: []string{EnvBaseURL, "want http or https"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := newFromEnv(lookupMap(tc.env))
			require.Error(t, err)
			assert.Nil(t, c)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			for _, secret := range []string{testClientSecret, testPrivateKey} {
				assert.NotContains(t, err.Error(), secret)
			}
			assert.False(t, strings.Contains(err.Error(), "\n"))
		})
	}
}
