package recording

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"go.yaml.in/yaml/v4"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/atlascontract/deferwindow/internal/output"
)

// RecorderOptions tunes a Recorder. The zero value records with the default
// redaction rules and body cap, and keeps project ids.
type RecorderOptions struct {
	// FakeGroupID, when set, replaces every project id the recorder sees: the
	// id after /groups/ in request paths and the "groupId" values of JSON
	// bodies are learned, and every occurrence of them (URLs, headers,
	// bodies) is replaced by FakeGroupID. A learned id and FakeGroupID must
	// match GroupIDPattern; a FakeGroupID that does not makes NewRecorder
	// fail. DefaultFakeGroupID is a good choice for 24-hex-digit ids.
	FakeGroupID string
	// GroupIDPattern is the regular expression (Go syntax) every project id
	// matches, such as the pattern the OpenAPI description gives the
	// groupId parameter. It is required with FakeGroupID.
	GroupIDPattern string
	// RedactHeaders names more headers whose whole value is a secret.
	RedactHeaders []string
	// RedactFields names more JSON members and form fields whose values are
	// secrets.
	RedactFields []string
	// MaxBodyBytes caps each body the recorder holds and records, request and
	// response, before and after content decoding. A larger body is recorded
	// empty, with an X-Recording-Omitted header that gives the cap and, when
	// Content-Length tells it, the size; the server and the caller still get
	// the whole body, unchanged, streamed past the recorder. A compressed
	// body is decoded for redaction up to the cap and no further. Zero or
	// less means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

func (o RecorderOptions) maxBody() int64 {
	if o.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return o.MaxBodyBytes
}

// OmittedHeader marks a body the Recorder left out of the recording; its
// value says why.
const OmittedHeader = "X-Recording-Omitted"

// omittedTooLarge starts the OmittedHeader value of a body over the
// recorder's cap; the readers turn it into BodyTooLarge.
const omittedTooLarge = "body not recorded: larger than the recorder's cap"

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
// recorded headers. A body in another coding cannot be redacted, and a body
// larger than RecorderOptions.MaxBodyBytes (before or after decoding) is not
// held: both are recorded empty, with an X-Recording-Omitted header saying
// why. The caller always gets the response exactly as the server sent it.
type Recorder struct {
	base    http.RoundTripper
	maxBody int64

	mu           sync.Mutex
	redact       *redactor
	interactions []*cassette.Interaction
}

// NewRecorder returns a Recorder that forwards to base, or to
// http.DefaultTransport when base is nil. When opts.FakeGroupID is set, it
// returns an error if opts.GroupIDPattern is missing or does not compile, or
// if FakeGroupID does not match it: every project id would otherwise be
// replaced by an invalid one.
func NewRecorder(base http.RoundTripper, opts RecorderOptions) (*Recorder, error) {
	var groupID *regexp.Regexp
	if opts.FakeGroupID != "" {
		if opts.GroupIDPattern == "" {
			return nil, errors.New("recording: RecorderOptions.FakeGroupID needs RecorderOptions.GroupIDPattern, the pattern of project ids")
		}
		var err error
		if groupID, err = regexp.Compile(opts.GroupIDPattern); err != nil {
			return nil, fmt.Errorf("recording: RecorderOptions.GroupIDPattern: %w", err)
		}
		if !groupID.MatchString(opts.FakeGroupID) {
			return nil, fmt.Errorf("recording: RecorderOptions.FakeGroupID %q does not match the project id pattern %s", opts.FakeGroupID, opts.GroupIDPattern)
		}
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &Recorder{base: base, maxBody: opts.maxBody(), redact: newRedactor(opts, groupID)}, nil
}

// Len returns the number of exchanges recorded so far.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.interactions)
}

// RoundTrip forwards req to the base RoundTripper and records the exchange.
// It does not modify req. It reads req.Body up to the cap and forwards an
// equivalent body: a body within the cap is closed at once and replayed from
// memory; a larger one is replayed and then streamed to the base
// RoundTripper, which closes it. The caller gets the response with a body that
// yields the same bytes as the server's: a body within the cap was read
// whole and is replayed from memory; a larger one replays the part the
// recorder read and then streams the rest, and closing it closes the
// original.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	reqBody := captured{complete: true}
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		var body io.ReadCloser
		reqBody, body, err = captureBody(req.Body, req.ContentLength, r.maxBody)
		if err != nil {
			return nil, fmt.Errorf("recording: reading the request body: %w", err)
		}
		out.Body = body
		if reqBody.complete {
			data := reqBody.data
			out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		}
		// Otherwise out.GetBody is req.GetBody, which gives the whole body.
	}

	start := time.Now()
	resp, err := r.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	respBody := captured{complete: true}
	if resp.Body != nil {
		var body io.ReadCloser
		respBody, body, err = captureBody(resp.Body, resp.ContentLength, r.maxBody)
		if err != nil {
			return nil, fmt.Errorf("recording: reading the response body: %w", err)
		}
		resp.Body = body
	}
	resp.Request = req
	elapsed := time.Since(start)

	r.mu.Lock()
	defer r.mu.Unlock()
	it := r.record(out, reqBody, resp, respBody, elapsed)
	it.ID = len(r.interactions)
	r.interactions = append(r.interactions, it)
	return resp, nil
}

// captured is what the recorder kept of a body.
type captured struct {
	data     []byte // the whole body when complete, else nil
	complete bool
	size     int64 // the whole body's size, or -1 when unknown
}

// captureBody reads at most max+1 bytes of rc. A body of at most max bytes
// is read whole, rc is closed, and the returned body replays it. A larger one
// is not kept: the returned body replays the bytes read so far and then
// streams the rest of rc, and closing it closes rc. On a read error, rc is
// closed. The bytes are read into chunks that grow from 4 KiB (or are sized
// by contentLength when it is known), so what is allocated stays close to
// what is read, and never much above max.
func captureBody(rc io.ReadCloser, contentLength, max int64) (captured, io.ReadCloser, error) {
	limit := max + 1
	next := int64(4 << 10)
	if contentLength >= 0 {
		next = contentLength + 1 // one more byte sees the end without another chunk
	}
	var chunks [][]byte
	var n int64
	for n < limit {
		chunk := make([]byte, min(next, limit-n))
		m, err := io.ReadFull(rc, chunk)
		chunks = append(chunks, chunk[:m])
		n += int64(m)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			_ = rc.Close() // read whole: a close error loses nothing
			data := chunks[0]
			if len(chunks) > 1 {
				data = bytes.Join(chunks, nil)
			}
			return captured{data: data, complete: true, size: n}, io.NopCloser(bytes.NewReader(data)), nil
		}
		if err != nil {
			_ = rc.Close() // the read error is the one to report
			return captured{}, nil, err
		}
		next = min(2*int64(len(chunk)), 1<<20)
	}
	size := int64(-1)
	if contentLength > max {
		size = contentLength
	}
	readers := make([]io.Reader, 0, len(chunks)+1)
	for _, c := range chunks {
		readers = append(readers, bytes.NewReader(c))
	}
	return captured{size: size}, &replayBody{Reader: io.MultiReader(append(readers, rc)...), body: rc}, nil
}

// replayBody is a body the recorder started reading: the bytes read, then
// the rest of the original, which Close closes.
type replayBody struct {
	io.Reader
	body io.ReadCloser
}

// Close closes the original body.
func (b *replayBody) Close() error { return b.body.Close() }

// record builds the redacted interaction. It runs under r.mu.
func (r *Recorder) record(req *http.Request, reqBody captured, resp *http.Response, respBody captured, d time.Duration) *cassette.Interaction {
	rd := r.redact
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	reqHeader := rd.header(req.Header)
	recReqBody, _ := r.recordedBody(reqHeader, reqBody)
	respHeader := rd.header(resp.Header)
	recRespBody, decoded := r.recordedBody(respHeader, respBody)

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
	if (!reqBody.complete || it.Request.Body != string(reqBody.data)) && req.ContentLength >= 0 {
		it.Request.ContentLength = int64(len(it.Request.Body))
		setContentLength(it.Request.Headers, len(it.Request.Body))
	}
	if (!respBody.complete || it.Response.Body != string(respBody.data)) && resp.ContentLength >= 0 {
		it.Response.ContentLength = int64(len(it.Response.Body))
		setContentLength(it.Response.Headers, len(it.Response.Body))
	}
	return it
}

// recordedBody returns the body to record: decoded when it is under gzip or
// deflate (the coding headers are then dropped from h), or empty, with a
// note in h, when it is over the cap (before or after decoding) or under a
// coding that cannot be decoded.
func (r *Recorder) recordedBody(h http.Header, b captured) ([]byte, bool) {
	if !b.complete {
		size := "its size is unknown"
		if b.size >= 0 {
			size = "it has " + strconv.FormatInt(b.size, 10) + " bytes"
		}
		omit(h, fmt.Sprintf("%s of %d bytes (RecorderOptions.MaxBodyBytes); %s", omittedTooLarge, r.maxBody, size))
		return nil, true
	}
	codings := contentCodings(h)
	if len(codings) == 0 || len(b.data) == 0 {
		return b.data, false
	}
	// Decoding stops at the cap: a small gzip bomb is never inflated.
	dec, err := decodeContent(codings, b.data, r.maxBody, nil)
	switch {
	case err != nil:
		omit(h, "body not recorded: it could not be decoded for redaction (Content-Encoding "+h.Get("Content-Encoding")+")")
		return nil, true
	case dec.tooLarge:
		omit(h, fmt.Sprintf("%s of %d bytes (RecorderOptions.MaxBodyBytes) once decoded (Content-Encoding %s); it has %d bytes encoded",
			omittedTooLarge, r.maxBody, h.Get("Content-Encoding"), len(b.data)))
		return nil, true
	}
	h.Del("Content-Encoding")
	h.Del("Content-Length")
	return dec.data, true
}

// omit notes in h why the body is recorded empty, and drops the headers
// that describe the body that is not there.
func omit(h http.Header, why string) {
	h.Set(OmittedHeader, why)
	h.Del("Content-Encoding")
	h.Del("Content-Length")
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
// (format version 2), readable by go-vcr's cassette.Load and by ReadFile,
// by the rule of output.Write: "-" is standard output, a FIFO or a device is
// written into, and a regular file is replaced atomically (a temporary file
// in the same folder, synced and renamed over it), so an interrupted run
// never leaves a truncated cassette and a failed Save leaves the previous
// file intact. The folder must exist. Saving with nothing recorded is an
// error and writes nothing.
func (r *Recorder) Save(path string) error {
	data, err := r.marshal()
	if err == nil {
		err = output.Write(path, nil, data)
	}
	if err != nil {
		return fmt.Errorf("recording: save %s: %w", path, err)
	}
	return nil
}

// WriteTo writes the cassette Save would write, redacted the same way, to w,
// for a caller that routes the output itself. It implements io.WriterTo.
func (r *Recorder) WriteTo(w io.Writer) (int64, error) {
	data, err := r.marshal()
	if err != nil {
		return 0, fmt.Errorf("recording: %w", err)
	}
	n, err := w.Write(data)
	return int64(n), err
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
