package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// ReplayServer is an in-process HTTP server on a random loopback port that
// answers each request with the recorded response of the next unanswered
// interaction with the same method, path and query: identical requests with
// different recorded answers (two deferrals accepted, the third refused) are
// answered in recorded order.
type ReplayServer struct {
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
	s := &ReplayServer{ln: ln, queues: map[string][]*recording.Interaction{}, done: make(chan struct{})}
	s.srv = newHTTPServer(s, DefaultServerLimits)
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

// ServeHTTP answers with the next recorded response for the request.
func (s *ReplayServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k := replayKey(r.Method, r.URL.EscapedPath(), r.URL.RawQuery)
	s.mu.Lock()
	var in *recording.Interaction
	if q := s.queues[k]; len(q) > 0 {
		in, s.queues[k] = q[0], q[1:]
	}
	s.mu.Unlock()
	if in == nil {
		w.Header().Set(replayMissHeader, "miss")
		http.Error(w, "contractcheck replay server: no recorded interaction left for "+r.Method+" "+r.URL.RequestURI(), http.StatusNotImplemented)
		return
	}
	writeRecorded(w, &in.Response)
}

// writeRecorded writes a recorded response as it was: its headers (but those
// the transport owns), its status and its body. A response recorded without
// Content-Type gets none (net/http would otherwise sniff one).
func writeRecorded(w http.ResponseWriter, rec *recording.Response) {
	h := w.Header()
	for k, vs := range rec.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Transfer-Encoding", "Connection", "Content-Encoding", "Keep-Alive", "Trailer":
			continue
		}
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil
	}
	h.Set("Content-Length", strconv.Itoa(len(rec.Body)))
	w.WriteHeader(rec.StatusCode)
	_, _ = w.Write(rec.Body)
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

// replayer re-sends recorded requests through an atlas.Client whose server
// is base.
type replayer struct {
	client  *atlas.Client
	base    *url.URL
	maxBody int64
	groupID string
}

func newReplayer(client *atlas.Client, server string, maxBody int64, groupID string) (*replayer, error) {
	base, err := url.Parse(strings.TrimSuffix(server, "/"))
	if err != nil {
		return nil, fmt.Errorf("replay target %q: %w", server, err)
	}
	return &replayer{client: client, base: base, maxBody: maxBody, groupID: groupID}, nil
}

// send re-sends one recorded request. A request the generated client can
// express (the operation it was generated for, a valid groupId, only
// parameters it types) goes through the client's typed call, which decodes
// the response with the generated parser: decodeErr is what that parser
// says. Any other request (an unknown path, an invalid groupId kept as a
// negative case, a non-boolean envelope, an undeclared query parameter) is
// sent as recorded through the client's Do. err is an operational failure.
//
// sent is the URL the request went to, below the server (the recorded one,
// unless the project id was replaced).
func (r *replayer) send(ctx context.Context, spec *Spec, mount string, in *recording.Interaction) (sent *url.URL, got recording.Response, decodeErr error, err error) {
	req := &in.Request
	if req.URL == nil {
		return nil, got, nil, errors.New("the recorded request has no URL")
	}
	groupID, params, typed := r.typedCall(spec, mount, req)
	var resp *http.Response
	var body []byte
	if typed {
		if r.groupID != "" {
			groupID = r.groupID // a recorded project id is replaced
		}
		rsp, err := r.client.DeferMaintenanceWindowWithResponse(ctx, groupID, params, copyHeaders(req.Header))
		if rsp == nil {
			return nil, got, nil, err
		}
		if err != nil {
			decodeErr = errors.New(clientDecodeReason(err))
		}
		resp, body = rsp.HTTPResponse, rsp.Body
	} else {
		if resp, err = r.sendRaw(ctx, spec, mount, req); err != nil {
			return nil, got, nil, err
		}
		defer resp.Body.Close()
	}
	sent = req.URL
	if resp.Request != nil && resp.Request.URL != nil {
		u := *req.URL
		u.Path, u.RawPath = strings.TrimPrefix(resp.Request.URL.Path, r.base.Path), ""
		u.RawQuery = resp.Request.URL.RawQuery
		sent = &u
	}
	if resp.Header.Get(replayMissHeader) != "" {
		return nil, got, nil, fmt.Errorf("the replay server has no recorded answer for %s %s: the request sent differs from the recording", req.Method, req.URL.RequestURI())
	}
	if !typed {
		if body, err = io.ReadAll(io.LimitReader(resp.Body, r.maxBody+1)); err != nil {
			return nil, got, nil, fmt.Errorf("reading the response: %w", err)
		}
	}
	got = recording.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body, BodySize: int64(len(body))}
	if int64(len(body)) > r.maxBody {
		got.Body, got.BodyTooLarge = nil, true
		return sent, got, nil, nil
	}
	return sent, got, decodeErr, nil
}

// typedCall tells whether the generated client can express the request,
// and with which arguments.
func (r *replayer) typedCall(spec *Spec, mount string, req *recording.Request) (groupID string, params *atlas.DeferMaintenanceWindowParams, ok bool) {
	op, pathParams, found := spec.Route(req.Method, req.URL.EscapedPath(), mount)
	if !found || op.ID != atlas.OperationID || op.Method != atlas.OperationMethod || mount != "" {
		return "", nil, false
	}
	groupID = pathParams["groupId"]
	if atlas.ValidateGroupID(groupID) != nil {
		return "", nil, false // the client would refuse it; it goes out as recorded
	}
	if atlasPath(groupID) != req.URL.EscapedPath() {
		return "", nil, false // the client would escape the path differently
	}
	q := req.URL.Query()
	params = &atlas.DeferMaintenanceWindowParams{}
	for k, vs := range q {
		if k != "envelope" || len(vs) != 1 {
			return "", nil, false
		}
		b, err := strconv.ParseBool(vs[0])
		if err != nil || strconv.FormatBool(b) != vs[0] {
			return "", nil, false
		}
		params.Envelope = &b
	}
	return groupID, params, true
}

func atlasPath(groupID string) string {
	return strings.Replace(atlas.OperationPath, "{groupId}", url.PathEscape(groupID), 1)
}

// sendRaw sends a recorded request as it is, below the replayer's base URL.
func (r *replayer) sendRaw(ctx context.Context, spec *Spec, mount string, req *recording.Request) (*http.Response, error) {
	path := req.URL.EscapedPath()
	if r.groupID != "" {
		if _, params, ok := spec.Route(req.Method, path, mount); ok && atlas.ValidateGroupID(params["groupId"]) == nil {
			path = strings.Replace(path, "/groups/"+url.PathEscape(params["groupId"])+"/", "/groups/"+url.PathEscape(r.groupID)+"/", 1)
		}
	}
	target := r.base.String() + path
	if req.URL.RawQuery != "" {
		target += "?" + req.URL.RawQuery
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, target, bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	if err := copyHeaders(req.Header)(ctx, hreq); err != nil {
		return nil, err
	}
	return r.client.Do(hreq)
}

// copyHeaders returns a request editor that sets the recorded request
// headers, except those the transport owns and credentials (recordings are
// redacted; a target's client adds its own). A recording without Accept is
// sent without one, as recorded.
func copyHeaders(h map[string][]string) atlas.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		if len(http.Header(h).Values("Accept")) == 0 {
			req.Header.Del("Accept")
		}
		for k, vs := range h {
			switch http.CanonicalHeaderKey(k) {
			case "Host", "Content-Length", "Transfer-Encoding", "Connection", "Accept-Encoding",
				"Authorization", "Proxy-Authorization", "Cookie", "Keep-Alive", "Te", "Trailer", "Upgrade":
				continue
			}
			req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
		return nil
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
