package atlastest

import (
	"net/http/httptest"
	"testing"

	atlas "github.com/atlascontract/deferwindow/gen"
)

// Server is a fake started on a loopback port for one test, closed with it.
type Server struct {
	*Fake
	t  testing.TB
	ts *httptest.Server
}

// NewServer starts a fake on 127.0.0.1 for the test t and closes it when
// the test ends. An answer that breaks the fragment fails t; so does a bad
// option.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	opts = append([]Option{WithViolationHandler(func(msg string) { t.Error(msg) })}, opts...)
	f, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(f)
	f.core.Configure(ts.Config)
	ts.Start()
	t.Cleanup(ts.Close)
	return &Server{Fake: f, t: t, ts: ts}
}

// URL returns the server's base URL, for atlas.WithServer.
func (s *Server) URL() string { return s.ts.URL + s.s.mount }

// Close shuts the server down; NewServer's cleanup does it too.
func (s *Server) Close() { s.ts.Close() }

// Client returns an *atlas.Client pointed at the server with the first
// Service Account it accepts (its API key if it has no Service Account).
// opts apply after those, so they override them.
func (s *Server) Client(opts ...atlas.Option) *atlas.Client {
	s.t.Helper()
	var auth atlas.Option
	if sa, ok := s.ServiceAccount(); ok {
		auth = atlas.WithServiceAccount(sa.ClientID, sa.ClientSecret)
	} else if k, ok := s.APIKey(); ok {
		auth = atlas.WithAPIKey(k.PublicKey, k.PrivateKey)
	}
	return s.client(auth, opts)
}

// APIKeyClient returns an *atlas.Client pointed at the server with the
// first API key it accepts, authenticating by HTTP Digest.
func (s *Server) APIKeyClient(opts ...atlas.Option) *atlas.Client {
	s.t.Helper()
	k, ok := s.APIKey()
	if !ok {
		s.t.Fatal("atlastest: the fake accepts no API key")
	}
	return s.client(atlas.WithAPIKey(k.PublicKey, k.PrivateKey), opts)
}

func (s *Server) client(auth atlas.Option, opts []atlas.Option) *atlas.Client {
	s.t.Helper()
	all := append([]atlas.Option{atlas.WithServer(s.URL()), atlas.WithTransport(s.ts.Client().Transport), auth}, opts...)
	c, err := atlas.New(all...)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}
