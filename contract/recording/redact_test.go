package recording_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
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
		{name: "access token header", header: "X-Access-Token", value: "xat-12345678", want: "REDACTED"},
		{name: "GitLab private token", header: "Private-Token", value: "glpat-12345678", want: "REDACTED"},
		{name: "Google API key", header: "X-Goog-Api-Key", value: "AIzaSy-12345678", want: "REDACTED"},
		{name: "AWS session token", header: "X-Amz-Security-Token", value: "FwoGZXIvYXdzE-12345678", want: "REDACTED"},
		{name: "client secret header", header: "X-Client-Secret", value: "cs-12345678", want: "REDACTED"},
		{name: "Atlas timing stays", header: "X-Envoy-Upstream-Service-Time", value: "12", want: "12", response: true},
		{name: "Atlas rate limit stays", header: "Ratelimit-Remaining", value: "99", want: "99", response: true},
		{name: "Atlas method stays", header: "X-Java-Method", value: "ApiGroupMaintenanceResource::deferMaintenance", want: "ApiGroupMaintenanceResource::deferMaintenance", response: true},
		{name: "CORS credentials flag stays", header: "Access-Control-Allow-Credentials", value: "true", want: "true", response: true},
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
		{name: "secret in an array or an object under a secret name", header: js, response: true,
			body: `{"apiKey":["SECRET_IN_ARRAY_1",12345678901],"token":{"value":"SECRET_IN_OBJECT_2","ok":true,"n":null},` +
				`"api_key":[{"id":"SECRET_ID_3"},{"publicKey":"pubkey12","privateKey":"SECRET_PRIVATE_4"}],"echo":"SECRET_IN_ARRAY_1"}`,
			want: `{"apiKey":["REDACTED","REDACTED"],"token":{"value":"REDACTED","ok":true,"n":null},` +
				`"api_key":[{"id":"REDACTED"},{"publicKey":"pubkey12","privateKey":"REDACTED"}],"echo":"REDACTED"}`},
		{name: "a secret-named sibling keeps no secret", header: js, response: true,
			body: `{"token":{"value":"SECRET_TOKEN_VALUE","signature":"abcdefghijk"},"apiKey":{"secret":null,"value":"SECRET_APIKEY_VALUE"}}`,
			want: `{"token":{"value":"REDACTED","signature":"REDACTED"},"apiKey":{"secret":null,"value":"REDACTED"}}`},
		{name: "an Atlas API key keeps its identifiers only", header: js, response: true,
			body: `{"apiKey":{"desc":"ci key","id":"32b6e34b3d91647abb20e7b8","links":[{"href":"https://cloud.mongodb.com/api/atlas/v2/orgs/x","rel":"self"}],` +
				`"privateKey":"SECRET_PRIVATE_KEY_5","publicKey":"zmmrboas","roles":[{"orgId":"32b6e34b3d91647abb20e7b9","roleName":"ORG_OWNER"}],"value":"SECRET_BESIDE_6"},` +
				`"self":"/apiKeys/32b6e34b3d91647abb20e7b8?user=zmmrboas"}`,
			want: `{"apiKey":{"desc":"ci key","id":"32b6e34b3d91647abb20e7b8","links":[{"href":"https://cloud.mongodb.com/api/atlas/v2/orgs/x","rel":"self"}],` +
				`"privateKey":"REDACTED","publicKey":"zmmrboas","roles":[{"orgId":"32b6e34b3d91647abb20e7b9","roleName":"ORG_OWNER"}],"value":"REDACTED"},` +
				`"self":"/apiKeys/32b6e34b3d91647abb20e7b8?user=zmmrboas"}`},
		{name: "a secret string elsewhere keeps its quotes", header: js, response: true,
			body: `{"password":"SECRET_ECHOED_5","echo":"SECRET_ECHOED_5"}`,
			want: `{"password":"REDACTED","echo":"REDACTED"}`},
		{name: "broken JSON falls back to text", header: js, response: true,
			body: `{"access_token": "` + accessToken, want: `{"access_token": "REDACTED`},
		{name: "RedactFields", header: js, response: true, opts: recording.RecorderOptions{RedactFields: []string{"sessionKey"}},
			body: `{"session_key":"abcdefghijkl","ok":true}`, want: `{"session_key":"REDACTED","ok":true}`},
		{name: "JSON API key and token", header: js, response: true,
			body: `{"apiKey":"SECRET_JSON_APIKEY_1","token":"SECRET_JSON_TOKEN_2","api_key":"k","key":"env","code":"NOT_FOUND"}`,
			want: `{"apiKey":"REDACTED","token":"REDACTED","api_key":"REDACTED","key":"env","code":"NOT_FOUND"}`},
		{name: "form API keys", header: form,
			body: "api_key=SECRET_A&apiKey=SECRET_B&key=SECRET_C&access_key=SECRET_D&X-Amz-Signature=SECRET_E&X-Amz-Credential=SECRET_F%2F&keep=1",
			want: "api_key=REDACTED&apiKey=REDACTED&key=REDACTED&access_key=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&keep=1"},
		{name: "multipart form", header: http.Header{"Content-Type": {"multipart/form-data; boundary=XyZ"}},
			body: "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nclient_credentials\r\n" +
				"--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\nSECRET_MULTIPART_CS\r\n" +
				"--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"token\":\"SECRET_IN_PART\"}\r\n--XyZ--\r\n",
			want: "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nclient_credentials\r\n" +
				"--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\nREDACTED\r\n" +
				"--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"token\":\"REDACTED\"}\r\n--XyZ--\r\n"},
		{name: "multipart inside multipart", header: http.Header{"Content-Type": {"multipart/form-data; boundary=XX"}},
			body: "--XX\r\nContent-Disposition: form-data; name=\"outer\"\r\nContent-Type: multipart/mixed; boundary=YY\r\n\r\n" +
				"--YY\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\nSECRET_NESTED_MP\r\n--YY--\r\n\r\n--XX--\r\n",
			want: "--XX\r\nContent-Disposition: form-data; name=\"outer\"\r\nContent-Type: multipart/mixed; boundary=YY\r\n\r\n" +
				"--YY\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\nREDACTED\r\n--YY--\r\n\r\n--XX--\r\n"},
		{name: "text password with spaces", header: http.Header{"Content-Type": {"text/plain"}}, response: true,
			body: "user: ci\npassword: SECRET PART TWO WORDS  \napiKey = SECRET_EQ next\n\"client_secret\": \"TWO \\\"QUOTED\\\" WORDS\", \"ok\": 1\n",
			want: "user: ci\npassword: REDACTED  \napiKey = REDACTED next\n\"client_secret\": \"REDACTED\", \"ok\": 1\n"},
		{name: "text in single quotes", header: http.Header{"Content-Type": {"text/plain"}}, response: true,
			body: "password = 'SECRET two words here'\n{'client_secret': 'SECRET it\\'s quoted', 'ok': 1}\ntoken: it's SECRET to the end\n",
			want: "password = 'REDACTED'\n{'client_secret': 'REDACTED', 'ok': 1}\ntoken: REDACTED\n"},
		{name: "text in single quotes with doubled quotes", header: http.Header{"Content-Type": {"text/plain"}}, response: true,
			body: "password: 'ab''cd efgh SECRETTAIL1'\npassword='ab''SECRETTAIL2'&next=1\n{'password': '', 'user': 'bob'}\nnote: ab'cd efgh SECRETTAIL1\n",
			want: "password: 'REDACTED'\npassword='REDACTED'&next=1\n{'password': 'REDACTED', 'user': 'bob'}\nnote: REDACTED\n"},
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

// TestRecorderRedactsURLUserAndQueryKeys records a token sent as a URL's
// user name (which Go's client also sends as "Authorization: Basic
// base64(TOKEN:)") and API keys in the query: none reaches the cassette, in
// the URL, the recorded form or the header, and the URL keeps its shape.
func TestRecorderRedactsURLUserAndQueryKeys(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 204, Status: "204 No Content", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	}), recording.RecorderOptions{})
	secrets := []string{"SECRET_USERINFO_TOKEN_K", "SECRET_QUERY_API_KEY_A", "SECRET_QUERY_KEY_C", "SECRET_QUERY_SIG_E", "SECRET_QUERY_CRED_F"}
	for _, u := range []string{
		"https://SECRET_USERINFO_TOKEN_K@cloud.mongodb.com/u",
		"https://ci-bot:SECRET_QUERY_SIG_E@cloud.mongodb.com/p",
		"https://cloud.mongodb.com/q?api_key=SECRET_QUERY_API_KEY_A&key=SECRET_QUERY_KEY_C&X-Amz-Credential=SECRET_QUERY_CRED_F&page=2",
	} {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
		req.RequestURI = ""
		if req.URL.User != nil {
			pass, _ := req.URL.User.Password()
			req.SetBasicAuth(req.URL.User.Username(), pass) // as net/http's client does
		}
		resp, err := rec.RoundTrip(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
	}
	data, err := rec.Marshal()
	require.NoError(t, err)
	for _, secret := range secrets {
		assert.NotContains(t, string(data), secret)
	}
	var c cassette.Cassette
	require.NoError(t, yaml.Unmarshal(data, &c))
	require.Len(t, c.Interactions, 3)
	assert.Equal(t, "https://REDACTED@cloud.mongodb.com/u", c.Interactions[0].Request.URL)
	assert.Equal(t, "https://REDACTED:REDACTED@cloud.mongodb.com/p", c.Interactions[1].Request.URL)
	assert.Equal(t, "https://cloud.mongodb.com/q?api_key=REDACTED&key=REDACTED&X-Amz-Credential=REDACTED&page=2", c.Interactions[2].Request.URL)
	assert.Equal(t, []string{"REDACTED"}, c.Interactions[2].Request.Form["key"])
	assert.Equal(t, []string{"2"}, c.Interactions[2].Request.Form["page"])
}

// TestRecorderRedactsDeepMultipartWhole nests multipart bodies one inside
// the other: each is redacted part by part down to the fourth, and the
// fifth, too deep, is replaced whole.
func TestRecorderRedactsDeepMultipartWhole(t *testing.T) {
	t.Parallel()
	nest := func(level int, inner string) string {
		b := fmt.Sprintf("B%d", level)
		return fmt.Sprintf("Content-Type: multipart/mixed; boundary=%s\r\n\r\n--%s\r\n"+
			"Content-Disposition: form-data; name=\"client_secret\"\r\n\r\nSECRET_LEVEL_%d\r\n--%s\r\n%s\r\n--%s--\r\n", b, b, level, b, inner, b)
	}
	inner := "Content-Type: text/plain\r\n\r\nkeep me"
	for level := 5; level >= 1; level-- {
		inner = nest(level, inner)
	}
	ct, body, _ := strings.Cut(inner, "\r\n\r\n")
	got := recordExchange(t, recording.RecorderOptions{}, http.Header{"Content-Type": {strings.TrimPrefix(ct, "Content-Type: ")}}, http.Header{}, body, "").Request.Body
	assert.NotContains(t, got, "SECRET_LEVEL")
	for level := 1; level <= 4; level++ {
		assert.Contains(t, got, fmt.Sprintf("--B%d\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\nREDACTED\r\n", level))
	}
	assert.Contains(t, got, "Content-Type: multipart/mixed; boundary=B5\r\n\r\nREDACTED\r\n--B4--")
	assert.NotContains(t, got, "keep me")
}

// deepSecretBodies returns JSON bodies nested depth levels deep under a
// secret name, one of arrays and one of objects, each with a secret leaf,
// and what the recorder makes of them.
func deepSecretBodies(depth int) map[string][2]string {
	return map[string][2]string{
		"arrays": {
			`{"apiKey":` + strings.Repeat("[", depth) + `"SECRET_DEEP_LEAF"` + strings.Repeat("]", depth) + `}`,
			`{"apiKey":` + strings.Repeat("[", depth) + `"REDACTED"` + strings.Repeat("]", depth) + `}`,
		},
		"objects": {
			strings.Repeat(`{"apiKey":`, depth) + `"SECRET_DEEP_LEAF"` + strings.Repeat("}", depth),
			strings.Repeat(`{"apiKey":`, depth) + `"REDACTED"` + strings.Repeat("}", depth),
		},
	}
}

// redactRequestBody returns body redacted as the recorder redacts a
// request body, through RedactedMatcher.
func redactRequestBody(tb testing.TB, body string) string {
	tb.Helper()
	var got string
	match := recording.RedactedMatcher(func(r *http.Request, _ cassette.Request) bool {
		b, err := io.ReadAll(r.Body)
		require.NoError(tb, err)
		got = string(b)
		return true
	}, recording.RecorderOptions{})
	req := httptest.NewRequest(http.MethodPost, "https://cloud.mongodb.com/x", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	require.True(tb, match(req, cassette.Request{}))
	return got
}

// TestRecorderRedactsDeepNestingInLinearWork redacts bodies nested 9,000
// levels under a secret name: the result is right, and the bytes allocated
// (counted, not timed) grow with the body, not with the square of its depth:
// one pass allocates about 50 times the body's size (jsontext's state per
// level); decoding, copying and parsing each level again allocated 50,000
// times (0.9 GB for the 18 KB of arrays).
func TestRecorderRedactsDeepNestingInLinearWork(t *testing.T) {
	for name, tc := range deepSecretBodies(9000) {
		t.Run(name, func(t *testing.T) {
			body, want := tc[0], tc[1]
			assert.Equal(t, want, redactRequestBody(t, body))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			redactRequestBody(t, body)
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			assert.Less(t, allocated, uint64(200*len(body)), "bytes allocated to redact a %d-byte body", len(body))
		})
	}
}

func BenchmarkRedactDeepNesting(b *testing.B) {
	for _, name := range []string{"arrays", "objects"} {
		body := deepSecretBodies(9000)[name][0]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				redactRequestBody(b, body)
			}
		})
	}
}
