package atlas

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// elsewhere is a server that is not the Client's; it records the
// Authorization header of every request it gets.
func elsewhere(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		atlasOK(w)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// TestCredentialsStayOnTheServer checks that the Client's credentials never
// reach another host: Do and an editor of the typed call are refused, with
// an error naming both origins, for another host, port or scheme, and a
// redirect to another host is not followed.
func TestCredentialsStayOnTheServer(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{t: t, expiresIn: 3600}
	var redirectTo string
	f := newFakeAtlas(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == testTokenURL:
			ts.serve(w, r)
		case strings.HasSuffix(r.URL.Path, "/redirect"):
			http.Redirect(w, r, redirectTo, http.StatusTemporaryRedirect)
		default:
			atlasOK(w)
		}
	})
	other, reached := elsewhere(t)
	redirectTo = other.URL + "/stolen"
	server, err := url.Parse(f.URL())
	require.NoError(t, err)
	c := newTestClient(t, f, WithServiceAccount(testClientID, testClientSecret))

	for _, target := range []string{
		other.URL + "/api/atlas/v2/groups/" + testGroupID + "/maintenanceWindow/defer", // another port
		"https://" + server.Host + "/mock/x",                                           // another scheme
		"http://localhost.invalid:" + server.Port() + "/mock/x",
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, target, nil)
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.Nil(t, resp, target)
		var oe *OriginError
		require.ErrorAs(t, err, &oe, target)
		u, _ := url.Parse(target)
		assert.Contains(t, err.Error(), u.Scheme+"://"+u.Host, target)
		assert.Contains(t, err.Error(), "http://"+server.Host, target)
	}

	// The server's own origin, spelt otherwise, is the same origin.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "HTTP://"+strings.ToUpper(server.Host)+"/mock/redirect", nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode, "the redirect is returned, not followed")

	_, err = c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil, func(_ context.Context, r *http.Request) error {
		r.URL.Host = other.Listener.Addr().String()
		return nil
	})
	var oe *OriginError
	require.ErrorAs(t, err, &oe, "an editor cannot send the call elsewhere")

	assert.Empty(t, reached(), "nothing reached the other host")
	assert.NotEmpty(t, f.apiRequests())
}

// TestSameOrigin checks the comparison: scheme and host without case, the
// scheme's default port filled in.
func TestSameOrigin(t *testing.T) {
	t.Parallel()
	base, err := url.Parse("https://cloud.mongodb.com")
	require.NoError(t, err)
	for raw, want := range map[string]bool{
		"https://cloud.mongodb.com/api":     true,
		"HTTPS://Cloud.MongoDB.com:443/api": true,
		"https://cloud.mongodb.com:8443/":   false,
		"http://cloud.mongodb.com/":         false,
		"https://cloud.mongodb.com.evil/":   false,
		"https://evil@cloud.mongodb.com/":   true, // user info is no part of the origin
		"/api/relative":                     false,
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		assert.Equal(t, want, sameOrigin(u, base), raw)
	}
}
