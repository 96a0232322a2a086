package atlas

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testClientID     = "mdb_sa_id_0123456789abcdef01234567"
	testClientSecret = "mdb_sa_sk_SECRET-do-not-print-7f3c2a"
	testPublicKey    = "abcdefgh"
	testPrivateKey   = "PRIVATE-KEY-do-not-print-1b2c3d4e"
)

// tokenServer is a fake token endpoint: it checks the client credentials
// grant with HTTP Basic auth and hands out tok-1, tok-2, ...
type tokenServer struct {
	t           *testing.T
	expiresIn   int
	noExpiresIn bool // the answer has no expires_in member
	calls       atomic.Int32
	fail        func(w http.ResponseWriter) bool // answers instead when it returns true
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	n := ts.calls.Add(1)
	if ts.fail != nil && ts.fail(w) {
		return
	}
	id, secret, ok := r.BasicAuth()
	assert.True(ts.t, ok, "the token request uses HTTP Basic client auth")
	assert.Equal(ts.t, testClientID, id)
	assert.Equal(ts.t, testClientSecret, secret)
	assert.Equal(ts.t, http.MethodPost, r.Method)
	assert.Equal(ts.t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	assert.NoError(ts.t, r.ParseForm())
	assert.Equal(ts.t, "client_credentials", r.PostForm.Get("grant_type"))
	assert.Equal(ts.t, userAgent(), r.Header.Get("User-Agent"), "the token request sends the API calls' User-Agent")
	expiry := fmt.Sprintf(`,"expires_in":%d`, ts.expiresIn)
	if ts.noExpiresIn {
		expiry = ""
	}
	writeJSON(w, 200, fmt.Sprintf(`{"access_token":"tok-%d","token_type":"Bearer"%s}`, n, expiry))
}

// oauthAtlas is a fake Atlas with a token endpoint; the operation requires a
// bearer token and records which one it saw.
func oauthAtlas(t *testing.T, ts *tokenServer) (*fakeAtlas, func() []string) {
	var mu sync.Mutex
	var seen []string
	f := newFakeAtlas(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == testTokenURL {
			ts.serve(w, r)
			return
		}
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
			writeJSON(w, 401, `{"error":401,"errorCode":"NOT_AUTHENTICATED","reason":"Unauthorized"}`)
			return
		}
		atlasOK(w)
	})
	return f, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// TestServiceAccountConcurrentCallsFetchOneToken checks that 50 concurrent
// calls share one token request, and that the token request goes through the
// base transport below the base path.
func TestServiceAccountConcurrentCallsFetchOneToken(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{t: t, expiresIn: 3600}
	f, seen := oauthAtlas(t, ts)
	var through atomic.Int32
	counting := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		through.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})
	c := newTestClient(t, f, WithServiceAccount(testClientID, testClientSecret), WithTransport(counting))

	const n = 50
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- c.DeferMaintenanceWindow(t.Context(), testGroupID) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int32(1), ts.calls.Load(), "one token request for all calls")
	assert.Equal(t, int32(n+1), through.Load(), "the token request goes through the base transport too")
	for _, a := range seen() {
		assert.Equal(t, "Bearer tok-1", a)
	}
	assert.Len(t, seen(), n)

	// The generated path uses the same cached token.
	_, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	assert.Equal(t, int32(1), ts.calls.Load())
}

// TestServiceAccountTokenRefresh checks that a token is replaced a minute
// before it expires.
func TestServiceAccountTokenRefresh(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{t: t, expiresIn: 3600}
	f, seen := oauthAtlas(t, ts)
	c := newTestClient(t, f, WithServiceAccount(testClientID, testClientSecret))
	clock := fakeClock(c)
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	clock.Add(58 * time.Minute)
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	clock.Add(time.Minute + time.Second)
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	assert.Equal(t, int32(2), ts.calls.Load())
	assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-1", "Bearer tok-2"}, seen())
}

// TestServiceAccountTokenErrors checks that token endpoint failures surface
// with status and OAuth error code, and never with the secret.
func TestServiceAccountTokenErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		respond func(w http.ResponseWriter)
		want    TokenError
		wantMsg string
	}{
		{
			name: "invalid_client",
			respond: func(w http.ResponseWriter) {
				writeJSON(w, 401, `{"error":"invalid_client","error_description":"Invalid client credentials."}`)
			},
			want:    TokenError{StatusCode: 401, ErrorCode: "invalid_client", Description: "Invalid client credentials."},
			wantMsg: " failed: 401 Unauthorized: invalid_client: Invalid client credentials.",
		},
		{
			name: "description that echoes the secret",
			respond: func(w http.ResponseWriter) {
				writeJSON(w, 400, `{"error":"invalid_request","error_description":"bad secret `+testClientSecret+`"}`)
			},
			want:    TokenError{StatusCode: 400, ErrorCode: "invalid_request", Description: "bad secret REDACTED"},
			wantMsg: " failed: 400 Bad Request: invalid_request: bad secret REDACTED",
		},
		{
			name: "HTML 503",
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(503)
				_, _ = w.Write([]byte("<html><title>Down for maintenance</title></html>"))
			},
			want:    TokenError{StatusCode: 503, Description: "Down for maintenance"},
			wantMsg: " failed: 503 Service Unavailable: Down for maintenance",
		},
		{
			name: "HTML 503 with İ before the title",
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(503)
				_, _ = w.Write([]byte(`<html><head><meta name="description" content="` + strings.Repeat("İ", 24) + `"><title>Bakım çalışması</title></head></html>`))
			},
			want:    TokenError{StatusCode: 503, Description: "Bakım çalışması"},
			wantMsg: " failed: 503 Service Unavailable: Bakım çalışması",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := &tokenServer{t: t, fail: func(w http.ResponseWriter) bool { tc.respond(w); return true }}
			f, seen := oauthAtlas(t, ts)
			c := newTestClient(t, f, WithServiceAccount(testClientID, testClientSecret))

			err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
			var te *TokenError
			require.ErrorAs(t, err, &te)
			want := tc.want
			want.TokenURL = f.URL() + TokenPath
			assert.Equal(t, &want, te)
			assert.Contains(t, err.Error(), "atlas: service account token request to "+want.TokenURL+tc.wantMsg)
			for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%#v", te)} {
				assert.NotContains(t, s, testClientSecret)
			}
			assert.Empty(t, seen(), "no API request without a token")

			_, err = c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
			require.ErrorAs(t, err, &te)
		})
	}
}

// TestServiceAccountTokenWaitRespectsContext checks that a call waiting for
// a slow token endpoint returns when its context is cancelled.
func TestServiceAccountTokenWaitRespectsContext(t *testing.T) {
	t.Parallel()
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ts := &tokenServer{t: t, expiresIn: 3600, fail: func(http.ResponseWriter) bool {
		once.Do(func() { close(arrived) })
		<-release
		return false
	}}
	f, _ := oauthAtlas(t, ts)
	c := newTestClient(t, f, WithServiceAccount(testClientID, testClientSecret))
	cancelWhenArrived(t, c, arrived)
	close(release)
	assert.Empty(t, f.apiRequests())
}

// digestAtlas is a fake Atlas that demands HTTP Digest auth (MD5, qop=auth)
// as Atlas does for API keys, and checks the response digest.
func digestAtlas(t *testing.T) (*fakeAtlas, *atomic.Int32) {
	const realm, nonce = "MMS Public API", "nonce-0123456789abcdef"
	var authorized atomic.Int32
	challenge := func(w http.ResponseWriter) {
		w.Header().Set("WWW-Authenticate", `Digest realm="`+realm+`", domain="", nonce="`+nonce+`", algorithm=MD5, qop="auth", stale=false`)
		writeJSON(w, 401, `{"error":401,"errorCode":"NOT_AUTHENTICATED","detail":"You are not authenticated.","reason":"Unauthorized"}`)
	}
	f := newFakeAtlas(t, func(w http.ResponseWriter, r *http.Request) {
		p, ok := parseDigest(r.Header.Get("Authorization"))
		if !ok {
			challenge(w)
			return
		}
		md5hex := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
		ha1 := md5hex(testPublicKey + ":" + realm + ":" + testPrivateKey)
		ha2 := md5hex(r.Method + ":" + r.URL.RequestURI())
		want := md5hex(strings.Join([]string{ha1, nonce, p["nc"], p["cnonce"], "auth", ha2}, ":"))
		if p["username"] != testPublicKey || p["realm"] != realm || p["nonce"] != nonce ||
			p["uri"] != r.URL.RequestURI() || p["qop"] != "auth" || p["response"] != want {
			challenge(w)
			return
		}
		authorized.Add(1)
		atlasOK(w)
	})
	return f, &authorized
}

// parseDigest reads the parameters of an "Authorization: Digest ..." header.
func parseDigest(h string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(h, "Digest ")
	if !ok {
		return nil, false
	}
	p := map[string]string{}
	for _, part := range strings.Split(rest, ", ") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, false
		}
		p[k] = strings.Trim(v, `"`)
	}
	return p, true
}

// TestAPIKeyDigest checks HTTP Digest against a server that computes the
// digest itself, on both paths, with and without the envelope query, and
// that a wrong private key gives the 401 as an *Error.
func TestAPIKeyDigest(t *testing.T) {
	t.Parallel()
	f, authorized := digestAtlas(t)
	c := newTestClient(t, f, WithAPIKey(testPublicKey, testPrivateKey))
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	require.NoError(t, CheckResponse(rsp))
	enveloped := newTestClient(t, f, WithAPIKey(testPublicKey, testPrivateKey), WithEnvelope(true))
	require.NoError(t, enveloped.DeferMaintenanceWindow(t.Context(), testGroupID))
	assert.Equal(t, int32(3), authorized.Load())
	for _, r := range f.requests() {
		assert.Equal(t, MediaType, r.Header.Get("Accept"), "the challenge round trip carries the headers too")
	}

	wrong := newTestClient(t, f, WithAPIKey(testPublicKey, "not-the-key"))
	err = wrong.DeferMaintenanceWindow(t.Context(), testGroupID)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 401, e.StatusCode)
	assert.True(t, HasErrorCode(err, "NOT_AUTHENTICATED"))
	assert.Equal(t, int32(3), authorized.Load())
}

// TestSecretsNeverPrint checks every way of printing a Client, its settings
// and its options for the secrets.
func TestSecretsNeverPrint(t *testing.T) {
	t.Parallel()
	opts := map[string]Option{
		"service account": WithServiceAccount(testClientID, testClientSecret),
		"API key":         WithAPIKey(testPublicKey, testPrivateKey),
	}
	for name, opt := range opts {
		c, err := New(opt, WithRetryOn429(2, time.Minute))
		require.NoError(t, err)
		s := defaultSettings()
		require.NoError(t, opt(&s))
		var outputs []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%T"} {
			outputs = append(outputs,
				fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c), fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s),
				fmt.Sprintf(verb, s.auth), fmt.Sprintf(verb, opt), fmt.Sprintf(verb, []any{c, s}))
		}
		outputs = append(outputs, c.String(), c.GoString())
		for _, out := range outputs {
			assert.NotContains(t, out, testClientSecret, name)
			assert.NotContains(t, out, testPrivateKey, name)
		}
		assert.Contains(t, fmt.Sprintf("%+v", c), "REDACTED", name)
	}
	assert.Equal(t, `atlas.Client{server: "https://cloud.mongodb.com", auth: service account "`+testClientID+`" (secret REDACTED), mediaType: "`+MediaType+`", envelope: false, retry: off, timeout: 1m0s}`,
		mustNew(t, opts["service account"]).String())
}

func mustNew(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, err := New(opts...)
	require.NoError(t, err)
	return c
}

// TestTokenErrorOnNetworkFailure checks a token request that gets no answer.
func TestTokenErrorOnNetworkFailure(t *testing.T) {
	t.Parallel()
	errRefused := errors.New("dial tcp: connection refused")
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return nil, errRefused
	})
	c := mustNew(t, WithServer("http://127.0.0.1:1/x"), WithTransport(base), WithServiceAccount(testClientID, testClientSecret))
	err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 0, te.StatusCode)
	assert.Equal(t, "http://127.0.0.1:1/x/api/oauth/token", te.TokenURL)
	require.ErrorIs(t, err, errRefused, "the cause stays reachable")
	assert.NotContains(t, err.Error(), testClientSecret)
}

// TestServiceAccountShortContextsShareOneFetch makes 20 calls with 100 ms
// deadlines against a token endpoint that hangs, then answers 503. Every call returns at its deadline; the callers share one
// token request, whose failure is not cached, so the next call makes the
// next one; and nothing is left running once the fetch has completed.
//
// It is not parallel: it counts the process's goroutines, which tests
// running beside it would change.
func TestServiceAccountShortContextsShareOneFetch(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ts := &tokenServer{t: t, expiresIn: 3600, fail: func(w http.ResponseWriter) bool {
		once.Do(func() { close(arrived) })
		<-release
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("<html><title>Down for maintenance</title></html>"))
		return true
	}}
	f, seen := oauthAtlas(t, ts)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	c := newTestClient(t, f, WithServiceAccount(testClientID, testClientSecret), WithTransport(transport))
	before := runtime.NumGoroutine()

	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			errs <- c.DeferMaintenanceWindow(ctx, testGroupID)
		})
	}
	<-arrived
	wg.Wait() // every call has returned while the token request still hangs
	close(errs)
	for err := range errs {
		require.ErrorIs(t, err, context.DeadlineExceeded)
	}
	// settle polls, a bounded number of times, until at most limit
	// goroutines run (the callers' goroutines may still be exiting), and
	// returns the count: there is nothing to wait on but the count itself.
	settle := func(limit int) int {
		left := runtime.NumGoroutine()
		for i := 0; i < 300 && left > limit; i++ {
			time.Sleep(10 * time.Millisecond)
			transport.CloseIdleConnections()
			left = runtime.NumGoroutine()
		}
		return left
	}
	// While it hangs, the fetch holds a few goroutines (its own and the
	// connection's), not one per caller.
	assert.Less(t, settle(before+n/2-1)-before, n/2, "goroutines per waiting caller")
	close(release)

	// Once the shared fetch has completed, no goroutine of it, or of any
	// caller, is left.
	assert.LessOrEqual(t, settle(before), before, "goroutines left behind by the calls")
	assert.Equal(t, int32(1), ts.calls.Load(), "one token request for all 20 calls")

	// The failure was shared, not cached: the next call makes one request and gets it.
	err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, http.StatusServiceUnavailable, te.StatusCode)
	assert.Equal(t, int32(2), ts.calls.Load())
	assert.Empty(t, seen(), "no API request without a token")
}
