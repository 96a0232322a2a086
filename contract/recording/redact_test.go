package recording_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v4"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// recordExchange records one exchange with the given request and response
// headers and bodies, and returns it as saved.
func recordExchange(t *testing.T, opts recording.RecorderOptions, reqHeader, respHeader http.Header, reqBody, respBody string) *cassette.Interaction {
	t.Helper()
	rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: respHeader.Clone(), Body: io.NopCloser(strings.NewReader(respBody)), Request: r}, nil
	}), opts)
	var body io.Reader
	if reqBody != "" {
		body = strings.NewReader(reqBody)
	}
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://cloud.mongodb.com/api/oauth/token", body)
	req.Header = reqHeader.Clone()
	resp, err := rec.RoundTrip(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	data, err := rec.Marshal()
	require.NoError(t, err)
	var c cassette.Cassette
	require.NoError(t, yaml.Unmarshal(data, &c))
	require.Len(t, c.Interactions, 1)
	return c.Interactions[0]
}

func TestRecorderRedactsEachHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, header, value, want string
		response                  bool
		opts                      recording.RecorderOptions
	}{
		{name: "bearer", header: "Authorization", value: "Bearer " + accessToken, want: "Bearer REDACTED"},
		{name: "basic", header: "Authorization", value: "Basic dXNlcjpwYXNzd29yZA==", want: "Basic REDACTED"},
		{name: "digest", header: "Authorization", value: `Digest username="u", realm="MMS Public API", nonce="abc", uri="/x", response="0123456789abcdef"`, want: "Digest REDACTED"},
		{name: "no scheme", header: "Authorization", value: "just-a-token-value", want: "REDACTED"},
		{name: "proxy", header: "Proxy-Authorization", value: "Basic cHJveHk6c2VjcmV0", want: "Basic REDACTED"},
		{name: "cookie", header: "Cookie", value: "mmsa-prod=abc; __cf_bm=def", want: "mmsa-prod=REDACTED; __cf_bm=REDACTED"},
		{name: "set-cookie", header: "Set-Cookie", value: "mmsa-prod=" + cookieValue + "; Path=/; Secure; HttpOnly", want: "mmsa-prod=REDACTED; Path=/; Secure; HttpOnly", response: true},
		{name: "digest challenge", header: "WWW-Authenticate", response: true,
			value: `Digest realm="MMS Public API", domain="", nonce="` + serverNonce + `", opaque="` + serverOpaque + `", algorithm=MD5, qop="auth", stale=false`,
			want:  `Digest realm="MMS Public API", domain="", nonce="REDACTED", opaque="REDACTED", algorithm=MD5, qop="auth", stale=false`},
		{name: "authentication-info", header: "Authentication-Info", response: true,
			value: `rspauth="d3adb33f", cnonce="0a4f113b", nc=00000001, qop=auth, nextnonce=fe8a0b1c`,
			want:  `rspauth="REDACTED", cnonce="REDACTED", nc=00000001, qop=auth, nextnonce=REDACTED`},
		{name: "api key", header: "X-Api-Key", value: "k-123", want: "REDACTED"},
		{name: "RedactHeaders", header: "X-Custom-Secret", value: "v-123", want: "REDACTED", opts: recording.RecorderOptions{RedactHeaders: []string{"x-custom-secret"}}},
		{name: "other headers stay", header: "X-Request-Id", value: "abc-123", want: "abc-123"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			h.Add(tc.header, tc.value)
			var it *cassette.Interaction
			var got http.Header
			if tc.response {
				it = recordExchange(t, tc.opts, http.Header{}, h, "", "")
				got = it.Response.Headers
			} else {
				it = recordExchange(t, tc.opts, h, http.Header{}, "", "")
				got = it.Request.Headers
			}
			assert.Equal(t, []string{tc.want}, got.Values(tc.header))
		})
	}
}

func TestRecorderRedactsEachBody(t *testing.T) {
	t.Parallel()
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	js := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name            string
		header          http.Header
		body, want      string
		response        bool
		opts            recording.RecorderOptions
		wantNotContains string
	}{
		{name: "token request form", header: form,
			body: "grant_type=client_credentials&client_id=" + clientID + "&client_secret=" + clientSecret + "%2F",
			want: "grant_type=client_credentials&client_id=" + clientID + "&client_secret=REDACTED"},
		{name: "revocation form", header: form, body: "token=" + accessToken + "&token_type_hint=access_token", want: "token=REDACTED&token_type_hint=access_token"},
		{name: "token response", header: js, response: true,
			body: `{"access_token":"` + accessToken + `","expires_in":3600,"token_type":"Bearer","refresh_token":"` + refreshToken + `","id_token":{"raw":"x"}}`,
			want: `{"access_token":"REDACTED","expires_in":3600,"token_type":"Bearer","refresh_token":"REDACTED","id_token":"REDACTED"}`},
		{name: "nested secrets", header: js, response: true,
			body: `{"apiKey":{"publicKey":"qwertyui","privateKey":"` + privateKey + `"},"list":[{"secret":"mdb_sa_sk_abcdefgh"}]}`,
			want: `{"apiKey":{"publicKey":"qwertyui","privateKey":"REDACTED"},"list":[{"secret":"REDACTED"}]}`},
		{name: "broken JSON falls back to text", header: js, response: true,
			body: `{"access_token": "` + accessToken, want: `{"access_token": "REDACTED`},
		{name: "RedactFields", header: js, response: true, opts: recording.RecorderOptions{RedactFields: []string{"sessionKey"}},
			body: `{"session_key":"abcdefghijkl","ok":true}`, want: `{"session_key":"REDACTED","ok":true}`},
		{name: "error bodies stay byte for byte", header: js, response: true,
			body: "{\n  \"error\": 400,\n  \"errorCode\": \"ATLAS_MAINTENANCE_NOT_SCHEDULED\"\n}",
			want: "{\n  \"error\": 400,\n  \"errorCode\": \"ATLAS_MAINTENANCE_NOT_SCHEDULED\"\n}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got string
			if tc.response {
				got = recordExchange(t, tc.opts, http.Header{}, tc.header, "", tc.body).Response.Body
			} else {
				got = recordExchange(t, tc.opts, tc.header, http.Header{}, tc.body, "").Request.Body
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
