package recording_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// TestRecorderUnderTheRealClientWritesNoSecret records the client this
// module ships, atlas.New with the recorder as its transport, in both auth
// modes against a local Atlas stand-in: a real Digest challenge whose answer
// the server verifies, and a token endpoint plus the API for the Service
// Account. The saved cassette holds no secret of either exchange, and the
// Authorization headers are there, redacted.
func TestRecorderUnderTheRealClientWritesNoSecret(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		auth      atlas.Option
		wantAuth  []string // Authorization values in the cassette
		wantCalls int
	}{
		{name: "API key (Digest)", auth: atlas.WithAPIKey(publicKey, privateKey),
			wantAuth: []string{"Digest REDACTED"}, wantCalls: 2}, // the challenge, then the signed call
		{name: "Service Account (OAuth 2.0)", auth: atlas.WithServiceAccount(clientID, clientSecret),
			wantAuth: []string{"Basic REDACTED", "Bearer REDACTED"}, wantCalls: 2}, // the token, then the call
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stub := &atlasStub{}
			srv := httptest.NewServer(stub)
			t.Cleanup(srv.Close)
			rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{})
			client, err := atlas.New(atlas.WithServer(srv.URL), tc.auth, atlas.WithTransport(rec))
			require.NoError(t, err)

			require.NoError(t, client.DeferMaintenanceWindow(t.Context(), groupID), "the server accepted the credentials")
			require.Equal(t, tc.wantCalls, rec.Len())

			path := filepath.Join(t.TempDir(), "client.yaml")
			require.NoError(t, rec.Save(path))
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			saved := string(data)

			secrets := map[string]string{
				"private API key":          privateKey,
				"client secret":            clientSecret,
				"basic client credentials": base64.StdEncoding.EncodeToString([]byte(clientID + ":" + clientSecret)),
				"access token":             accessToken,
				"refresh token":            refreshToken,
				"server nonce":             serverNonce,
				"server opaque":            serverOpaque,
				"cookie value":             cookieValue,
			}
			stub.mu.Lock()
			if tc.name == "API key (Digest)" {
				require.Len(t, stub.digestHashes, 1, "the server verified one Digest answer")
			}
			for i, hash := range stub.digestHashes {
				secrets[fmt.Sprintf("digest response hash %d", i)] = hash
				secrets[fmt.Sprintf("digest cnonce %d", i)] = stub.digestCnonces[i]
			}
			stub.mu.Unlock()
			for what, secret := range secrets {
				require.NotEmpty(t, secret, what)
				assert.NotContains(t, saved, secret, "the saved cassette contains the %s", what)
			}

			var auths []string
			require.NoError(t, recording.ReadFile(path, recording.Options{}, func(it *recording.Interaction) error {
				auths = append(auths, it.Request.Header.Values("Authorization")...)
				for _, b := range []struct {
					tooLarge bool
					h        http.Header
				}{{it.Request.BodyTooLarge, it.Request.Header}, {it.Response.BodyTooLarge, it.Response.Header}} {
					assert.False(t, b.tooLarge, "%s: no body is over the cap", it.Location())
					assert.Empty(t, b.h.Get("X-Recording-Omitted"), it.Location())
				}
				return nil
			}))
			assert.Equal(t, tc.wantAuth, auths, "Authorization is recorded, redacted")
		})
	}
}
