package contract

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// ReplayServer is an in-process HTTP server on a random loopback port that
// answers each request with the recorded response of the next unanswered
// interaction with the same method, path and query: identical requests with
// different recorded answers (two deferrals accepted, the third refused) are
// answered in recorded order. It is a Server whose answers are the
// recordings, as they are.
type ReplayServer struct {
	core   *Server
	srv    *http.Server
	ln     net.Listener
	client *http.Client
	done   chan struct{}

	mu     sync.Mutex
	queues map[string][]*recording.Interaction
}

// replayMissHeader marks the answer to a request the server has no
// recording left for; the replayer turns it into an error.
const replayMissHeader = "X-Contractcheck-Replay"

// NewReplayServer starts a replay server on 127.0.0.1 with a random port.
func NewReplayServer() (*ReplayServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("replay server: %w", err)
	}
	spec, err := DefaultSpec()
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("replay server: %w", err)
	}
	s := &ReplayServer{ln: ln, queues: map[string][]*recording.Interaction{}, done: make(chan struct{})}
	s.core = NewServer(spec, AnswerFunc(s.next), ServerOptions{SkipRequestCheck: true})
	s.srv = &http.Server{}
	s.core.Configure(s.srv)
	s.client = &http.Client{Transport: &http.Transport{
		Proxy:               nil, // loopback: never through a proxy
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// URL returns the server's base URL.
func (s *ReplayServer) URL() string { return "http://" + s.ln.Addr().String() }

// Client returns an HTTP client for the server that never uses a proxy.
func (s *ReplayServer) Client() *http.Client { return s.client }

// Load replaces the recorded interactions the server answers with.
func (s *ReplayServer) Load(ins []*recording.Interaction) {
	q := make(map[string][]*recording.Interaction, len(ins))
	for _, in := range ins {
		if in.Request.URL == nil {
			continue
		}
		k := replayKey(in.Request.Method, in.Request.URL.EscapedPath(), in.Request.URL.RawQuery)
		q[k] = append(q[k], in)
	}
	s.mu.Lock()
	s.queues = q
	s.mu.Unlock()
}

// Close stops the server and waits for it.
func (s *ReplayServer) Close() error {
	s.client.CloseIdleConnections()
	err := s.srv.Close()
	<-s.done
	return err
}

// next answers with the next recorded response for the request.
func (s *ReplayServer) next(c *Call) *Answer {
	r := c.Request
	k := replayKey(r.Method, r.URL.EscapedPath(), r.URL.RawQuery)
	s.mu.Lock()
	var in *recording.Interaction
	if q := s.queues[k]; len(q) > 0 {
		in, s.queues[k] = q[0], q[1:]
	}
	s.mu.Unlock()
	if in == nil {
		return &Answer{
			Status: http.StatusNotImplemented, Fault: true,
			Header: http.Header{replayMissHeader: {"miss"}, "Content-Type": {"text/plain; charset=utf-8"}},
			Body:   []byte("contractcheck replay server: no recorded interaction left for " + r.Method + " " + r.URL.RequestURI() + "\n"),
		}
	}
	return recordedAnswer(&in.Response)
}

// recordedAnswer is a recorded response as an Answer.
func recordedAnswer(rec *recording.Response) *Answer {
	return &Answer{Status: rec.StatusCode, Header: http.Header(rec.Header).Clone(), Body: rec.Body}
}

// replayKey identifies a request by method, escaped path and query, with
// the query's parameters in a canonical order.
func replayKey(method, path, rawQuery string) string {
	if rawQuery != "" {
		if v, err := url.ParseQuery(rawQuery); err == nil {
			rawQuery = v.Encode()
		}
	}
	return method + " " + path + "?" + rawQuery
}
