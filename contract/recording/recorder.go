package recording

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.yaml.in/yaml/v4"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/atlascontract/deferwindow/internal/output"
)

// RecorderOptions tunes a Recorder. The zero value records with the default
// redaction rules and body cap.
type RecorderOptions struct {
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
	// Hooks are go-vcr hooks run on every interaction once the recorder has
	// redacted it, in order: the AfterCaptureHook ones on each exchange as
	// it is recorded, the BeforeSaveHook ones on each interaction every time
	// Save or WriteTo writes the cassette (contractcheck record passes one
	// of each, to replace the ids of Atlas projects with a fake one). They
	// see no secret, and Save still refuses to write one they would put
	// back. Other kinds of hook make NewRecorder fail: the recorder only
	// records.
	Hooks []recorder.Hook
}

func (o RecorderOptions) maxBody() int64 {
	if o.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return o.MaxBodyBytes
}

// OmittedHeader marks a body the Recorder left out of the recording; its
// value says why. On a request, a value that starts with HeadersNotRecorded
// marks a request recorded without its headers instead.
const OmittedHeader = "X-Recording-Omitted"

// omittedTooLarge starts the OmittedHeader value of a body over the
// recorder's cap; the readers turn it into BodyTooLarge.
const omittedTooLarge = "body not recorded: larger than the recorder's cap"

// Recorder is an http.RoundTripper that forwards every request to a base
// RoundTripper and records the exchange, redacted, for Save, with go-vcr
// v4's recorder (gopkg.in/dnaeon/go-vcr.v4/pkg/recorder): the cassettes it
// writes are go-vcr's own, and go-vcr replays them with the matcher
// docs/recordings.md shows; a client that sends a secret in the request
// itself (client_secret in the token exchange's form, an API key in the
// query) matches its recorded exchange, which holds REDACTED, only through
// RedactedMatcher. It is safe for concurrent use; concurrent calls lose no
// interaction.
//
// Redaction is go-vcr's AfterCaptureHook, the first hook to run. go-vcr
// builds each interaction as a local value, runs that hook, and only then
// adds the interaction to the cassette it keeps in memory, so a secret
// never reaches memory held for saving, nor the file; the go-vcr debug log,
// which would print request URLs before the hook when VCR_DEBUG is set, is
// discarded. What it redacts:
//   - Authorization and Proxy-Authorization keep their scheme: "Bearer
//     REDACTED", "Basic REDACTED", "Digest REDACTED";
//   - Cookie and Set-Cookie keep the cookie names and attributes;
//   - WWW-Authenticate, Proxy-Authenticate and Authentication-Info keep
//     realm, qop and algorithm, with nonce="REDACTED", opaque="REDACTED";
//   - headers whose name contains token, secret, password, passwd, apikey,
//     accesskey, privatekey, credential or signature (ignoring "-" and "_":
//     X-Api-Key, X-Goog-Api-Key, X-Auth-Token, X-Access-Token,
//     Private-Token, X-Amz-Security-Token), but for the CORS
//     Access-Control-* headers, lose their values, as do RedactHeaders;
//   - one list of names is secret in JSON members, form fields (urlencoded
//     and multipart/form-data parts, multipart nested in multipart down to
//     four levels, a deeper one replaced whole), query strings, the form go-vcr
//     records and other text: access_token, refresh_token, id_token,
//     token, client_secret, client_assertion, code_verifier, password,
//     secret, private_key, api_key, access_key, secret_key, signature,
//     X-Amz-Signature, X-Amz-Credential and the like, compared
//     case-insensitively and ignoring "-" and "_" (apiKey is api_key), as
//     are RedactFields; forms and queries also lose key, code and sig (in
//     JSON they name ordinary data, such as Atlas tags). The member or
//     field stays, its value becomes "REDACTED"; an object or an array under
//     such a name keeps its shape, every string and number inside becoming
//     "REDACTED" ({"apiKey": ["REDACTED"]}), but for an object that has a
//     member of a secret name, an API key resource such as Atlas's
//     {"publicKey": ..., "privateKey": ...}, whose members are redacted by
//     their own names (the public key stays); a "name: value" line of
//     text loses the value to the end of the line, a value in double or
//     single quotes to its closing quote;
//   - a URL loses its user information (https://REDACTED@host/,
//     https://REDACTED:REDACTED@host/);
//   - every value removed above (when at least 8 bytes long) is remembered
//     and replaced wherever else it appears, in this or any later exchange
//     (a BeforeSaveHook replaces the ones learned after an exchange was
//     recorded), and Save refuses to write a file that still contains one.
//
// Response bodies under Content-Encoding gzip or deflate are recorded
// decoded (as Go's transport delivers them when it negotiates compression
// itself): Content-Encoding and Content-Length are then left out of the
// recorded headers. A body in another coding cannot be redacted, and a body
// larger than RecorderOptions.MaxBodyBytes (before or after decoding) is not
// held: both are recorded empty, with an X-Recording-Omitted header saying
// why. go-vcr reads bodies whole, so it is handed what is recorded of them;
// the caller always gets the response exactly as the server sent it,
// streamed. go-vcr parses the query and form of every request it records: a
// request whose query does not parse is refused, unsent.
type Recorder struct {
	vcr     *recorder.Recorder
	maxBody int64
	redact  *redactor
	save    saveFS
	n       atomic.Int64 // interactions recorded

	// mu is held shared by every RoundTrip and exclusively by Save, whose
	// go-vcr Stop reads the cassette's interactions without go-vcr's lock.
	mu sync.RWMutex
}

// NewRecorder returns a Recorder that forwards to base, or to
// http.DefaultTransport when base is nil. It returns an error for a hook
// of a kind other than AfterCaptureHook and BeforeSaveHook.
func NewRecorder(base http.RoundTripper, opts RecorderOptions) (*Recorder, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	r := &Recorder{maxBody: opts.maxBody(), redact: newRedactor(opts)}
	vcrOpts := []recorder.Option{
		recorder.WithMode(recorder.ModeRecordOnly),
		recorder.WithRealTransport(&captureTransport{base: base, maxBody: r.maxBody}),
		recorder.WithSkipRequestLatency(true), // it would sleep for the recorded duration after each call
		recorder.WithFS(&r.save),
		recorder.WithMarshalFunc(r.marshal),
		// Not io.Discard: go-vcr logs to stderr instead when VCR_DEBUG is
		// set, with request URLs as they are before redaction.
		recorder.WithDebugWriter(discard{}),
		recorder.WithHook(r.redactCaptured, recorder.AfterCaptureHook),
		recorder.WithHook(r.redactSaved, recorder.BeforeSaveHook),
	}
	for i, h := range opts.Hooks {
		if h.Handler == nil || h.Kind != recorder.AfterCaptureHook && h.Kind != recorder.BeforeSaveHook {
			return nil, fmt.Errorf("recording: RecorderOptions.Hooks[%d]: a recorder runs AfterCaptureHook and BeforeSaveHook hooks, not %v", i, h.Kind)
		}
		vcrOpts = append(vcrOpts, recorder.WithHook(h.Handler, h.Kind))
	}
	// Last: every hook before it accepted the exchange, which go-vcr then
	// adds to the cassette.
	vcrOpts = append(vcrOpts, recorder.WithHook(func(*cassette.Interaction) error { r.n.Add(1); return nil }, recorder.AfterCaptureHook))
	vcr, err := recorder.New("recording", vcrOpts...) // the name go-vcr requires; Save writes where it is told
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	r.vcr = vcr
	return r, nil
}

// discard is an io.Writer that drops everything.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Len returns the number of exchanges recorded so far.
func (r *Recorder) Len() int { return int(r.n.Load()) }

// exchange carries one call through go-vcr: the request to send, whole,
// and the response the caller gets.
type exchange struct {
	out  *http.Request
	sent bool
	resp *http.Response
}

type exchangeKey struct{}

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
	if _, err := url.ParseQuery(req.URL.RawQuery); err != nil {
		closeBody(req.Body)
		return nil, fmt.Errorf("recording: the request's query does not parse (%w), and go-vcr records it as a form: not sent", err)
	}
	ex := &exchange{out: req.Clone(req.Context())}
	// What go-vcr records: a copy whose body is what is recorded of the
	// request's, and whose headers say what was left out.
	rec := ex.out.Clone(context.WithValue(req.Context(), exchangeKey{}, ex))
	if req.Body != nil && req.Body != http.NoBody {
		got, body, err := captureBody(req.Body, req.ContentLength, r.maxBody)
		if err != nil {
			return nil, fmt.Errorf("recording: reading the request body: %w", err)
		}
		ex.out.Body = body
		if got.complete {
			data := got.data
			ex.out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		}
		// Otherwise out.GetBody is req.GetBody, which gives the whole body.
		recorded, changed := recordedBody(rec.Header, got, r.maxBody)
		if got.complete && isForm(rec.Header) && len(recorded) > maxFormBytes {
			recorded, changed = nil, true
			omit(rec.Header, "body not recorded: a form larger than go-vcr parses ("+strconv.Itoa(maxFormBytes)+" bytes)")
		}
		if changed && rec.ContentLength >= 0 {
			rec.ContentLength = int64(len(recorded))
		}
		rec.Body, rec.GetBody = http.NoBody, nil
		if len(recorded) > 0 {
			rec.Body = io.NopCloser(bytes.NewReader(recorded))
		}
	}

	r.mu.RLock()
	_, err := r.vcr.RoundTrip(rec) // its response is the recorded one, redacted: the caller gets the server's
	r.mu.RUnlock()
	if err != nil {
		if ex.resp != nil {
			closeBody(ex.resp.Body)
		} else if !ex.sent {
			closeBody(ex.out.Body)
		}
		return nil, err
	}
	ex.resp.Request = req
	return ex.resp, nil
}

// maxFormBytes is the largest form body net/http parses (its maxFormSize),
// which go-vcr's recorder parses.
const maxFormBytes = 10 << 20

func isForm(h http.Header) bool {
	return strings.Contains(strings.ToLower(h.Get("Content-Type")), "application/x-www-form-urlencoded")
}

func closeBody(b io.ReadCloser) {
	if b != nil {
		_ = b.Close() // on an error path: the error to report is another
	}
}

// captureTransport is go-vcr's real transport: it sends the request the
// exchange holds, keeps the server's response for the caller, and hands
// go-vcr what is recorded of it.
type captureTransport struct {
	base    http.RoundTripper
	maxBody int64
}

func (t *captureTransport) RoundTrip(rec *http.Request) (*http.Response, error) {
	ex, ok := rec.Context().Value(exchangeKey{}).(*exchange)
	if !ok {
		return nil, errors.New("recording: a request reached the recorder's transport without going through Recorder.RoundTrip")
	}
	if rec.Body != nil {
		_, _ = io.Copy(io.Discard, rec.Body) // go-vcr records the body as it is read: it is in memory
	}
	ex.sent = true
	resp, err := t.base.RoundTrip(ex.out)
	if err != nil {
		return nil, err
	}
	got := captured{complete: true}
	if resp.Body != nil {
		var body io.ReadCloser
		got, body, err = captureBody(resp.Body, resp.ContentLength, t.maxBody)
		if err != nil {
			return nil, fmt.Errorf("recording: reading the response body: %w", err)
		}
		resp.Body = body
	}
	ex.resp = resp

	header := resp.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	recorded, changed := recordedBody(header, got, t.maxBody)
	length := resp.ContentLength
	if changed && length >= 0 {
		length = int64(len(recorded))
	}
	return &http.Response{
		Status: resp.Status, StatusCode: resp.StatusCode,
		Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
		Header: header, Trailer: resp.Trailer.Clone(),
		TransferEncoding: resp.TransferEncoding,
		ContentLength:    length,
		Uncompressed:     resp.Uncompressed || changed,
		Body:             io.NopCloser(bytes.NewReader(recorded)),
		Request:          rec,
	}, nil
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

// recordedBody returns the body to record and whether it differs from the
// one sent: decoded when it is under gzip or deflate (the coding headers
// are then dropped from h), or empty, with a note in h, when it is over the
// cap (before or after decoding) or under a coding that cannot be decoded.
func recordedBody(h http.Header, b captured, max int64) ([]byte, bool) {
	if !b.complete {
		size := "its size is unknown"
		if b.size >= 0 {
			size = "it has " + strconv.FormatInt(b.size, 10) + " bytes"
		}
		omit(h, fmt.Sprintf("%s of %d bytes (RecorderOptions.MaxBodyBytes); %s", omittedTooLarge, max, size))
		return nil, true
	}
	codings := contentCodings(h)
	if len(codings) == 0 || len(b.data) == 0 {
		return b.data, false
	}
	// Decoding stops at the cap: a small gzip bomb is never inflated.
	dec, err := decodeContent(codings, b.data, max, nil)
	switch {
	case err != nil:
		omit(h, "body not recorded: it could not be decoded for redaction (Content-Encoding "+h.Get("Content-Encoding")+")")
		return nil, true
	case dec.tooLarge:
		omit(h, fmt.Sprintf("%s of %d bytes (RecorderOptions.MaxBodyBytes) once decoded (Content-Encoding %s); it has %d bytes encoded",
			omittedTooLarge, max, h.Get("Content-Encoding"), len(b.data)))
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

// redactCaptured is the AfterCaptureHook that redacts an exchange before
// go-vcr keeps it. It replaces the header and form maps (go-vcr's capture
// shares them with the request sent) rather than change them.
func (r *Recorder) redactCaptured(i *cassette.Interaction) error {
	rd := r.redact
	rd.mu.Lock()
	defer rd.mu.Unlock()
	rq, rs := &i.Request, &i.Response
	reqBody, respBody := rq.Body, rs.Body
	rd.request(rq)
	rs.Headers, rs.Trailer = rd.header(rs.Headers), rd.header(rs.Trailer)
	rs.Body = string(rd.body([]byte(rs.Body), rs.Headers.Get("Content-Type")))
	rewriteStrings(i, rd.scrub)
	fixLengths(i, reqBody, respBody)
	return nil
}

// request redacts a recorded request's headers, URL, form and body.
func (rd *redactor) request(rq *cassette.Request) {
	rq.Headers, rq.Trailer = rd.header(rq.Headers), rd.header(rq.Trailer)
	rq.URL = rd.url(rq.URL)
	rq.Form = rd.form(rq.Form)
	rq.Body = string(rd.body([]byte(rq.Body), rq.Headers.Get("Content-Type")))
}

// RedactedMatcher returns a go-vcr matcher that hands match the request to
// replay redacted as a Recorder with opts (its RedactHeaders and
// RedactFields; its Hooks are not run) would have recorded it, so a request
// that sends a secret in its body, query or a header matches the recorded
// one, which holds REDACTED instead: the token exchange of an OAuth client
// that sends client_secret in the form (x/oauth2's AuthStyleInParams), say,
// which go-vcr's default matcher alone never matches (it compares bodies
// and forms). The request itself is not changed (its body is read and put
// back).
//
// RedactedMatcher redacts by names only: it never sees the responses, so it
// cannot know the secrets the recorder learned from them and replaced
// wherever else they appeared. A value a response held under a secret name
// ({"secret": "..."}) and that a later request sent under a name that is
// not secret (an X-Echo header, a JSON member "value") was recorded as
// REDACTED in that request, but RedactedMatcher leaves the live value, so a
// client that sends it again on replay (one that holds it from its
// configuration; one that read it from the replayed response sends
// REDACTED) finds no interaction. Name the field or the header in the
// RedactFields or RedactHeaders of the options given to both the Recorder
// and RedactedMatcher, or have go-vcr's matcher ignore it
// (cassette.WithIgnoreHeaders, or a MatcherFunc of your own around match).
//
// Use it in go-vcr's replay:
//
//	recorder.WithMatcher(recording.RedactedMatcher(cassette.NewDefaultMatcher(
//		cassette.WithIgnoreUserAgent(), cassette.WithIgnoreAuthorization(),
//	), recording.RecorderOptions{}))
func RedactedMatcher(match cassette.MatcherFunc, opts RecorderOptions) cassette.MatcherFunc {
	rd := newRedactor(opts)
	return func(req *http.Request, recorded cassette.Request) bool {
		var body []byte
		if req.Body != nil && req.Body != http.NoBody {
			var err error
			body, err = io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(body))
			if err != nil {
				return false
			}
		}
		i := &cassette.Interaction{Request: cassette.Request{
			Headers: req.Header, Trailer: req.Trailer, URL: req.URL.String(), Host: req.Host,
			Body: string(body), ContentLength: req.ContentLength,
		}}
		rd.mu.Lock()
		rd.request(&i.Request)
		rewriteStrings(i, rd.scrub)
		rd.mu.Unlock()
		fixLengths(i, string(body), "")
		u, err := url.Parse(i.Request.URL)
		if err != nil {
			return false
		}
		redacted := req.Clone(req.Context())
		redacted.URL, redacted.Host, redacted.Header, redacted.Trailer = u, i.Request.Host, i.Request.Headers, i.Request.Trailer
		redacted.Body, redacted.ContentLength, redacted.Form, redacted.PostForm = http.NoBody, i.Request.ContentLength, nil, nil
		if len(i.Request.Body) > 0 {
			redacted.Body = io.NopCloser(strings.NewReader(i.Request.Body))
		}
		return match(redacted, recorded)
	}
}

// redactSaved is the BeforeSaveHook that replaces, in an interaction about
// to be written, the secrets learned after it was recorded.
func (r *Recorder) redactSaved(i *cassette.Interaction) error {
	r.redact.mu.Lock()
	defer r.redact.mu.Unlock()
	RewriteStrings(i, r.redact.scrub)
	return nil
}

// RewriteStrings replaces every string of an interaction that may carry
// recorded data (URL, host, headers and trailers, form, bodies, status) by
// what rewrite returns for it, and keeps the recorded lengths (ContentLength,
// Content-Length) true to bodies that changed. Header names and form keys
// are kept. It suits a hook that replaces values (ids, say) in every
// exchange a Recorder records.
func RewriteStrings(i *cassette.Interaction, rewrite func(string) string) {
	reqBody, respBody := i.Request.Body, i.Response.Body
	rewriteStrings(i, rewrite)
	fixLengths(i, reqBody, respBody)
}

func rewriteStrings(i *cassette.Interaction, rewrite func(string) string) {
	rq, rs := &i.Request, &i.Response
	for _, s := range []*string{&rq.URL, &rq.Host, &rq.RemoteAddr, &rq.RequestURI, &rq.Body, &rs.Body, &rs.Status} {
		*s = rewrite(*s)
	}
	for _, m := range []map[string][]string{rq.Headers, rq.Trailer, rq.Form, rs.Headers, rs.Trailer} {
		for _, vs := range m {
			for k, v := range vs {
				vs[k] = rewrite(v)
			}
		}
	}
}

// fixLengths keeps the recorded lengths true to the bodies when they
// changed from reqBody and respBody.
func fixLengths(i *cassette.Interaction, reqBody, respBody string) {
	if rq := &i.Request; rq.Body != reqBody && rq.ContentLength >= 0 {
		rq.ContentLength = int64(len(rq.Body))
		setContentLength(rq.Headers, len(rq.Body))
	}
	if rs := &i.Response; rs.Body != respBody && rs.ContentLength >= 0 {
		rs.ContentLength = int64(len(rs.Body))
		setContentLength(rs.Headers, len(rs.Body))
	}
}

func setContentLength(h http.Header, n int) {
	if h.Get("Content-Length") != "" {
		h.Set("Content-Length", strconv.Itoa(n))
	}
}

// Save writes everything recorded so far to path as a go-vcr v4 cassette
// (format version 2), readable by go-vcr's cassette.Load and by ReadFile,
// by the rule of output.Write: "-" is standard output, a FIFO or a device is
// written into, and a regular file is replaced atomically (a temporary file
// in the same folder, synced and renamed over it), so an interrupted run
// never leaves a truncated cassette and a failed Save leaves the previous
// file intact. The folder must exist. Saving with nothing recorded is an
// error and writes nothing, and so is a cassette that would still hold a
// secret the recorder removed. Exchanges in flight are waited for.
func (r *Recorder) Save(path string) error {
	if err := r.stop(func(data []byte) error { return output.Write(path, nil, data) }); err != nil {
		return fmt.Errorf("recording: save %s: %w", path, err)
	}
	return nil
}

// WriteTo writes the cassette Save would write, redacted the same way, to w,
// for a caller that routes the output itself. It implements io.WriterTo.
func (r *Recorder) WriteTo(w io.Writer) (int64, error) {
	var n int
	err := r.stop(func(data []byte) error {
		var err error
		n, err = w.Write(data)
		return err
	})
	if err != nil {
		return int64(n), fmt.Errorf("recording: %w", err)
	}
	return int64(n), nil
}

// stop has go-vcr save the cassette (its BeforeSaveHooks, then the marshal
// function) through write.
func (r *Recorder) stop(write func([]byte) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Len() == 0 {
		return errors.New("nothing recorded")
	}
	r.save.write = write
	defer func() { r.save.write = nil }()
	return r.vcr.Stop()
}

// errSecretLeft is returned when a learned secret survived redaction.
var errSecretLeft = errors.New("refusing to write: a recorded secret would reach the file")

// marshal is go-vcr's marshal function: YAML, as go-vcr writes it, refused
// when a secret the recorder removed is still in it. The secrets are looked
// for in the strings of the cassette, as they are before YAML encodes them,
// and in the YAML: the encoder writes a string with a byte order mark or a
// byte that is not printable in escapes ("\uFEFF\x65\x63..."), where no
// secret would show.
func (r *Recorder) marshal(c any) ([]byte, error) {
	data, err := yaml.Marshal(c)
	if err != nil {
		return nil, err
	}
	r.redact.mu.Lock()
	defer r.redact.mu.Unlock()
	if len(r.redact.secrets) == 0 {
		return data, nil
	}
	holdsSecret := func(s string) bool {
		for secret := range r.redact.secrets {
			if strings.Contains(s, secret) {
				return true
			}
		}
		return false
	}
	what := reflect.ValueOf(c)
	if cas, ok := c.(*cassette.Cassette); ok {
		what = reflect.ValueOf(cas.Interactions) // not its logger, say
	}
	if holdsSecret(string(data)) || anyString(what, holdsSecret) {
		return nil, errSecretLeft
	}
	return data, nil
}

// anyString reports whether f is true of a string in v: a string value, a
// map key, or one inside a pointer, an interface, a struct, a slice, an
// array or a map, at any depth.
func anyString(v reflect.Value, f func(string) bool) bool {
	switch v.Kind() {
	case reflect.String:
		return f(v.String())
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && anyString(v.Elem(), f)
	case reflect.Struct:
		for i := range v.NumField() {
			if anyString(v.Field(i), f) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return f(string(v.Bytes()))
		}
		for i := range v.Len() {
			if anyString(v.Index(i), f) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if anyString(it.Key(), f) || anyString(it.Value(), f) {
				return true
			}
		}
	}
	return false
}

// saveFS is the go-vcr file system Save writes through: nothing is ever
// read from it, and what go-vcr writes goes to write.
type saveFS struct {
	write func([]byte) error
}

func (*saveFS) ReadFile(string) ([]byte, error) { return nil, fs.ErrNotExist }
func (*saveFS) IsFileExists(string) bool        { return false }
func (f *saveFS) WriteFile(_ string, data []byte) error {
	if f.write == nil {
		return errors.New("the cassette is written by Recorder.Save")
	}
	return f.write(data)
}
