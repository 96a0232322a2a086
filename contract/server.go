package contract

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// ServerLimits bound what one client can take from the servers this package
// starts (the replay server, the mock and the fake), so a slow or hostile
// client cannot hold one: a slowloris client is cut off at ReadHeaderTimeout.
type ServerLimits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// MaxRequestBody caps a request body; the operation takes none.
	MaxRequestBody int64
}

// defaultServerLimits are the limits every Server starts with (its Limits
// field, which a caller may change before serving).
var defaultServerLimits = ServerLimits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       10 * time.Second,
	WriteTimeout:      10 * time.Second,
	IdleTimeout:       60 * time.Second,
	MaxHeaderBytes:    64 << 10,
	MaxRequestBody:    1 << 20,
}

// Call is one request as a Server hands it to its Answerer: routed, judged
// against the fragment, and with the mount prefix stripped.
type Call struct {
	Request *http.Request
	// Path is the escaped request path below the mount prefix.
	Path string
	// Operation is the operation the request routed to; nil for a token
	// exchange or an unknown path.
	Operation *Operation
	// Params are the path parameters, unescaped.
	Params map[string]string
	// Problems are the reasons the request breaks the fragment (the groupId
	// pattern, a non-boolean envelope, the versioned Accept), each naming
	// the parameter.
	Problems []string
	// Enveloped is true when the request asked for envelope=true.
	Enveloped bool
	// TokenExchange is true for a call to the OAuth 2.0 token endpoint the
	// spec's security schemes declare.
	TokenExchange bool
}

// GroupIDProblem tells whether one of the call's problems is about the
// groupId path parameter.
func (c *Call) GroupIDProblem() bool {
	return slices.ContainsFunc(c.Problems, func(p string) bool { return strings.HasPrefix(p, "path parameter groupId") })
}

// AcceptProblem tells whether one of the call's problems is about the
// versioned Accept header.
func (c *Call) AcceptProblem() bool {
	return slices.ContainsFunc(c.Problems, func(p string) bool { return strings.Contains(p, "Accept") })
}

// Answer is what an Answerer decides: a response, or a fault.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
	// Delay holds the answer back; the client may give up first.
	Delay time.Duration
	// Drop closes the connection without answering.
	Drop bool
	// Fault marks a deliberately broken answer (a proxy's HTML page, a
	// dropped connection): it is not held to the fragment.
	Fault bool
	// Principal names who the request authenticated as (a client id or a
	// public key, never a secret), for the journal.
	Principal string
}

// An Answerer chooses the answer to a call. It is the only thing that
// differs between the replay server, the mock and the fake.
type Answerer interface {
	Answer(c *Call) *Answer
}

// AnswerFunc adapts a function to Answerer.
type AnswerFunc func(c *Call) *Answer

// Answer calls f.
func (f AnswerFunc) Answer(c *Call) *Answer { return f(c) }

// ServerOptions tune a Server. The zero value judges nothing of the answers
// and keeps no journal.
type ServerOptions struct {
	// Mount is a path prefix stripped from incoming requests before routing
	// (a proxy's mount point, e.g. "/atlas"). A request outside it is
	// answered as an unknown path.
	Mount string
	// OnVerdict, when set, receives the checker's judgement of every
	// answer to a routed operation that is not a fault: the answer held to
	// the fragment.
	OnVerdict func(c *Call, a *Answer, j Judgement)
	// JournalSize bounds the journal: when it is full, the older half
	// goes. 0 keeps none.
	JournalSize int
	// Control, when set, answers every request below ControlPrefix, outside
	// routing, judging and the journal.
	Control http.Handler
	// SkipRequestCheck leaves Call.Problems and Call.Enveloped unset, for
	// an Answerer that answers by the raw request alone.
	SkipRequestCheck bool
}

// ControlPrefix is the reserved path prefix of a Server's control API.
const ControlPrefix = "/_contractcheck/"

// Server is the HTTP server core behind the replay server, the mock and the
// fake: limits, routing, request judging, the answer's check against the
// fragment and the journal. Its Answerer decides each answer.
type Server struct {
	// Limits bound what one client can take from Serve and Configure.
	Limits ServerLimits

	spec    *Spec
	checker *Checker
	answer  Answerer
	opts    ServerOptions

	mu      sync.Mutex
	journal []JournalEntry
}

// NewServer returns a server core answering through a.
func NewServer(spec *Spec, a Answerer, opts ServerOptions) *Server {
	return &Server{Limits: defaultServerLimits, spec: spec, checker: NewChecker(spec, CheckOptions{}), answer: a, opts: opts}
}

// Spec returns the spec the server routes and judges by.
func (s *Server) Spec() *Spec { return s.spec }

// ServeHTTP routes and judges the request, asks the Answerer, holds the
// answer to the fragment and writes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Control != nil && strings.HasPrefix(r.URL.Path, ControlPrefix) {
		s.opts.Control.ServeHTTP(w, r)
		return
	}
	c := s.route(r)
	a := s.answer.Answer(c)
	if a == nil {
		a = &Answer{Status: http.StatusInternalServerError, Fault: true}
	}
	s.record(c, a)
	if a.Delay > 0 {
		t := time.NewTimer(a.Delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if a.Drop {
		dropConnection(w)
		return
	}
	if c.Operation != nil && !a.Fault && s.opts.OnVerdict != nil {
		s.opts.OnVerdict(c, a, s.judge(c, a))
	}
	writeAnswer(w, a)
}

func (s *Server) route(r *http.Request) *Call {
	c := &Call{Request: r, Path: r.URL.EscapedPath()}
	path, ok := strings.CutPrefix(c.Path, strings.TrimSuffix(s.opts.Mount, "/"))
	if !ok {
		return c
	}
	c.Path = path
	op, params, ok := s.spec.Route(r.Method, path, "")
	if !ok {
		c.TokenExchange = s.spec.IsTokenExchange(r.Method, path, "")
		return c
	}
	c.Operation, c.Params = op, params
	if s.opts.SkipRequestCheck {
		return c
	}
	u := *r.URL
	u.Path, u.RawPath = "", ""
	if p, err := url.PathUnescape(path); err == nil {
		u.Path, u.RawPath = p, path
	}
	c.Problems, c.Enveloped = s.checker.checkRequest(r.Context(), op, params, &recording.Request{Method: r.Method, URL: &u, Header: r.Header})
	return c
}

// judge holds one answer to the fragment.
func (s *Server) judge(c *Call, a *Answer) Judgement {
	u := *c.Request.URL
	if p, err := url.PathUnescape(c.Path); err == nil {
		u.Path, u.RawPath = p, c.Path
	}
	in := &recording.Interaction{
		File:    "answer",
		Request: recording.Request{Method: c.Request.Method, URL: &u, Header: c.Request.Header},
		Response: recording.Response{
			StatusCode: a.Status, Header: a.Header, Body: a.Body, BodySize: int64(len(a.Body)),
		},
	}
	return s.checker.Check(c.Request.Context(), in)
}

// writeAnswer writes an answer as it is: a response without Content-Type
// gets none (net/http would otherwise sniff one).
func writeAnswer(w http.ResponseWriter, a *Answer) {
	h := w.Header()
	for k, vs := range a.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Transfer-Encoding", "Connection", "Content-Encoding", "Keep-Alive", "Trailer":
			continue
		}
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil
	}
	h.Set("Content-Length", strconv.Itoa(len(a.Body)))
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	// A connection that cannot be hijacked (HTTP/2) is reset instead.
	panic(http.ErrAbortHandler)
}

// Configure makes hs serve this server within its Limits: the handler, the
// timeouts and the header and body caps. It suits an httptest.Server's
// Config before Start.
func (s *Server) Configure(hs *http.Server) {
	l := s.Limits
	hs.Handler = http.MaxBytesHandler(s, l.MaxRequestBody)
	hs.ReadHeaderTimeout = l.ReadHeaderTimeout
	hs.ReadTimeout = l.ReadTimeout
	hs.WriteTimeout = l.WriteTimeout
	hs.IdleTimeout = l.IdleTimeout
	hs.MaxHeaderBytes = l.MaxHeaderBytes
}

// Serve runs the server on ln until ctx is done, then shuts down
// gracefully, letting requests in flight finish (bounded by
// Limits.WriteTimeout).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{}
	s.Configure(srv)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.Limits.WriteTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		// Requests still in flight after the grace period are cut.
		_ = srv.Close()
	}
	if serveErr := <-errc; err == nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = serveErr
	}
	return err
}
