package recording

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// harReader streams the entries of one HAR file. It walks the JSON tokens
// itself (see harentry.go), keeping only the members it uses.
type harReader struct {
	name string
	f    *jsonFilter
	dec  *jsontext.Decoder
	opts Options
	max  int64 // body cap
	fn   func(*Interaction) error
	n    int // entries delivered

	e       harEntry            // the entry being read, reused
	scratch []byte              // for unquoting short strings
	names   stringTable         // header names as read -> canonical
	values  stringTable         // methods, header values, parameters
	urls    map[string]*url.URL // parsed URLs, never handed out
}

// Bounds of the URL cache: like the string tables, it only saves work.
const (
	maxCachedURL  = 512
	maxCachedURLs = 64
)

func readHAR(name string, r io.Reader, startLine int, opts Options, fn func(*Interaction) error) error {
	f := newJSONFilter(r, opts, startLine)
	h := &harReader{name: name, f: f, dec: jsontext.NewDecoder(f), opts: opts, max: opts.maxBody(), fn: fn,
		names: stringTable{}, values: stringTable{}, urls: map[string]*url.URL{}}
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
			return fileError(h.name, h.f.lines.lineAt(h.dec.InputOffset()), "unexpected data after the HAR object", nil)
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
		if err := h.readEntry(&h.e); err != nil {
			return h.jsonError(h.n, line, err)
		}
		it, ierr := h.interaction(&h.e, h.n, line)
		if ierr != nil {
			return ierr
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
	line := h.f.lines.lineAt(h.dec.InputOffset())
	for _, c := range h.dec.UnreadBuffer() {
		switch c {
		case '\n':
			line++
		case ' ', '\t', '\r', ',', ':':
		default:
			return line
		}
	}
	return line
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
	var te *typeError
	switch {
	case errors.As(err, &te):
		e.Line, e.Msg = te.line, prefix+te.Error()
	case errors.As(err, &fe):
		e.Line, e.Msg = fe.line, prefix+fe.msg
	case errors.As(err, &se):
		if se.ByteOffset > 0 {
			e.Line = h.f.lines.lineAt(se.ByteOffset)
		}
		e.Msg = prefix + syntaxMessage(se)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		e.Line = h.f.line()
		e.Msg = prefix + "unexpected end of file: the JSON is truncated"
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

// interaction converts one decoded HAR entry.
func (h *harReader) interaction(e *harEntry, index, line int) (*Interaction, *Error) {
	if !e.hasRequest {
		return nil, h.bad(index, line, "request is missing")
	}
	if !e.hasResponse {
		return nil, h.bad(index, line, "response is missing")
	}
	it := &Interaction{File: h.name, Index: index, Line: line}

	switch {
	case e.method.cut:
		return nil, h.bad(index, line, "request.method is longer than %d bytes", h.f.strCap)
	case e.method.s == "":
		return nil, h.bad(index, line, "request.method is missing")
	}
	if e.urlCut {
		return nil, h.bad(index, line, "request.url is longer than %d bytes", h.f.strCap)
	}
	u, msg := h.parseURL(e.url)
	if msg != "" {
		return nil, h.bad(index, line, "request.url %s", msg)
	}
	it.Request.Method, it.Request.URL = e.method.s, u
	// One array for the values of the headers that occur once.
	vals := make([]string, len(e.reqHeaders)+len(e.respHeaders))
	var err *Error
	if it.Request.Header, err = h.headers(e.reqHeaders, vals, "request", index, line); err != nil {
		return nil, err
	}
	if e.hasPostData {
		text, cut := e.postText.b, e.postText.cut
		if len(text) == 0 && !cut && len(e.params) > 0 {
			text, cut = encodeParams(e.params)
		}
		b := capText(text, h.max)
		if cut {
			b.tooLarge, b.size = true, -1
			if e.reqBodySize > h.max {
				b.size = e.reqBodySize
			}
		}
		it.Request.Body, it.Request.BodyTooLarge, it.Request.BodySize = b.data, b.tooLarge, b.size
	}

	if e.status < 100 || e.status > 999 {
		if e.status == 0 {
			return nil, h.bad(index, line, "response.status is missing or 0 (the request got no response)")
		}
		return nil, h.bad(index, line, "response.status %d is not an HTTP status code (100-999)", e.status)
	}
	it.Response.StatusCode = int(e.status)
	if it.Response.Header, err = h.headers(e.respHeaders, vals[len(e.reqHeaders):], "response", index, line); err != nil {
		return nil, err
	}
	if e.hasContent {
		b, msg := h.content(e, it.Response.Header)
		if msg != "" {
			return nil, h.bad(index, line, "%s", msg)
		}
		it.Response.Body, it.Response.BodyTooLarge, it.Response.BodySize = b.data, b.tooLarge, b.size
	}
	return it, nil
}

// bad returns an *Error about entry index.
func (h *harReader) bad(index, line int, format string, args ...any) *Error {
	return &Error{File: h.name, Line: line, Index: index,
		Msg: "entry " + strconv.Itoa(index) + ": " + fmt.Sprintf(format, args...)}
}

// parseURL parses a request URL. A HAR file repeats a few URLs: each is
// parsed once, and every Interaction gets a copy of its own.
func (h *harReader) parseURL(b []byte) (*url.URL, string) {
	if c, ok := h.urls[string(b)]; ok {
		u := *c
		return &u, ""
	}
	s := string(b)
	u, msg := parseAbsoluteURL(s)
	if msg == "" && len(s) <= maxCachedURL && len(h.urls) < maxCachedURLs {
		c := *u
		h.urls[s] = &c
	}
	return u, msg
}

// content decodes response.content.
func (h *harReader) content(e *harEntry, header http.Header) (body, string) {
	text, cut := e.text.b, e.text.cut
	var b body
	switch enc := strings.ToLower(e.encoding.s); enc {
	case "":
		b = capText(text, h.max)
	case "base64":
		s := stripSpace(text) // text is this entry's own buffer
		if cut {
			s = s[:len(s)/4*4] // the cut may have split a 4-character group
		}
		data, err := decodeBase64(base64.StdEncoding, s)
		if err != nil {
			if data, err = decodeBase64(base64.RawStdEncoding, s); err != nil {
				return body{}, fmt.Sprintf("response.content.text is not valid base64 (content.encoding is \"base64\"): %v", err)
			}
		}
		// Some exporters store the bytes as they came off the wire.
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) && hasCoding(header, "gzip") {
			out, more, err := decompress("gzip", data, h.max)
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
		return body{}, fmt.Sprintf("response.content.encoding %s is not supported (expected \"base64\" or none)", quoteShort(e.encoding.s))
	}
	if cut {
		// The declared size is trusted only when it agrees that the body
		// is over the cap.
		b.tooLarge = true
		b.size = -1
		if e.size > h.max {
			b.size = e.size
		}
	}
	return b, ""
}

// decodeBase64 is enc.DecodeString for bytes.
func decodeBase64(enc *base64.Encoding, s []byte) ([]byte, error) {
	out := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(out, s)
	return out[:n], err
}

// headers converts a HAR header list, dropping HTTP/2 pseudo-headers. The
// names are canonical already. vals holds at least len(list) strings, for the
// values of the names that occur once.
func (h *harReader) headers(list []harPair, vals []string, where string, index, line int) (http.Header, *Error) {
	out := make(http.Header, len(list))
	for i := range list {
		nv := &list[i]
		switch {
		case nv.null:
			return nil, h.bad(index, line, "%s.headers[%d] is null", where, i)
		case nv.cut:
			return nil, h.bad(index, line, "%s.headers[%d] is longer than %d bytes", where, i, h.f.strCap)
		case nv.pseudo:
			continue
		case nv.name == "":
			return nil, h.bad(index, line, "%s.headers[%d] has no name", where, i)
		}
		if seen(out, list[:i], nv.name) {
			out[nv.name] = append(out[nv.name], nv.value)
			continue
		}
		vals[i] = nv.value
		out[nv.name] = vals[i : i+1 : i+1]
	}
	return out, nil
}

// seen reports whether name is in out already, given the list it was built
// from: a short list is searched, which is cheaper than a map lookup.
func seen(out http.Header, before []harPair, name string) bool {
	if len(before) > 16 {
		_, ok := out[name]
		return ok
	}
	for i := range before {
		if before[i].name == name {
			return true
		}
	}
	return false
}

func hasCoding(h http.Header, coding string) bool {
	for _, c := range contentCodings(h) {
		if c == coding || c == "x-"+coding {
			return true
		}
	}
	return false
}

// capText keeps at most max bytes of a text. A longer text is copied, so the
// rest of it can be freed.
func capText(b []byte, max int64) body {
	if int64(len(b)) > max {
		return body{data: bytes.Clone(b[:max]), tooLarge: true, size: int64(len(b))}
	}
	if b == nil {
		b = []byte{}
	}
	return body{data: b, size: int64(len(b))}
}

// stripSpace removes white space from b, in place.
func stripSpace(b []byte) []byte {
	if !bytes.ContainsAny(b, " \t\r\n") {
		return b
	}
	out := b[:0]
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			out = append(out, c)
		}
	}
	return out
}

// encodeParams rebuilds a form body from postData.params, in order; cut
// reports that a name or a value was cut.
func encodeParams(params []harPair) (text []byte, cut bool) {
	var b []byte
	for _, p := range params {
		if p.null {
			continue
		}
		if len(b) > 0 {
			b = append(b, '&')
		}
		b = append(b, url.QueryEscape(p.name)...)
		b = append(b, '=')
		b = append(b, url.QueryEscape(p.value)...)
		cut = cut || p.cut
	}
	return b, cut
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
