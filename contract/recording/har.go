package recording

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// harEntry is what the reader uses of one HAR 1.2 entry. Members it does not
// use are skipped whatever their type (exporters disagree on them); the JSON
// is still checked in full by the decoder. The reader decodes every entry
// into the same harEntry, so the lists keep their room from entry to entry.
type harEntry struct {
	Request  harRequest  `json:"request"`
	Response harResponse `json:"response"`
}

// reset empties e, keeping the room of its lists.
func (e *harEntry) reset() {
	e.Request = harRequest{Headers: e.Request.Headers[:0], QueryString: e.Request.QueryString[:0]}
	e.Response = harResponse{Headers: e.Response.Headers[:0]}
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	Headers     []harPair    `json:"headers"`
	QueryString []harPair    `json:"queryString"`
	PostData    *harPostData `json:"postData"`
	BodySize    int64        `json:"bodySize"`
}

type harPostData struct {
	Text   *string   `json:"text"`
	Params []harPair `json:"params"`
}

type harResponse struct {
	Status   int64       `json:"status"`
	Headers  []harPair   `json:"headers"`
	Content  *harContent `json:"content"`
	BodySize int64       `json:"bodySize"`
}

type harContent struct {
	Size     int64   `json:"size"`
	Text     *string `json:"text"`
	Encoding string  `json:"encoding"`
}

// harPair is a header, a query parameter or a form parameter. A null in
// the list reads as a pair without a name.
type harPair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// harReader streams the entries of one HAR file: it walks the JSON tokens
// down to log.entries, and decodes each entry on its own.
type harReader struct {
	name string
	f    *harFilter
	dec  *jsontext.Decoder
	max  int64 // body cap
	fn   func(*Interaction) error
	n    int // entries delivered
	left *decodeBudget
	e    harEntry
	urls map[string]*url.URL // parsed URLs, never handed out
}

// Bounds of the URL cache: a HAR file repeats a few URLs, each parsed once.
const (
	maxCachedURL  = 512
	maxCachedURLs = 64
)

func readHAR(name string, r io.Reader, startLine int, opts Options, fn func(*Interaction) error) error {
	f := newHARFilter(r, opts, startLine)
	h := &harReader{name: name, f: f, dec: jsontext.NewDecoder(f), max: opts.maxBody(), fn: fn, left: opts.budget(),
		urls: map[string]*url.URL{}}
	return h.run()
}

func (h *harReader) run() error {
	if err := h.open('{', "the HAR file must be a JSON object"); err != nil {
		return err
	}
	sawLog := false
	for {
		name, done, err := h.member()
		if err != nil {
			return err
		}
		if done {
			break
		}
		if name == "log" && !sawLog {
			sawLog = true
			if err := h.readLog(); err != nil {
				return err
			}
			continue
		}
		if err := h.skip(); err != nil {
			return err
		}
	}
	if !sawLog {
		return fileError(h.name, 0, `not a HAR file: the JSON object has no "log" member`, nil)
	}
	if _, err := h.dec.ReadToken(); err != io.EOF {
		if err == nil {
			return fileError(h.name, h.f.lineAt(h.dec.InputOffset()), "unexpected data after the HAR object", nil)
		}
		return h.jsonError(-1, 0, err)
	}
	return nil
}

func (h *harReader) readLog() error {
	if err := h.open('{', `"log" must be a JSON object`); err != nil {
		return err
	}
	sawEntries := false
	for {
		name, done, err := h.member()
		if err != nil {
			return err
		}
		if done {
			break
		}
		switch {
		case name == "version":
			if err := h.checkVersion(); err != nil {
				return err
			}
		case name == "entries" && !sawEntries:
			sawEntries = true
			if err := h.readEntries(); err != nil {
				return err
			}
		default:
			if err := h.skip(); err != nil {
				return err
			}
		}
	}
	if h.n == 0 {
		return fileError(h.name, 0, "no entries: a HAR file must record at least one request (log.entries is missing or empty)", nil)
	}
	return nil
}

func (h *harReader) checkVersion() error {
	line := h.nextLine()
	tok, err := h.dec.ReadToken()
	if err != nil {
		return h.jsonError(-1, line, err)
	}
	if tok.Kind() != '"' {
		return fileError(h.name, line, "log.version must be a string", nil)
	}
	switch v := tok.String(); v {
	case "", "1.1", "1.2":
		return nil
	default:
		return fileError(h.name, line, fmt.Sprintf("HAR version %s; this reader supports versions 1.1 and 1.2", quoteShort(v)), nil)
	}
}

func (h *harReader) readEntries() error {
	if err := h.open('[', "log.entries must be a JSON array"); err != nil {
		return err
	}
	for {
		kind := h.dec.PeekKind()
		if kind == ']' {
			_, err := h.dec.ReadToken()
			return h.jsonError(-1, 0, err)
		}
		line := h.nextLine()
		if kind == 0 {
			_, err := h.dec.ReadToken()
			return h.jsonError(h.n, line, err)
		}
		h.f.beginRegion(h.dec.InputOffset())
		h.e.reset()
		if err := json.UnmarshalDecode(h.dec, &h.e); err != nil {
			return h.jsonError(h.n, line, err)
		}
		it, err := h.interaction(&h.e, h.n, line)
		if err != nil {
			return err
		}
		if err := h.fn(it); err != nil {
			return err
		}
		h.n++
	}
}

// open reads the opening delimiter of an object or array.
func (h *harReader) open(delim jsontext.Kind, msg string) error {
	line := h.nextLine()
	if k := h.dec.PeekKind(); k != delim {
		if k == 0 {
			_, err := h.dec.ReadToken()
			return h.jsonError(-1, line, err)
		}
		return fileError(h.name, line, msg+", found "+kindName(k), nil)
	}
	_, err := h.dec.ReadToken()
	return h.jsonError(-1, line, err)
}

// member reads the next member name of the current object, or its end.
func (h *harReader) member() (name string, done bool, err error) {
	line := h.nextLine()
	if h.dec.PeekKind() == '}' {
		_, err := h.dec.ReadToken()
		return "", true, h.jsonError(-1, line, err)
	}
	tok, err := h.dec.ReadToken()
	if err != nil {
		return "", false, h.jsonError(-1, line, err)
	}
	h.f.beginRegion(h.dec.InputOffset())
	return tok.String(), false, nil
}

// skip skips a value this reader does not use, token by token.
func (h *harReader) skip() error {
	line := h.nextLine()
	return h.jsonError(-1, line, h.dec.SkipValue())
}

// nextLine returns the line where the next value starts.
func (h *harReader) nextLine() int {
	off := h.dec.InputOffset()
	for _, c := range h.dec.UnreadBuffer() {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',' && c != ':' {
			break
		}
		off++
	}
	return h.f.lineAt(off)
}

// jsonError turns a decoder error into an *Error (nil stays nil).
func (h *harReader) jsonError(index, line int, err error) error {
	if err == nil {
		return nil
	}
	prefix := ""
	if index >= 0 {
		prefix = "entry " + strconv.Itoa(index) + ": "
	}
	e := &Error{File: h.name, Line: line, Index: index, Err: err}
	var fe *filterError
	var se *jsontext.SyntacticError
	var te *json.SemanticError
	switch {
	case errors.As(err, &fe):
		e.Line, e.Msg = fe.line, prefix+fe.msg
	case errors.As(err, &se):
		if se.ByteOffset > 0 {
			e.Line = h.f.lineAt(se.ByteOffset)
		}
		e.Msg = prefix + syntaxMessage(se)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		e.Line = h.f.first + h.f.newlines
		e.Msg = prefix + "unexpected end of file: the JSON is truncated"
	case errors.As(err, &te) && te.JSONKind != 0:
		// Like every message of this reader, it names the place and the
		// types, never the value.
		e.Line = h.f.lineAt(te.ByteOffset)
		e.Msg = prefix + pointerText(te.JSONPointer) + ": expected " + typeName(te.GoType) + ", found " + kindName(te.JSONKind)
		e.Err = nil
	default:
		e.Msg = prefix + "cannot read: " + err.Error()
	}
	return e
}

func syntaxMessage(se *jsontext.SyntacticError) string {
	if errors.Is(se.Err, io.ErrUnexpectedEOF) {
		return "unexpected end of file: the JSON is truncated"
	}
	if se.Err == jsontext.ErrDuplicateName {
		return fmt.Sprintf("invalid JSON: duplicate member %s in %s", quoteShort(se.JSONPointer.LastToken()), pointerText(se.JSONPointer.Parent()))
	}
	msg := "invalid JSON: "
	if se.Err != nil {
		msg += se.Err.Error()
	} else {
		msg += "syntax error"
	}
	if se.JSONPointer != "" {
		msg += " (in " + pointerText(se.JSONPointer) + ")"
	}
	return msg
}

func pointerText(p jsontext.Pointer) string {
	if p == "" {
		return "the top-level value"
	}
	s := string(p)
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "something else"
}

// typeName names the JSON a field of harEntry expects.
func typeName(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil:
		return "something else"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Int64:
		return "an integer"
	case t.Kind() == reflect.Slice:
		return "an array"
	}
	return "an object"
}

// interaction converts one decoded HAR entry.
func (h *harReader) interaction(e *harEntry, index, line int) (*Interaction, error) {
	bad := func(format string, args ...any) *Error {
		return &Error{File: h.name, Line: line, Index: index,
			Msg: "entry " + strconv.Itoa(index) + ": " + fmt.Sprintf(format, args...)}
	}
	rq, rs := &e.Request, &e.Response
	switch {
	case rq.Method == "" && rq.URL == "" && len(rq.Headers) == 0:
		return nil, bad("request is missing")
	case rs.Status == 0 && rs.Content == nil && len(rs.Headers) == 0:
		return nil, bad("response is missing")
	}
	it := &Interaction{File: h.name, Index: index, Line: line}
	method, cut := cutString(rq.Method)
	switch {
	case cut:
		return nil, bad("request.method is longer than %d bytes", h.f.strCap)
	case method == "":
		return nil, bad("request.method is missing")
	}
	if _, cut := cutString(rq.URL); cut {
		return nil, bad("request.url is longer than %d bytes", h.f.strCap)
	}
	u, msg := h.parseURL(rq.URL)
	if msg != "" {
		return nil, bad("request.url %s", msg)
	}
	if msg := addQueryString(u, rq.QueryString); msg != "" {
		return nil, bad("request.queryString%s", msg)
	}
	it.Request.Method, it.Request.URL = method, u
	var err error
	if it.Request.Header, err = h.headers(rq.Headers, "request", bad); err != nil {
		return nil, err
	}
	if pd := rq.PostData; pd != nil {
		var text string
		if pd.Text != nil {
			text = *pd.Text
		} else if len(pd.Params) > 0 {
			text = encodeParams(pd.Params)
		}
		text, cut := cutString(text)
		b := capText(text, h.max)
		if cut {
			b.tooLarge, b.size = true, -1
			if rq.BodySize > h.max {
				b.size = rq.BodySize
			}
		}
		it.Request.Body, it.Request.BodyTooLarge, it.Request.BodySize = b.data, b.tooLarge, b.size
	} else if rq.BodySize > 0 {
		it.Request.BodyNotRecorded, it.Request.BodySize = true, rq.BodySize
	}

	switch {
	case rs.Status == 0:
		return nil, bad("response.status is missing or 0 (the request got no response)")
	case rs.Status < 100 || rs.Status > 999:
		return nil, bad("response.status %d is not an HTTP status code (100-999)", rs.Status)
	}
	it.Response.StatusCode = int(rs.Status)
	if it.Response.Header, err = h.headers(rs.Headers, "response", bad); err != nil {
		return nil, err
	}
	c := rs.Content
	if c == nil {
		c = &harContent{}
	}
	if c.Text == nil {
		// A browser that did not keep the body writes its size without a text.
		if size := max(rs.BodySize, c.Size); size > 0 {
			it.Response.BodyNotRecorded, it.Response.BodySize = true, size
		}
		return it, nil
	}
	b, msg := h.content(c, it.Response.Header)
	if msg != "" {
		return nil, bad("%s", msg)
	}
	it.Response.Body, it.Response.BodyTooLarge, it.Response.BodySize = b.data, b.tooLarge, b.size
	return it, nil
}

// parseURL parses a request URL, once per distinct URL: every Interaction
// gets a copy of its own.
func (h *harReader) parseURL(s string) (*url.URL, string) {
	if c, ok := h.urls[s]; ok {
		u := *c
		return &u, ""
	}
	u, msg := parseAbsoluteURL(s)
	if msg == "" && len(s) <= maxCachedURL && len(h.urls) < maxCachedURLs {
		c := *u
		h.urls[s] = &c
	}
	return u, msg
}

// addQueryString adds to u the request.queryString parameters its query
// lacks: some exporters (Insomnia) keep parameters only there.
func addQueryString(u *url.URL, params []harPair) string {
	if len(params) == 0 {
		return ""
	}
	have := u.Query()
	var add url.Values
	for i, p := range params {
		name, cutN := cutString(p.Name)
		value, cutV := cutString(p.Value)
		if cutN || cutV {
			return fmt.Sprintf("[%d] is longer than the string cap", i)
		}
		if name == "" || hasValue(have[name], value) {
			continue
		}
		if add == nil {
			add = url.Values{}
		}
		add[name] = append(add[name], value)
	}
	if len(add) > 0 {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += add.Encode()
	}
	return ""
}

func hasValue(values []string, v string) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

// content decodes response.content, whose text is present.
func (h *harReader) content(c *harContent, header http.Header) (body, string) {
	text, cut := cutString(*c.Text)
	var b body
	switch enc := strings.ToLower(c.Encoding); enc {
	case "":
		b = capText(text, h.max)
	case "base64":
		s := stripSpace(text)
		if cut {
			s = s[:len(s)/4*4] // the cut may have split a 4-character group
		}
		data, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			if data, err = base64.RawStdEncoding.DecodeString(s); err != nil {
				return body{}, fmt.Sprintf("response.content.text is not valid base64 (content.encoding is \"base64\"): %v", err)
			}
		}
		// Some exporters store the bytes as they came off the wire.
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) && hasCoding(header, "gzip") {
			out, more, err := decompress("gzip", data, h.max, h.left)
			if err != nil {
				return body{}, "response body: " + err.Error()
			}
			b = body{data: out, tooLarge: more, size: int64(len(out))}
			if more {
				b.size = -1
			}
		} else {
			b = capBody(data, h.max)
		}
	default:
		return body{}, fmt.Sprintf("response.content.encoding %s is not supported (expected \"base64\" or none)", quoteShort(c.Encoding))
	}
	if cut {
		// The declared size is trusted only when it agrees that the body
		// is over the cap.
		b.tooLarge = true
		b.size = -1
		if c.Size > h.max {
			b.size = c.Size
		}
	}
	return b, ""
}

// headers converts a HAR header list, dropping HTTP/2 pseudo-headers. The
// values of the names that occur once share one array.
func (h *harReader) headers(list []harPair, where string, bad func(string, ...any) *Error) (http.Header, error) {
	out := make(http.Header, len(list))
	vals := make([]string, len(list))
	for i, nv := range list {
		_, cutN := cutString(nv.Name)
		_, cutV := cutString(nv.Value)
		switch {
		case cutN || cutV:
			return nil, bad("%s.headers[%d] is longer than %d bytes", where, i, h.f.strCap)
		case strings.HasPrefix(nv.Name, ":"):
			continue
		case nv.Name == "":
			return nil, bad("%s.headers[%d] has no name", where, i)
		}
		name := textproto.CanonicalMIMEHeaderKey(nv.Name)
		if prev, ok := out[name]; ok {
			out[name] = append(prev, nv.Value)
			continue
		}
		vals[i] = nv.Value
		out[name] = vals[i : i+1 : i+1]
	}
	return out, nil
}

func hasCoding(h http.Header, coding string) bool {
	for _, c := range contentCodings(h) {
		if c == coding || c == "x-"+coding {
			return true
		}
	}
	return false
}

// capText keeps at most max bytes of a text.
func capText(s string, max int64) body {
	if int64(len(s)) > max {
		return body{data: []byte(s[:max]), tooLarge: true, size: int64(len(s))}
	}
	return body{data: []byte(s), size: int64(len(s))}
}

// stripSpace removes white space from s.
func stripSpace(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

// encodeParams rebuilds a form body from postData.params, in order. A
// parameter the filter cut makes the body end with cutMark, so it is
// reported as cut.
func encodeParams(params []harPair) string {
	var b strings.Builder
	cut := false
	for _, p := range params {
		name, c1 := cutString(p.Name)
		value, c2 := cutString(p.Value)
		cut = cut || c1 || c2
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(value))
	}
	if cut {
		b.WriteString(cutMark)
	}
	return b.String()
}

// parseAbsoluteURL parses a recorded request URL. The message never repeats
// the URL: it may carry credentials.
func parseAbsoluteURL(s string) (*url.URL, string) {
	if s == "" {
		return nil, "is missing"
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, "is not a valid URL: " + err.Error()
	}
	if !u.IsAbs() || u.Host == "" {
		return nil, "is not an absolute URL (expected scheme://host/path)"
	}
	return u, ""
}

// quoteShort quotes s for a message, cut to 40 bytes.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}
