package atlas

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAPIKeyKeepsPlain401 checks that a 401 without a Digest challenge
// keeps its ApiError through the Digest transport.
func TestAPIKeyKeepsPlain401(t *testing.T) {
	t.Parallel()
	const body = `{"error":401,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","detail":"IP address 192.0.2.1 is not allowed to access this resource.","reason":"Unauthorized"}`
	for name, challenge := range map[string]string{"no challenge": "", "a Bearer challenge": `Bearer realm="atlas"`} {
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
			if challenge != "" {
				w.Header().Set("WWW-Authenticate", challenge)
			}
			writeJSON(w, 401, body)
		})
		c := newTestClient(t, f, WithAPIKey(testPublicKey, testPrivateKey))
		err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
		assert.True(t, HasErrorCode(err, "IP_ADDRESS_NOT_ON_ACCESS_LIST"), "%s: %v", name, err)

		rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
		require.NoError(t, err, name)
		require.NotNil(t, rsp.JSON401, name)
		assert.Equal(t, "IP_ADDRESS_NOT_ON_ACCESS_LIST", rsp.JSON401.ErrorCode, name)
		if challenge != "" {
			assert.Equal(t, challenge, rsp.HTTPResponse.Header.Get("WWW-Authenticate"), name)
		}
	}
}

// TestDigestUnsupportedChallenge checks that a Digest challenge the API-key
// authentication cannot answer is an error that says what is unsupported
// (never a bare "alg not implemented", never a panic), names no nonce, and
// that nothing more is sent after the challenge.
func TestDigestUnsupportedChallenge(t *testing.T) {
	t.Parallel()
	const nonce = "nonce-SECRET-ish-0123"
	cases := map[string]string{
		`Digest realm="MMS Public API", nonce="` + nonce + `", algorithm=SHA-512-256, qop="auth"`: `algorithm "SHA-512-256"`,
		`Digest realm="MMS Public API", nonce="` + nonce + `", algorithm=MD5-sess, qop="auth"`:    `algorithm "MD5-sess"`,
		`Digest realm="MMS Public API", nonce="` + nonce + `", algorithm=MD5, qop="auth-int"`:     `qop "auth-int"`,
		`Digest realm="MMS Public API", nonce="` + nonce + `", charset=UTF-8, qop="auth"`:         `parameter "charset"`,
		`Digest realm="MMS, Public API", nonce="` + nonce + `", qop="auth"`:                       `without a value`,
		`Digest realm`: `parameter "realm" without a value`,
		`Digest`:       `no parameters`,
		`digest realm="x", nonce="` + nonce + `"`: `"Digest "`,
	}
	for challenge, want := range cases {
		var n atomic.Int32
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
			n.Add(1)
			w.Header().Set("WWW-Authenticate", challenge)
			writeJSON(w, 401, `{"error":401,"errorCode":"NOT_AUTHENTICATED"}`)
		})
		c := newTestClient(t, f, WithAPIKey(testPublicKey, testPrivateKey))
		require.NotPanics(t, func() {
			err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
			var de *DigestChallengeError
			require.ErrorAs(t, err, &de, challenge)
			assert.Contains(t, err.Error(), want, challenge)
			assert.Contains(t, err.Error(), "HTTP Digest challenge", challenge)
			assert.NotContains(t, err.Error(), nonce, challenge)
		}, challenge)
		assert.Equal(t, int32(1), n.Load(), "%s: requests after the challenge", challenge)
	}
}

// TestDigestChallengeAmongOthers checks that a Digest challenge that is not
// the first WWW-Authenticate value is still the one answered.
func TestDigestChallengeAmongOthers(t *testing.T) {
	t.Parallel()
	f, authorized := digestAtlas(t)
	other := newFakeAtlas(t, func(w http.ResponseWriter, r *http.Request) {
		f.srv.Config.Handler.ServeHTTP(bearerFirst{w}, r)
	})
	c := newTestClient(t, other, WithAPIKey(testPublicKey, testPrivateKey))
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	assert.Equal(t, int32(1), authorized.Load())
}

// bearerFirst puts a Bearer challenge before the others of a 401.
type bearerFirst struct{ http.ResponseWriter }

func (b bearerFirst) WriteHeader(code int) {
	if code == http.StatusUnauthorized {
		h := b.Header()
		h["Www-Authenticate"] = append([]string{`Bearer realm="atlas"`}, h["Www-Authenticate"]...)
	}
	b.ResponseWriter.WriteHeader(code)
}
