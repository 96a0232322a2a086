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
	"slices"
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

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	Headers     []harPair    `json:"headers"`
	QueryString []harPair    `json:"queryString"`
	PostData    *harPostData `json:"postData"`
	BodySize    int64        `json:"bodySize"`
}

type harResponse struct {
	Status   int64       `json:"status"`
	Headers  []harPair   `json:"headers"`
	Content  *harContent `json:"content"`
	BodySize int64       `json:"bodySize"`
}

type harPostData struct {
	Text   *string   `json:"text"`
	Params []harPair `json:"params"`
}

type harContent struct {
	Size     int64   `json:"size"`
	Text     *string `json:"text"` // nil when the exporter did not keep the body
	Encoding string  `json:"encoding"`
}

// harPair is a header, a query parameter or a form parameter. A null in a
// list reads as a pair without a name.
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
	urls map[string]*url.URL // parsed URLs (at most 64), never handed out
}

func readHAR(name string, r io.Reader, startLine int, opts Options, fn func(*Interaction) error) error {
	f := newHARFilter(r, opts, startLine)
	h := &harReader{name: name, f: f, dec: jsontext.NewDecoder(f), max: opts.maxBody(), fn: fn,
		left: opts.budget(), urls: map[string]*url.URL{}}
	sawLog, sawEntries := false, false
	err := h.members("the HAR file must be a JSON object", func(name string) error {
		if name != "log" || sawLog {
			return h.skip()
		}
		sawLog = true
		return h.members(`"log" must be a JSON object`, func(name string) error {
			switch {
			case name == "version":
				return h.checkVersion()
			case name == "entries" && !sawEntries:
				sawEntries = true
				return h.readEntries()
			}
			return h.skip()
		})
	})
	switch {
	case err != nil:
		return err
	case !sawLog:
		return fileError(name, 0, `not a HAR file: the JSON object has no "log" member`, nil)
	case h.n == 0:
		return fileError(name, 0, "no entries: a HAR file must record at least one request (log.entries is missing or empty)", nil)
	}
	if _, err := h.dec.ReadToken(); err != io.EOF {
		if err == nil {
			return fileError(name, h.f.lineAt(h.dec.InputOffset()), "unexpected data after the HAR object", nil)
		}
		return h.jsonError(-1, 0, err)
	}
	return nil
}

// members reads an object, calling fn with each member name; fn reads the
// member's value.
func (h *harReader) members(notObject string, fn func(name string) error) error {
	if err := h.open('{', notObject); err != nil {
		return err
	}
	for {
		line := h.nextLine()
		if h.dec.PeekKind() == '}' {
			_, err := h.dec.ReadToken()
			return h.jsonError(-1, line, err)
		}
		tok, err := h.dec.ReadToken()
		if err != nil {
			return h.jsonError(-1, line, err)
		}
		h.f.beginRegion(h.dec.InputOffset())
		if err := fn(tok.String()); err != nil {
			return err
		}
	}
}

// open reads the opening delimiter of an object or array.
func (h *harReader) open(delim jsontext.Kind, msg string) error {
	line := h.nextLine()
	if k := h.dec.PeekKind(); k != delim && k != 0 {
		return fileError(h.name, line, msg+", found "+kindName(k), nil)
	}
	_, err := h.dec.ReadToken()
	return h.jsonError(-1, line, err)
}

// skip skips a value this reader does not use, token by token.
func (h *harReader) skip() error {
	line := h.nextLine()
	return h.jsonError(-1, line, h.dec.SkipValue())
}

// nextLine returns the line where the next value starts.
func (h *harReader) nextLine() int {
	rest := h.dec.UnreadBuffer()
	skip := len(rest) - len(bytes.TrimLeft(rest, " \t\r\n,:"))
	return h.f.lineAt(h.dec.InputOffset() + int64(skip))
}

func (h *harReader) checkVersion() error {
	line := h.nextLine()
	tok, err := h.dec.ReadToken()
	switch {
	case err != nil:
		return h.jsonError(-1, line, err)
	case tok.Kind() != '"':
		return fileError(h.name, line, "log.version must be a string", nil)
	case !slices.Contains([]string{"", "1.1", "1.2"}, tok.String()):
		return fileError(h.name, line, fmt.Sprintf("HAR version %s; this reader supports versions 1.1 and 1.2", quoteShort(tok.String())), nil)
	}
	return nil
}

func (h *harReader) readEntries() error {
	if err := h.open('[', "log.entries must be a JSON array"); err != nil {
		return err
	}
	for {
		kind, line := h.dec.PeekKind(), h.nextLine()
		if kind == ']' {
			_, err := h.dec.ReadToken()
			return h.jsonError(-1, line, err)
		}
		h.f.beginRegion(h.dec.InputOffset())
		rq, rs := &h.e.Request, &h.e.Response
		*rq = harRequest{Headers: rq.Headers[:0], QueryString: rq.QueryString[:0]}
		*rs = harResponse{Headers: rs.Headers[:0]}
		if err := json.UnmarshalDecode(h.dec, &h.e); err != nil {
			return h.jsonError(h.n, line, err)
		}
		it, err := h.interaction(&h.e, line)
		if err != nil {
			return err
		}
		if err := h.fn(it); err != nil {
			return err
		}
		h.n++
	}
}

// jsonError turns a decoder error into an *Error (nil stays nil). Like every
// message of this reader, it names places and types, never a value.
func (h *harReader) jsonError(index, line int, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{File: h.name, Line: line, Index: index, Err: err}
	var fe *filterError
	var se *jsontext.SyntacticError
	var te *json.SemanticError
	switch {
	case errors.As(err, &fe):
		e.Line, e.Msg = fe.line, fe.msg
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		e.Line, e.Msg = h.f.first+h.f.newlines, "unexpected end of file: the JSON is truncated"
	case errors.As(err, &se) && se.Err == jsontext.ErrDuplicateName:
		e.Line = h.f.lineAt(se.ByteOffset)
		e.Msg = fmt.Sprintf("invalid JSON: duplicate member %s in %s", quoteShort(se.JSONPointer.LastToken()), pointerText(se.JSONPointer.Parent()))
	case errors.As(err, &se):
		e.Line, e.Msg = h.f.lineAt(se.ByteOffset), "invalid JSON: syntax error"
		if se.Err != nil {
			e.Msg = "invalid JSON: " + se.Err.Error()
		}
		if se.JSONPointer != "" {
			e.Msg += " (in " + pointerText(se.JSONPointer) + ")"
		}
	case errors.As(err, &te) && te.JSONKind != 0:
		e.Line, e.Err = h.f.lineAt(te.ByteOffset), nil
		e.Msg = pointerText(te.JSONPointer) + ": expected " + typeName(te.GoType) + ", found " + kindName(te.JSONKind)
	default:
		e.Msg = "cannot read: " + err.Error()
	}
	if index >= 0 {
		e.Msg = "entry " + strconv.Itoa(index) + ": " + e.Msg
	}
	return e
}

func pointerText(p jsontext.Pointer) string {
	if p == "" {
		return "the top-level value"
	}
	if len(p) > 120 {
		p = p[:120] + "..."
	}
	return string(p)
}

// kindNames names the kinds of JSON values in messages.
var kindNames = map[jsontext.Kind]string{'"': "a string", '0': "a number", '{': "an object", '[': "an array",
	't': "a boolean", 'f': "a boolean", 'n': "null"}

func kindName(k jsontext.Kind) string {
	if name, ok := kindNames[k]; ok {
		return name
	}
	return "something else"
}

// typeName names the JSON a field of harEntry expects.
func typeName(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "something else"
	}
	return map[reflect.Kind]string{reflect.String: "a string", reflect.Int64: "an integer", reflect.Slice: "an array", reflect.Struct: "an object"}[t.Kind()]
}

// interaction converts one decoded HAR entry.
func (h *harReader) interaction(e *harEntry, line int) (*Interaction, error) {
	bad := func(format string, args ...any) *Error {
		return &Error{File: h.name, Line: line, Index: h.n, Msg: "entry " + strconv.Itoa(h.n) + ": " + fmt.Sprintf(format, args...)}
	}
	rq, rs := &e.Request, &e.Response
	switch {
	case rq.Method == "" && rq.URL == "" && len(rq.Headers) == 0:
		return nil, bad("request is missing")
	case rs.Status == 0 && rs.Content == nil && len(rs.Headers) == 0:
		return nil, bad("response is missing")
	}
	method, cutMethod := cutString(rq.Method)
	_, cutURL := cutString(rq.URL)
	switch {
	case cutMethod:
		return nil, bad("request.method is longer than %d bytes", h.f.strCap)
	case cutURL:
		return nil, bad("request.url is longer than %d bytes", h.f.strCap)
	case method == "":
		return nil, bad("request.method is missing")
	}
	it := &Interaction{File: h.name, Index: h.n, Line: line}
	u, msg := h.parseURL(rq.URL)
	if msg == "" {
		msg = addQueryString(u, rq.QueryString)
	}
	if msg != "" {
		return nil, bad("request.%s", msg)
	}
	it.Request.Method, it.Request.URL = method, u
	var err error
	if it.Request.Header, err = headers(rq.Headers, "request", h.f.strCap, bad); err != nil {
		return nil, err
	}
	if pd := rq.PostData; pd != nil {
		text := deref(pd.Text)
		if text == "" && len(pd.Params) > 0 {
			text = encodeParams(pd.Params)
		}
		b := h.text(text, rq.BodySize)
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
	if it.Response.Header, err = headers(rs.Headers, "response", h.f.strCap, bad); err != nil {
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
	b, err := h.content(c, it.Response.Header)
	if err != nil {
		return nil, bad("%v", err)
	}
	it.Response.Body, it.Response.BodyTooLarge, it.Response.BodySize = b.data, b.tooLarge, b.size
	return it, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// parseURL parses a request URL, once per distinct URL: every Interaction
// gets a copy of its own.
func (h *harReader) parseURL(s string) (*url.URL, string) {
	if c, ok := h.urls[s]; ok {
		u := *c
		return &u, ""
	}
	u, msg := parseAbsoluteURL(s)
	if msg != "" {
		return nil, "url " + msg
	}
	if len(s) <= 512 && len(h.urls) < 64 {
		c := *u
		h.urls[s] = &c
	}
	return u, ""
}

// addQueryString adds to u the request.queryString parameters its query
// lacks: some exporters (Insomnia) keep parameters only there.
func addQueryString(u *url.URL, params []harPair) string {
	if len(params) == 0 {
		return ""
	}
	have, add := u.Query(), url.Values{}
	for i, p := range params {
		name, cutN := cutString(p.Name)
		value, cutV := cutString(p.Value)
		switch {
		case cutN || cutV:
			return fmt.Sprintf("queryString[%d] is longer than the string cap", i)
		case name != "" && !slices.Contains(have[name], value):
			add[name] = append(add[name], value)
		}
	}
	if len(add) > 0 {
		u.RawQuery = strings.TrimPrefix(u.RawQuery+"&"+add.Encode(), "&")
	}
	return ""
}

// text keeps a request or response text within the cap. A text the filter
// cut is over the cap, of the declared size when that agrees, else unknown.
func (h *harReader) text(s string, declared int64) body {
	s, cut := cutString(s)
	b := body{data: []byte(s[:min(int64(len(s)), h.max)]), size: int64(len(s))}
	b.tooLarge = b.size > h.max
	if cut {
		b.size = -1
		if declared > h.max {
			b.size = declared
		}
	}
	return b
}

// content decodes response.content, whose text is present.
func (h *harReader) content(c *harContent, header http.Header) (body, error) {
	switch strings.ToLower(c.Encoding) {
	case "":
		return h.text(*c.Text, c.Size), nil
	case "base64":
	default:
		return body{}, fmt.Errorf("response.content.encoding %s is not supported (expected \"base64\" or none)", quoteShort(c.Encoding))
	}
	s, cut := cutString(strings.Join(strings.Fields(*c.Text), ""))
	if cut {
		s = s[:len(s)/4*4] // the cut may have split a 4-character group
	}
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if data, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return body{}, fmt.Errorf("response.content.text is not valid base64 (content.encoding is \"base64\"): %w", err)
		}
	}
	b := capBody(data, h.max)
	// Some exporters store the bytes as they came off the wire.
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) && slices.ContainsFunc(contentCodings(header), func(c string) bool { return c == "gzip" || c == "x-gzip" }) {
		out, more, err := decompress("gzip", data, h.max, h.left)
		if err != nil {
			return body{}, fmt.Errorf("response body: %w", err)
		}
		b = body{data: out, tooLarge: more, size: int64(len(out))}
		if more {
			b.size = -1
		}
	}
	if cut {
		b.tooLarge, b.size = true, -1
		if c.Size > h.max {
			b.size = c.Size
		}
	}
	return b, nil
}

// headers converts a HAR header list, dropping HTTP/2 pseudo-headers. The
// values of the names that occur once share one array.
func headers(list []harPair, where string, strCap int64, bad func(string, ...any) *Error) (http.Header, error) {
	out, vals := make(http.Header, len(list)), make([]string, len(list))
	for i, nv := range list {
		_, cutN := cutString(nv.Name)
		_, cutV := cutString(nv.Value)
		switch {
		case cutN || cutV:
			return nil, bad("%s.headers[%d] is longer than %d bytes", where, i, strCap)
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
		b.WriteString(url.QueryEscape(name) + "=" + url.QueryEscape(value))
	}
	if cut {
		b.WriteString(cutMark)
	}
	return b.String()
}

// quoteShort quotes s for a message, cut to 40 bytes.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}
