package atlas

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTransportNeverPrintsCredentials checks that the authenticating
// transport under a Client prints and marshals without the credentials.
func TestTransportNeverPrintsCredentials(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]Option{
		"API key":         WithAPIKey(testPublicKey, testPrivateKey),
		"service account": WithServiceAccount(testClientID, testClientSecret),
	} {
		c := mustNew(t, opt)
		tr := c.http.Transport
		var outputs []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			outputs = append(outputs, fmt.Sprintf(verb, tr), fmt.Sprintf(verb, c.http), fmt.Sprintf(verb, *c.http))
		}
		js, err := json.Marshal(tr)
		require.NoError(t, err, name)
		outputs = append(outputs, string(js))
		for _, out := range outputs {
			assert.NotContains(t, out, testPrivateKey, name)
			assert.NotContains(t, out, testClientSecret, name)
		}
		assert.Contains(t, string(js), "REDACTED", name)
	}
}

// TestTokenErrorRedactsEncodedSecret checks that a token endpoint's echo of
// the HTTP Basic credentials, or of the secret URL-encoded, never reaches a
// *TokenError.
func TestTokenErrorRedactsEncodedSecret(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t/with+special=chars&more"
	basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(testClientID) + ":" + url.QueryEscape(secret)))
	rawBasic := base64.StdEncoding.EncodeToString([]byte(testClientID + ":" + secret))
	forms := []string{secret, url.QueryEscape(secret), basic, rawBasic}
	cases := map[string]func(w http.ResponseWriter){
		"OAuth error description": func(w http.ResponseWriter) {
			writeJSON(w, 401, `{"error":"invalid_client","error_description":"rejected Basic `+basic+` (`+rawBasic+`) secret=`+url.QueryEscape(secret)+`"}`)
		},
		"plain body": func(w http.ResponseWriter) {
			w.WriteHeader(400)
			_, _ = w.Write([]byte("bad request: Authorization: Basic " + basic))
		},
	}
	for name, respond := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := &tokenServer{t: t, fail: func(w http.ResponseWriter) bool { respond(w); return true }}
			f, _ := oauthAtlas(t, ts)
			c := newTestClient(t, f, WithServiceAccount(testClientID, secret))
			err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
			var te *TokenError
			require.ErrorAs(t, err, &te)
			assert.Contains(t, err.Error(), "REDACTED")
			for _, out := range []string{err.Error(), fmt.Sprintf("%#v", te)} {
				for _, form := range forms {
					assert.NotContains(t, out, form)
				}
			}
		})
	}
}
