package atlas

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withLookup replaces the name lookup of the clear-text check.
func withLookup(names map[string][]string) Option {
	return func(s *settings) error {
		s.lookupIP = func(_ context.Context, host string) ([]net.IPAddr, error) {
			addrs, ok := names[host]
			if !ok {
				return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
			}
			var ips []net.IPAddr
			for _, a := range addrs {
				ips = append(ips, net.IPAddr{IP: net.ParseIP(a)})
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
