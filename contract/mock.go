package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// MockServer is the replay server as a standalone mock for people testing
// their own Atlas code: it judges every incoming request against the
// fragment, answers an invalid one with a 400 ApiError in Atlas's shape (an
// unknown operation with a 404; both marked with MockHeader), and answers a valid one with the next
// recorded response for its operation and envelope mode, cycling through
// them in recorded order. It hands out MockAccessToken at the token endpoint
// the spec declares, so Service Account clients work against it; it checks
// no credentials.
type MockServer struct {
	// Limits bound what one client can take from Serve; NewMockServer sets
	// DefaultServerLimits.
	Limits ServerLimits

	spec    *Spec
	checker *Checker
	log     io.Writer

	mu      sync.Mutex
	answers map[mockKey][]*recording.Response
	next    map[mockKey]int
	logMu   sync.Mutex
}

type mockKey struct {
	op       *Operation
	envelope bool
}

// NewMockServer returns a mock answering with the responses of ins. Invalid
// requests are described on log (nil: discard).
func NewMockServer(spec *Spec, ins []*recording.Interaction, opts CheckOptions, log io.Writer) *MockServer {
	if log == nil {
		log = io.Discard
	}
	m := &MockServer{Limits: DefaultServerLimits, spec: spec, checker: NewChecker(spec, opts), log: log, answers: map[mockKey][]*recording.Response{}, next: map[mockKey]int{}}
	for _, in := range ins {
		if in.Request.URL == nil || in.Response.BodyTooLarge || in.Response.BodyNotRecorded {
			continue
		}
		op, params, ok := spec.Route(in.Request.Method, in.Request.URL.EscapedPath(), opts.Mount)
		if !ok {
			continue
		}
		if problems, enveloped := m.checker.checkRequest(context.Background(), op, params, &in.Request); len(problems) == 0 {
			k := mockKey{op, enveloped}
			m.answers[k] = append(m.answers[k], &in.Response)
		}
	}
	return m
}

// ServeHTTP judges the request and answers it.
func (m *MockServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, params, ok := m.spec.Route(r.Method, r.URL.EscapedPath(), m.checker.opts.Mount)
	if !ok && m.spec.IsTokenExchange(r.Method, r.URL.EscapedPath(), m.checker.opts.Mount) {
		writeMockToken(w)
		return
	}
	if !ok {
		m.logf("%s %s: unknown operation", r.Method, r.URL.EscapedPath())
		writeAPIError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "Not Found",
			fmt.Sprintf("No operation matches %s %s.", r.Method, r.URL.EscapedPath()), nil, false)
		return
	}
	rec := recording.Request{Method: r.Method, URL: r.URL, Header: r.Header}
	problems, enveloped := m.checker.checkRequest(r.Context(), op, params, &rec)
	if len(problems) > 0 {
		m.logf("%s %s: invalid request: %s", r.Method, r.URL.EscapedPath(), strings.Join(problems, "; "))
		writeAPIError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Bad Request",
			"The request breaks the API contract: "+strings.Join(problems, "; ")+".", problems, enveloped)
		return
	}
	k := mockKey{op, enveloped}
	m.mu.Lock()
	answers := m.answers[k]
	var resp *recording.Response
	if len(answers) > 0 {
		resp = answers[m.next[k]%len(answers)]
		m.next[k]++
	}
	m.mu.Unlock()
	if resp == nil {
		mode := "without envelope"
		if enveloped {
			mode = "with envelope=true"
		}
		writeAPIError(w, http.StatusNotImplemented, "CONTRACTCHECK_NO_RECORDING", "Not Implemented",
			fmt.Sprintf("No recording answers %s %s; record one.", op.ID, mode), nil, enveloped)
		return
	}
	writeRecorded(w, resp)
}

func (m *MockServer) logf(format string, args ...any) {
	m.logMu.Lock()
	defer m.logMu.Unlock()
	fmt.Fprintf(m.log, "contractcheck serve: "+format+"\n", args...)
}

// MockAccessToken is the access token the mock hands out at the token
// endpoint, so clients using Service Account auth can be tested against it.
const MockAccessToken = "contractcheck-mock-token"

// writeMockToken answers a client-credentials token request.
func writeMockToken(w http.ResponseWriter) {
	w.Header().Set(MockHeader, "token")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, `{"access_token":"`+MockAccessToken+`","token_type":"Bearer","expires_in":3600}`)
}

// MockHeader marks the answers the mock makes up itself (its refusals and
// its token), as opposed to recorded ones; its value says why.
const MockHeader = "X-Contractcheck-Mock"

// writeAPIError answers with an ApiError in Atlas's shape, wrapped as
// {"status": status, "content": ApiError} when the request asked for
// envelope=true, as Atlas wraps its errors.
func writeAPIError(w http.ResponseWriter, status int, code, reason, detail string, problems []string, enveloped bool) {
	body := map[string]any{"error": status, "errorCode": code, "reason": reason, "detail": detail}
	if len(problems) > 0 {
		fields := make([]map[string]string, len(problems))
		params := make([]any, len(problems))
		for i, p := range problems {
			fields[i] = map[string]string{"field": problemField(p), "description": p}
			params[i] = p
		}
		body["badRequestDetail"] = map[string]any{"fields": fields}
		body["parameters"] = params
	}
	var b []byte
	if enveloped {
		b, _ = json.Marshal(map[string]any{"status": status, "content": body})
	} else {
		b, _ = json.Marshal(body)
	}
	w.Header().Set(MockHeader, code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// problemField names the request element a problem is about.
func problemField(p string) string {
	for _, in := range []string{"path", "query", "header"} {
		if rest, ok := strings.CutPrefix(p, in+" parameter "); ok {
			if name, _, ok := strings.Cut(rest, ":"); ok {
				return name
			}
		}
	}
	if strings.Contains(p, "Accept") {
		return "Accept"
	}
	return "request"
}

// Serve runs the mock on ln until ctx is done, then shuts down gracefully,
// letting requests in flight finish (bounded by Limits.WriteTimeout).
func (m *MockServer) Serve(ctx context.Context, ln net.Listener) error {
	srv := newHTTPServer(m, m.Limits)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), m.Limits.WriteTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		// Requests still in flight after the grace period are cut.
		_ = srv.Close()
	}
	<-errc
	return err
}
