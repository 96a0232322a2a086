package recording

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.yaml.in/yaml/v4"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// RecorderOptions tunes a Recorder. The zero value records with the default
// redaction rules and keeps project ids.
type RecorderOptions struct {
	// FakeGroupID, when set, replaces every project id the recorder sees: the
	// 24-hex id after /groups/ in request paths and the "groupId" values of
	// JSON bodies are learned, and every occurrence of them (URLs, headers,
	// bodies) is replaced by FakeGroupID, which must match
	// ^([a-f0-9]{24})$. DefaultFakeGroupID is a good choice.
	FakeGroupID string
	// RedactHeaders names more headers whose whole value is a secret.
	RedactHeaders []string
	// RedactFields names more JSON members and form fields whose values are
	// secrets.
	RedactFields []string
}

// Recorder is an http.RoundTripper that forwards every request to a base
// RoundTripper and records the exchange, redacted, for Save. It is safe for
// concurrent use.
//
// Redaction happens before an exchange is kept, so a secret never reaches
// memory held for saving, nor the file:
//   - Authorization and Proxy-Authorization keep their scheme: "Bearer
//     REDACTED", "Basic REDACTED", "Digest REDACTED";
//   - Cookie and Set-Cookie keep the cookie names and attributes;
//   - WWW-Authenticate, Proxy-Authenticate and Authentication-Info keep
//     realm, qop and algorithm, with nonce="REDACTED", opaque="REDACTED";
//   - form bodies and query strings lose client_secret, client_assertion,
//     password, token, code and similar fields; JSON bodies lose
//     access_token, refresh_token, id_token, client_secret, password,
//     privateKey and secret members (the member stays, its value becomes
//     "REDACTED"), as do RedactFields; RedactHeaders lose their values;
//   - every value removed above (when at least 8 bytes long) is remembered
//     and replaced wherever else it appears, in this or any later exchange,
//     and Save refuses to write a file that still contains one.
//
// Response bodies under Content-Encoding gzip or deflate are recorded
// decoded (as Go's transport delivers them when it negotiates compression
// itself): Content-Encoding and Content-Length are then left out of the
// recorded headers. A body in another coding cannot be redacted and is
// recorded empty, with an X-Recording-Omitted header saying why. The caller
// always gets the response exactly as the server sent it.
type Recorder struct {
	base http.RoundTripper
	opts RecorderOptions

	mu           sync.Mutex
	redact       *redactor
	interactions []*cassette.Interaction
}

// NewRecorder returns a Recorder that forwards to base, or to
// http.DefaultTransport when base is nil.
func NewRecorder(base http.RoundTripper, opts RecorderOptions) *Recorder {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Recorder{base: base, opts: opts, redact: newRedactor(opts)}
}

// Len returns the number of exchanges recorded so far.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.interactions)
}

// RoundTrip forwards req to the base RoundTripper and records the exchange.
// It does not modify req; it reads and closes req.Body, and gives the caller
// a response whose body was read whole and replaced by an equivalent reader.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.opts.FakeGroupID != "" && !groupIDPattern.MatchString(r.opts.FakeGroupID) {
		closeBody(req)
		return nil, fmt.Errorf("recording: RecorderOptions.FakeGroupID %q does not match ^([a-f0-9]{24})$", r.opts.FakeGroupID)
	}
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		reqBody, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("recording: reading the request body: %w", err)
		}
	}
	out := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		out.Body = io.NopCloser(bytes.NewReader(reqBody))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }
	}

	start := time.Now()
	resp, err := r.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	var respBody []byte
	if resp.Body != nil {
		respBody, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("recording: reading the response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	resp.Request = req
	elapsed := time.Since(start)

	r.mu.Lock()
	defer r.mu.Unlock()
	it := r.record(out, reqBody, resp, respBody, elapsed)
	it.ID = len(r.interactions)
	r.interactions = append(r.interactions, it)
	return resp, nil
}

// record builds the redacted interaction. It runs under r.mu.
func (r *Recorder) record(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte, d time.Duration) *cassette.Interaction {
	rd := r.redact
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	reqHeader := rd.header(req.Header)
	recReqBody, _ := recordedBody(reqHeader, reqBody)
	respHeader := rd.header(resp.Header)
	recRespBody, decoded := recordedBody(respHeader, respBody)

	it := &cassette.Interaction{
		Request: cassette.Request{
			Proto:            req.Proto,
			ProtoMajor:       req.ProtoMajor,
			ProtoMinor:       req.ProtoMinor,
			ContentLength:    req.ContentLength,
			TransferEncoding: req.TransferEncoding,
			Host:             host,
			Headers:          reqHeader,
			URL:              rd.url(req.URL),
			Method:           req.Method,
			Body:             string(rd.body(recReqBody, reqHeader.Get("Content-Type"))),
		},
		Response: cassette.Response{
			Proto:            resp.Proto,
			ProtoMajor:       resp.ProtoMajor,
			ProtoMinor:       resp.ProtoMinor,
			TransferEncoding: resp.TransferEncoding,
			ContentLength:    resp.ContentLength,
			Uncompressed:     resp.Uncompressed || decoded,
			Headers:          respHeader,
			Body:             string(rd.body(recRespBody, respHeader.Get("Content-Type"))),
			Status:           resp.Status,
			Code:             resp.StatusCode,
			Duration:         d,
		},
	}
	scrubInteraction(rd, it)
	// Keep the lengths true to the recorded bodies.
	if it.Request.Body != string(reqBody) && req.ContentLength >= 0 {
		it.Request.ContentLength = int64(len(it.Request.Body))
		setContentLength(it.Request.Headers, len(it.Request.Body))
	}
	if it.Response.Body != string(respBody) && resp.ContentLength >= 0 {
		it.Response.ContentLength = int64(len(it.Response.Body))
		setContentLength(it.Response.Headers, len(it.Response.Body))
	}
	return it
}

// recordedBody returns the body to record: decoded when it is under gzip or
// deflate (the coding headers are then dropped from h), or empty, with a
// note in h, when it is under a coding that cannot be decoded.
func recordedBody(h http.Header, b []byte) ([]byte, bool) {
	codings := contentCodings(h)
	if len(codings) == 0 || len(b) == 0 {
		return b, false
	}
	dec, err := decodeContent(codings, b, int64(len(b))*1024+1<<20)
	if err != nil || dec.tooLarge {
		h.Set("X-Recording-Omitted", "body not recorded: it could not be decoded for redaction (Content-Encoding "+h.Get("Content-Encoding")+")")
		h.Del("Content-Encoding")
		h.Del("Content-Length")
		return nil, true
	}
	h.Del("Content-Encoding")
	h.Del("Content-Length")
	return dec.data, true
}

func setContentLength(h http.Header, n int) {
	if h.Get("Content-Length") != "" {
		h.Set("Content-Length", strconv.Itoa(n))
	}
}

// scrubInteraction replaces every learned secret and project id in every
// string of it.
func scrubInteraction(rd *redactor, it *cassette.Interaction) {
	rq, rs := &it.Request, &it.Response
	rq.URL, rq.Host, rq.Body = rd.scrub(rq.URL), rd.scrub(rq.Host), rd.scrub(rq.Body)
	rs.Body, rs.Status = rd.scrub(rs.Body), rd.scrub(rs.Status)
	for _, h := range []http.Header{rq.Headers, rs.Headers} {
		for _, vs := range h {
			for i, v := range vs {
				vs[i] = rd.scrub(v)
			}
		}
	}
}

// Save writes everything recorded so far to path as a go-vcr v4 cassette
// (format version 2), readable by go-vcr's cassette.Load and by ReadFile.
// The write is atomic: the cassette goes to a temporary file in the same
// folder, is synced, and is renamed over path, so an interrupted run never
// leaves a truncated cassette and a failed Save leaves the previous file
// intact. The folder must exist. Saving with nothing recorded is an error
// and writes nothing.
func (r *Recorder) Save(path string) error {
	return r.save(path, osFiles)
}

func (r *Recorder) save(path string, ops fileOps) error {
	data, err := r.marshal()
	if err != nil {
		return fmt.Errorf("recording: save %s: %w", path, err)
	}
	if err := writeAtomic(path, data, ops); err != nil {
		return fmt.Errorf("recording: save %s: %w", path, err)
	}
	return nil
}

// errSecretLeft is returned when a learned secret survived redaction.
var errSecretLeft = errors.New("refusing to write: a recorded secret would reach the file")

func (r *Recorder) marshal() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.interactions) == 0 {
		return nil, errors.New("nothing recorded")
	}
	// Secrets learned after an exchange was recorded are replaced too.
	for _, it := range r.interactions {
		reqBody, respBody := it.Request.Body, it.Response.Body
		scrubInteraction(r.redact, it)
		if it.Request.Body != reqBody {
			it.Request.ContentLength = int64(len(it.Request.Body))
			setContentLength(it.Request.Headers, len(it.Request.Body))
		}
		if it.Response.Body != respBody {
			it.Response.ContentLength = int64(len(it.Response.Body))
			setContentLength(it.Response.Headers, len(it.Response.Body))
		}
	}
	c := &cassette.Cassette{Version: cassette.CassetteFormatVersion, Interactions: r.interactions}
	data, err := yaml.Marshal(c)
	if err != nil {
		return nil, err
	}
	for s := range r.redact.secrets {
		if bytes.Contains(data, []byte(s)) {
			return nil, errSecretLeft
		}
	}
	return append([]byte("---\n"), data...), nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
