package atlas

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testClock is a settable clock for the token cache.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeClock makes the token cache of a Service Account client read a clock
// the test moves, starting now.
func fakeClock(c *Client) *testClock {
	clock := &testClock{now: time.Now()}
	c.http.Transport.(*bearerTransport).now = clock.Now
	return clock
}

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

// stallingBody answers 200 with a declared 10-byte body, sends one byte and
// then nothing until the test ends.
func stallingBody(t *testing.T) *fakeAtlas {
	stop := make(chan struct{})
	f := newFakeAtlas(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("{"))
		w.(http.Flusher).Flush()
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(stop) })
	return f
}

// returnsWithin fails the test when call has not returned within d; it does
// not measure speed, it catches a call that hangs.
func returnsWithin(t *testing.T, d time.Duration, call func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); call() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("the call did not return within %s", d)
	}
}

// TestDefaultTimeout checks that a call whose context has no deadline is
// bounded by the Client's timeout, and that a success body that trickles
// does not hold the one-line call, whatever the caller's deadline.
func TestDefaultTimeout(t *testing.T) {
	t.Parallel()
	assert.Equal(t, DefaultTimeout, mustNew(t).timeout)
	_, err := New(WithTimeout(-time.Second))
	require.ErrorContains(t, err, "WithTimeout")

	t.Run("typed call without a deadline", func(t *testing.T) {
		t.Parallel()
		c := newTestClient(t, stallingBody(t), WithTimeout(200*time.Millisecond))
		returnsWithin(t, 10*time.Second, func() {
			_, err := c.DeferMaintenanceWindowWithResponse(context.Background(), testGroupID, nil)
			require.ErrorIs(t, err, context.DeadlineExceeded)
		})
	})
	t.Run("one-line call with a long deadline of its own", func(t *testing.T) {
		t.Parallel()
		c := newTestClient(t, stallingBody(t))
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		returnsWithin(t, 10*time.Second, func() {
			require.NoError(t, c.DeferMaintenanceWindow(ctx, testGroupID), "the answer was a success")
		})
	})
}

// withLookup replaces the name lookup of the clear-text check.
func withLookup(names map[string][]string) Option {
	return func(s *settings) error {
		s.lookupIP = func(_ context.Context, _, host string) ([]net.IP, error) {
			addrs, ok := names[host]
			if !ok {
				return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
			}
			var ips []net.IP
			for _, a := range addrs {
				ips = append(ips, net.ParseIP(a))
			}
			return ips, nil
		}
		return nil
	}
}

// TestCleartextCredentialsRefused checks that credentials go over http://
// only to this machine, judged by address, unless WithInsecureHTTP allows it.
func TestCleartextCredentialsRefused(t *testing.T) {
	t.Parallel()
	lookup := withLookup(map[string][]string{
		"LOCALHOST":       {"127.0.0.1", "::1"},
		"evil.localhost":  {"192.0.2.7"},
		"mixed.example":   {"127.0.0.1", "192.0.2.7"},
		"loopback.test":   {"127.0.0.2"},
		"atlas.proxy.lan": {"10.0.0.5"},
	})
	key := WithAPIKey(testPublicKey, testPrivateKey)
	cases := []struct {
		server string
		opts   []Option
		ok     bool
	}{
		{server: "http://127.0.0.1:8080", opts: []Option{key}, ok: true},
		{server: "http://[::1]:8080", opts: []Option{key}, ok: true},
		{server: "http://LOCALHOST:8080", opts: []Option{key}, ok: true},
		{server: "http://loopback.test", opts: []Option{key}, ok: true},
		{server: "http://192.0.2.7", opts: []Option{key}},
		{server: "http://evil.localhost", opts: []Option{key}},
		{server: "http://mixed.example", opts: []Option{key}},
		{server: "http://unknown.example", opts: []Option{key}},
		{server: "http://atlas.proxy.lan", opts: []Option{WithServiceAccount(testClientID, testClientSecret)}},
		{server: "http://atlas.proxy.lan", opts: []Option{key, WithInsecureHTTP()}, ok: true},
		{server: "https://atlas.proxy.lan", opts: []Option{key}, ok: true},
		{server: "http://atlas.proxy.lan", ok: true}, // no credentials to leak
	}
	for _, tc := range cases {
		_, err := New(append([]Option{WithServer(tc.server), lookup}, tc.opts...)...)
		if tc.ok {
			assert.NoError(t, err, tc.server)
			continue
		}
		require.Error(t, err, tc.server)
		assert.Contains(t, err.Error(), "clear text", tc.server)
		assert.Contains(t, err.Error(), "WithInsecureHTTP", tc.server)
		assert.NotContains(t, err.Error(), testPrivateKey)
	}
	_, err := newFromEnv(lookupMap(map[string]string{
		EnvPublicAPIKey: testPublicKey, EnvPrivateAPIKey: testPrivateKey, EnvBaseURL: "http://192.0.2.7",
	}))
	require.ErrorContains(t, err, "clear text")
}

// TestRetryAfterZeroIsNoStorm checks that Retry-After: 0 still waits: with
// a budget shorter than the least wait, the 429 is returned after one request.
func TestRetryAfterZeroIsNoStorm(t *testing.T) {
	t.Parallel()
	for _, retryAfter := range []string{"0", ""} {
		var n atomic.Int32
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
			n.Add(1)
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeJSON(w, 429, `{"error":429,"errorCode":"RATE_LIMITED"}`)
		})
		c := newTestClient(t, f, WithRetryOn429(1000, 500*time.Millisecond))
		err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
		assert.True(t, HasErrorCode(err, CodeRateLimited), "Retry-After %q: %v", retryAfter, err)
		assert.Equal(t, int32(1), n.Load(), "Retry-After %q: requests sent", retryAfter)
	}
}

// TestTokenLifetimes checks how long a token is used for each kind of
// expires_in: a missing, zero or negative one as assumedTokenLifetime, a
// short one for half its life.
func TestTokenLifetimes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		expiresIn   int
		noExpiresIn bool
		reuse       time.Duration // a call this long after the first still uses the first token
		renewed     time.Duration // a call this long after the first fetches another
	}{
		{name: "zero", expiresIn: 0, reuse: 8 * time.Minute, renewed: 9*time.Minute + time.Second},
		{name: "missing", noExpiresIn: true, reuse: 8 * time.Minute, renewed: 9*time.Minute + time.Second},
		{name: "negative", expiresIn: -30, reuse: 8 * time.Minute, renewed: 9*time.Minute + time.Second},
		{name: "short", expiresIn: 30, reuse: 10 * time.Second, renewed: 16 * time.Second},
		{name: "an hour", expiresIn: 3600, reuse: 58 * time.Minute, renewed: 59*time.Minute + time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := &tokenServer{t: t, expiresIn: tc.expiresIn, noExpiresIn: tc.noExpiresIn}
			f, seen := oauthAtlas(t, ts)
			c := newTestClient(t, f, WithServiceAccount(testClientID, testClientSecret))
			clock := fakeClock(c)
			require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
			clock.Add(tc.reuse)
			require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
			clock.Add(tc.renewed - tc.reuse)
			require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
			assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-1", "Bearer tok-2"}, seen())
		})
	}
}

// TestUnauthorizedDropsToken checks that a 401 answer drops the token it
// was sent with: the next call fetches a new one.
func TestUnauthorizedDropsToken(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{t: t, expiresIn: 3600}
	f := newFakeAtlas(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == testTokenURL:
			ts.serve(w, r)
		case r.Header.Get("Authorization") == "Bearer tok-1":
			writeJSON(w, 401, `{"error":401,"errorCode":"NOT_AUTHENTICATED","reason":"Unauthorized"}`)
		default:
			atlasOK(w)
		}
	})
	c := newTestClient(t, f, WithServiceAccount(testClientID, testClientSecret))
	err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
	assert.True(t, HasErrorCode(err, "NOT_AUTHENTICATED"), "%v", err)
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	assert.Equal(t, int32(2), ts.calls.Load())
}

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

// TestNilContext checks that a nil context is an error, not a panic.
func TestNilContext(t *testing.T) {
	t.Parallel()
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) })
	c := newTestClient(t, f)
	var nilCtx context.Context
	require.ErrorContains(t, c.DeferMaintenanceWindow(nilCtx, testGroupID), "context is nil")
	_, err := c.DeferMaintenanceWindowWithResponse(nilCtx, testGroupID, nil)
	require.ErrorContains(t, err, "context is nil")
	assert.Empty(t, f.requests())
}

// TestRateLimitHeaders checks that the RateLimit headers of a success reach
// the hook, and those of a failure the *Error as well.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	status := http.StatusOK
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("RateLimit-Limit", "100")
		w.Header().Set("RateLimit-Remaining", "42")
		if status == http.StatusOK {
			atlasOK(w)
			return
		}
		writeJSON(w, status, `{"error":429,"errorCode":"RATE_LIMITED"}`)
	})
	var mu sync.Mutex
	var got []RateLimit
	c := newTestClient(t, f, WithRateLimitHook(func(_ context.Context, rl RateLimit) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, rl)
	}))
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	status = http.StatusTooManyRequests
	err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, RateLimit{Limit: 100, Remaining: 42}, e.RateLimit)
	assert.Equal(t, []RateLimit{{100, 42}, {100, 42}}, got)

	assert.Equal(t, RateLimit{Limit: -1, Remaining: -1}, rateLimitOf(http.Header{}))
	assert.Equal(t, RateLimit{Limit: -1, Remaining: 3}, rateLimitOf(http.Header{"Ratelimit-Limit": {"many"}, "Ratelimit-Remaining": {"3"}}))
	_, err = New(WithRateLimitHook(nil))
	require.Error(t, err)
}

// TestTypedRetryAfter checks the typed call's Retry-After: an HTTP date is
// given in seconds, a bad value is left out without failing the decoding.
func TestTypedRetryAfter(t *testing.T) {
	t.Parallel()
	var retryAfter atomic.Value
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", retryAfter.Load().(string))
		w.Header().Set("RateLimit-Limit", "x")
		writeJSON(w, 429, `{"error":429,"errorCode":"RATE_LIMITED"}`)
	})
	c := newTestClient(t, f)

	retryAfter.Store(time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat))
	rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	require.NotNil(t, rsp.Headers429.RetryAfter)
	assert.InDelta(t, 120, *rsp.Headers429.RetryAfter, 5)
	assert.Nil(t, rsp.Headers429.RateLimitLimit)
	assert.Equal(t, "x", rsp.HTTPResponse.Header.Get("RateLimit-Limit"), "the raw headers stay as they came")

	retryAfter.Store("soon")
	rsp, err = c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	assert.Nil(t, rsp.Headers429.RetryAfter)
	require.NotNil(t, rsp.JSON429)
	assert.Equal(t, CodeRateLimited, rsp.JSON429.ErrorCode)
	require.True(t, errors.As(CheckResponse(rsp), new(*Error)))
}

// TestTokenRequestUserAgent checks that the token request and the API call
// send the same User-Agent.
func TestTokenRequestUserAgent(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{t: t, expiresIn: 3600}
	f, _ := oauthAtlas(t, ts)
	c := newTestClient(t, f, WithServiceAccount(testClientID, testClientSecret))
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	reqs := f.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, testTokenURL, reqs[0].Path)
	assert.Equal(t, userAgent(), reqs[0].Header.Get("User-Agent"))
	assert.Equal(t, userAgent(), reqs[1].Header.Get("User-Agent"))
}
