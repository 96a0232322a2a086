package serve

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
)

// CheckedOptions tune Checked.
type CheckedOptions struct {
	// Mount is a path prefix the handler serves the API below (a proxy's
	// mount point, e.g. "/atlas"): it is stripped before judging. A request
	// outside it is not judged.
	Mount string
	// MaxBody caps the copy of each answer's body kept for judging (the
	// client gets the whole body); 0 means DefaultMaxBody. A body past the
	// cap is reported as too large to judge.
	MaxBody int64
	// FaultHeader names a header that marks an answer as a fault the
	// handler was asked to give (a proxy's HTML page): such an answer is not
	// judged. atlastest.FaultHeader for the fake.
	FaultHeader string
	// Skip, when set, leaves the requests it is true for unjudged (a
	// control API).
	Skip func(*http.Request) bool
	// OnViolation receives every answer with error findings, from the
	// handler's goroutine, after the answer went out. Required.
	OnViolation func(Violation)
}

// DefaultMaxBody is the body cap of Checked unless CheckedOptions says
// otherwise: Atlas's answers of the operation are a few hundred bytes.
const DefaultMaxBody = 1 << 20

// ruleUnknownOperation is the stable rule ID of a request that routes to
// no operation of the fragment: there is nothing to hold its answer to (a
// token request, a revocation, a 404 for an unknown path).
const ruleUnknownOperation = "unknown-operation"

// Violation is one answer that breaks the fragment.
type Violation struct {
	Method string
	// Path is the escaped request path below the mount.
	Path   string
	Status int
	// Findings are the checker's error findings.
	Findings []contract.Finding
}

// String describes the violation on one line, every recorded or remote
// text quoted with its control characters escaped, at most a few hundred
// bytes of each.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the answer to %s %s (%d) breaks the fragment:", printable(v.Method, 16), printable(v.Path, 200), v.Status)
	for i, f := range v.Findings {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(" " + string(f.Rule))
		if f.Pointer != "" {
			b.WriteString(" at " + printable(f.Pointer, 100))
		}
		b.WriteString(": " + printable(f.Message, 400))
	}
	return b.String()
}

// printable cuts s to max bytes and escapes what is not a printable
// character (terminal escapes, newlines, bidi controls), so a line stays
// one line and cannot drive a terminal or a CI runner.
func printable(s string, max int) string {
	cut := false
	if len(s) > max {
		s, cut = s[:max], true
	}
	var b strings.Builder
	for _, r := range s {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) || unicode.Is(unicode.Bidi_Control, r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	if cut {
		b.WriteString("...")
	}
	return b.String()
}

// Checked wraps h so that every answer it gives is judged against the
// fragment by checker, and each one that breaks it is reported to
// opts.OnViolation. The client gets the answer unchanged, as h writes it
// (flushes and all); a copy of at most opts.MaxBody bytes of the body is
// kept for judging. The wrapper passes http.ResponseController's features
// through to h (Flush, Hijack, deadlines), so h can still drop a
// connection. Not judged: an answer that carries opts.FaultHeader, a
// connection h took over or dropped, a request the client gave up on
// before any answer, a request opts.Skip selects, and one that routes to
// no operation of the fragment.
func Checked(h http.Handler, checker *contract.Checker, opts CheckedOptions) http.Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	mount := strings.TrimSuffix(opts.Mount, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if opts.Skip != nil && opts.Skip(r) {
			h.ServeHTTP(w, r)
			return
		}
		path, inside := strings.CutPrefix(r.URL.EscapedPath(), mount)
		if !inside || (path != "" && path[0] != '/') {
			h.ServeHTTP(w, r)
			return
		}
		req := recording.Request{Method: r.Method, URL: judgedURL(r, path), Header: r.Header.Clone(), BodySize: -1}
		tw := &teeWriter{ResponseWriter: w, max: opts.MaxBody}
		h.ServeHTTP(tw, r)
		if tw.hijacked || (!tw.wrote && r.Context().Err() != nil) {
			return
		}
		if !tw.wrote {
			// net/http answers an empty 200 for a handler that wrote nothing.
			tw.status, tw.header = http.StatusOK, w.Header().Clone()
		}
		if opts.FaultHeader != "" && tw.header.Get(opts.FaultHeader) != "" {
			return
		}
		in := &recording.Interaction{
			File: "answer", Request: req,
			Response: recording.Response{
				StatusCode: tw.status, Header: tw.received(), Body: tw.body,
				BodySize: tw.size, BodyTooLarge: tw.size > opts.MaxBody,
			},
		}
		j := checker.Check(context.WithoutCancel(r.Context()), in)
		var errs []contract.Finding
		for _, f := range j.Findings {
			if f.Severity == contract.SeverityError && f.Rule != ruleUnknownOperation {
				errs = append(errs, f)
			}
		}
		if len(errs) > 0 {
			opts.OnViolation(Violation{Method: r.Method, Path: path, Status: tw.status, Findings: errs})
		}
	})
}

// judgedURL is the request's URL with the path below the mount.
func judgedURL(r *http.Request, escapedPath string) *url.URL {
	u := *r.URL
	u.Path, u.RawPath = escapedPath, ""
	if p, err := url.PathUnescape(escapedPath); err == nil {
		u.Path, u.RawPath = p, escapedPath
	}
	if u.Host == "" {
		u.Host = r.Host
	}
	if u.Scheme == "" {
		u.Scheme = "http"
	}
	return &u
}

// teeWriter passes an answer through to the client and keeps a copy of its
// status, headers and the first max bytes of its body.
type teeWriter struct {
	http.ResponseWriter
	max int64

	wrote    bool
	hijacked bool
	status   int
	header   http.Header
	body     []byte
	size     int64
}

// WriteHeader passes the status on; the first final one (not a 1xx) is the
// answer's, with the headers as they are then.
func (t *teeWriter) WriteHeader(code int) {
	if !t.wrote && (code >= 200 || code == http.StatusSwitchingProtocols) {
		t.wrote, t.status, t.header = true, code, t.ResponseWriter.Header().Clone()
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *teeWriter) Write(p []byte) (int, error) {
	if !t.wrote {
		t.WriteHeader(http.StatusOK)
	}
	n, err := t.ResponseWriter.Write(p)
	if room := t.max - int64(len(t.body)); room > 0 {
		t.body = append(t.body, p[:min(int64(n), room)]...)
	}
	t.size += int64(n)
	return n, err
}

// Flush sends what was written so far, for handlers that assert
// http.Flusher.
func (t *teeWriter) Flush() {
	// A writer that cannot flush leaves the answer to go at the end.
	_ = http.NewResponseController(t.ResponseWriter).Flush()
}

// received is the header the client got: the one written, with the
// Content-Type net/http sniffs for a body written without one (a nil
// Content-Type, net/http's way to send none, stays none).
func (t *teeWriter) received() http.Header {
	h := t.header
	if _, present := h["Content-Type"]; !present && len(t.body) > 0 && h.Get("Transfer-Encoding") == "" {
		h.Set("Content-Type", http.DetectContentType(t.body[:min(len(t.body), 512)]))
	}
	return h
}

// Unwrap lets http.ResponseController reach the client's writer (Flush,
// deadlines).
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// Hijack takes the connection over for h, and remembers that the answer is
// h's own business from then on.
func (t *teeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(t.ResponseWriter).Hijack()
	if err == nil {
		t.hijacked = true
	}
	return conn, rw, err
}
