package atlastest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/httpserve"
)

// Server is a fake started on a loopback port for one test, closed with it.
// Its methods that can fail (Script, Advance) fail the test instead of
// returning an error.
type Server struct {
	*Fake
	t  testing.TB
	ts *httptest.Server
}

// NewServer starts a fake on 127.0.0.1 for the test t and closes it when
// the test ends, within the limits of every server of this module
// (timeouts against slow clients, header and body caps). A bad option
// fails t.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	f, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = f
	for _, mw := range f.s.middleware {
		h = mw(h)
	}
	ts := httptest.NewUnstartedServer(nil)
	limits := httpserve.DefaultLimits
	limits.WriteTimeout += MaxReplyDelay // a scripted delay must not cut the answer
	limits.Configure(ts.Config, h)
	ts.Start()
	srv := &Server{Fake: f, t: t, ts: ts}
	t.Cleanup(srv.Close)
	return srv
}

// URL returns the server's base URL, for atlas.WithServer.
func (s *Server) URL() string { return s.ts.URL + s.mount }

// Close shuts the server down, at once: a scripted delay in flight ends
// with its connection dropped (see Fake.Close). NewServer's cleanup does
// it too.
func (s *Server) Close() {
	s.Fake.Close()
	s.ts.Close()
}

// Script queues the next answers for one project's requests (see
// Fake.Script); a refused script fails the test.
func (s *Server) Script(projectID string, replies ...Reply) {
	s.t.Helper()
	if err := s.Fake.Script(projectID, replies...); err != nil {
		s.t.Fatalf("atlastest: Script: %v", err)
	}
}

// Advance moves the fake's clock forward (see Fake.Advance); a refused
// move fails the test.
func (s *Server) Advance(d time.Duration) {
	s.t.Helper()
	if err := s.Fake.Advance(d); err != nil {
		s.t.Fatalf("atlastest: Advance: %v", err)
	}
}

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
