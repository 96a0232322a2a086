package atlas

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The environment of the child process TestLoopbackServerNeverThroughProxy
// starts: the server URLs it calls, with credentials, under the HTTP_PROXY
// the parent set.
const (
	envLoopbackChild   = "ATLAS_TEST_LOOPBACK_CHILD"
	envLoopbackServers = "ATLAS_TEST_LOOPBACK_SERVERS"
)

// TestLoopbackServerNeverThroughProxy checks that a Client whose http://
// server is this machine under a name Go's proxy rules do not exempt
// (LOCALHOST: they exempt "localhost" spelt in lower case, and loopback
// addresses, only) dials it directly and
// never sends the request, and its credentials, to the HTTP_PROXY of the
// environment. The Client runs in a child process, since net/http reads
// the proxy variables once per process.
func TestLoopbackServerNeverThroughProxy(t *testing.T) {
	t.Parallel()
	if os.Getenv(envLoopbackChild) != "" {
		t.Skip("the child runs TestLoopbackChild only")
	}
	ts := &tokenServer{t: t, expiresIn: 3600}
	f, seen := oauthAtlas(t, ts)
	var mu sync.Mutex
	var proxied []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		proxied = append(proxied, r.Method+" "+r.URL.String()+" Authorization="+r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "the proxy", http.StatusBadGateway)
	}))
	t.Cleanup(proxy.Close)
	server, err := url.Parse(f.URL())
	require.NoError(t, err)

	var targets []string
	for _, host := range []string{"LOCALHOST", "LocalHost"} {
		targets = append(targets, "http://"+host+":"+server.Port()+server.Path)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoopbackChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envLoopbackChild+"=1", envLoopbackServers+"="+strings.Join(targets, " "),
		"HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "the calls to %s:\n%s", targets, out)
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, proxied, "requests (and credentials) sent to the proxy")
	assert.Len(t, seen(), 4, "every call reached the server")
	assert.Equal(t, 2, strings.Count(strings.Join(seen(), " "), "Bearer tok-"), "with the service account's token")
}

// TestLoopbackChild is the child process of
// TestLoopbackServerNeverThroughProxy: a call with a Service Account and one
// with an API key to each server it is given.
func TestLoopbackChild(t *testing.T) {
	targets := strings.Fields(os.Getenv(envLoopbackServers))
	if os.Getenv(envLoopbackChild) == "" || len(targets) == 0 {
		t.Skip("run by TestLoopbackServerNeverThroughProxy")
	}
	for _, target := range targets {
		c, err := New(WithServer(target), WithServiceAccount(testClientID, testClientSecret))
		require.NoError(t, err)
		require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID), target)

		c, err = New(WithServer(target), WithAPIKey(testPublicKey, testPrivateKey))
		require.NoError(t, err)
		err = c.DeferMaintenanceWindow(t.Context(), testGroupID)
		// oauthAtlas knows no Digest: its 401, from the server itself, is the answer.
		require.True(t, HasErrorCode(err, "NOT_AUTHENTICATED"), "%s: %v", target, err)
	}
}

// TestLoopbackNameDialedAtItsAddresses checks that the default transport
// dials an http:// server whose name resolves only to loopback addresses at
// those addresses, the ones New resolved: a name no resolver knows reaches
// the server on this machine.
func TestLoopbackNameDialedAtItsAddresses(t *testing.T) {
	t.Parallel()
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) })
	server, err := url.Parse(f.URL())
	require.NoError(t, err)
	for _, host := range []string{"api.localhost", "atlas-mock.test"} {
		lookup := withLookup(map[string][]string{host: {"127.0.0.1"}})
		for _, auth := range []Option{nil, WithAPIKey(testPublicKey, testPrivateKey)} {
			c, err := New(WithServer("http://"+host+":"+server.Port()+server.Path), lookup, auth)
			require.NoError(t, err)
			require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID), host)
		}
	}
	assert.Len(t, f.requests(), 4)
}
