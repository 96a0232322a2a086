package atlas

import (
	"net/http"
	"sync"
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
