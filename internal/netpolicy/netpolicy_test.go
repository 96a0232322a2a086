package netpolicy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeDNS answers from a table; it never queries the network.
func fakeDNS(table map[string][]string) func(context.Context, string) ([]net.IPAddr, error) {
	return func(_ context.Context, host string) ([]net.IPAddr, error) {
		ips, ok := table[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var out []net.IPAddr
		for _, ip := range ips {
			out = append(out, net.IPAddr{IP: net.ParseIP(ip)})
		}
		return out, nil
	}
}

// The tests below replace the package's resolver, so they do not run in parallel.
func withDNS(t *testing.T, table map[string][]string) {
	t.Helper()
	old := lookupIPAddr
	lookupIPAddr = fakeDNS(table)
	t.Cleanup(func() { lookupIPAddr = old })
}

func TestLoopbackIsDecidedByResolutionNotByName(t *testing.T) {
	withDNS(t, map[string][]string{
		"localhost":        {"127.0.0.1", "::1"},
		"mock.internal":    {"127.0.0.2"},
		"api.localhost":    {"203.0.113.7"},               // a DNS server that answers *.localhost
		"LOCALHOST":        {"127.0.0.1", "198.51.100.1"}, // one address is not loopback
		"evil.example.com": {"127.0.0.1"},
	})
	for _, tc := range []struct {
		base     string
		loopback bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://[::1]:8080", true},
		{"http://localhost:8080", true},
		{"http://mock.internal:8080", true},
		{"http://evil.example.com", true}, // resolves to loopback only: dialled there, so nothing leaves the machine
		{"http://api.localhost:8080", false},
		{"http://LOCALHOST:8080", false},
		{"http://unknown.localhost:8080", false},
		{"https://192.0.2.1", false},
	} {
		got, err := Check(t.Context(), tc.base, false)
		if !tc.loopback {
			require.ErrorIs(t, err, ErrNeedsLive, tc.base)
			assert.NotContains(t, err.Error(), "--", "%s: the library's error names no CLI flag; the CLI adds its own hint", tc.base)
			continue
		}
		require.NoError(t, err, tc.base)
		assert.True(t, got.Loopback, tc.base)
		assert.Nil(t, got.Transport.Proxy, "%s: a loopback target is never reached through a proxy", tc.base)
	}
}

func TestErrorsSayWhy(t *testing.T) {
	withDNS(t, map[string][]string{"api.localhost": {"203.0.113.7"}})
	_, err := Check(t.Context(), "http://api.localhost:1", false)
	assert.ErrorContains(t, err, "resolves to 203.0.113.7, not a loopback address")
	_, err = Check(t.Context(), "http://nowhere.localhost:1", false)
	assert.ErrorContains(t, err, "nowhere.localhost does not resolve")
	_, err = Check(t.Context(), "ftp://127.0.0.1", true)
	assert.ErrorContains(t, err, "not an http(s) URL")
	_, err = Check(t.Context(), "http://user:pw@127.0.0.1", false)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pw", "user info is never printed")
	_, err = Check(t.Context(), "http://192.0.2.1", true)
	assert.ErrorContains(t, err, "clear text", "a live target needs https")
}

func TestLiveAllowsARemoteHTTPSTarget(t *testing.T) {
	withDNS(t, map[string][]string{})
	got, err := Check(t.Context(), "https://192.0.2.1", true)
	require.NoError(t, err)
	assert.False(t, got.Loopback)
	require.NotNil(t, got.Transport.Proxy, "a remote target may go through the environment's proxy, over TLS")
}

func TestLoopbackTransportDialsTheResolvedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Host)
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	withDNS(t, map[string][]string{"api.localhost": {"::1", u.Hostname()}})

	target, err := Check(t.Context(), "http://api.localhost:"+u.Port(), false)
	require.NoError(t, err)
	client := &http.Client{Transport: target.Transport}
	defer target.Transport.CloseIdleConnections()
	// The name is never looked up again: a request for any host still
	// reaches the checked addresses, so a name that changes its answer
	// cannot redirect credentials.
	lookupIPAddr = fakeDNS(map[string][]string{"api.localhost": {"203.0.113.7"}})
	for _, host := range []string{"api.localhost", "elsewhere.example.com"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+host+":"+u.Port()+"/", nil)
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err, host)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
}

func TestLoopbackTransportReportsEveryFailedAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close()) // nothing listens there now
	target, err := Check(t.Context(), fmt.Sprintf("http://127.0.0.1:%d", port), false)
	require.NoError(t, err)
	_, err = target.Transport.DialContext(t.Context(), "tcp", fmt.Sprintf("127.0.0.1:%d", port))
	var op *net.OpError
	assert.True(t, errors.As(err, &op), "the dial error is kept: %v", err)
}
