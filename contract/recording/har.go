package recording

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/chromedp/cdproto/har"
	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// harEntry is a HAR entry as it is decoded: the cdproto har types, except
// that the members this package does not use are skipped (any JSON is
// accepted there: exporters disagree on their types, and skipping is faster),
// and that the content is decoded here (cdproto's Content decodes base64
// eagerly, which fails on a body the JSON filter has cut).
type harEntry struct {
	har.Entry
	Request    *harRequest  `json:"request"`
	Response   *harResponse `json:"response"`
	Cache      unused       `json:"cache"`
	Timings    unused       `json:"timings"`
	Connection unused       `json:"connection"`
	Started    unused       `json:"startedDateTime"`
	Time       unused       `json:"time"`
	ServerIP   unused       `json:"serverIPAddress"`
}

type harRequest struct {
	har.Request
	Cookies     unused `json:"cookies"` // the Cookie header has them
	QueryString unused `json:"queryString"`
	HTTPVersion unused `json:"httpVersion"`
	HeadersSize unused `json:"headersSize"`
}

type harResponse struct {
	har.Response
	Cookies     unused      `json:"cookies"` // the Set-Cookie headers have them
	Content     *harContent `json:"content"`
	StatusText  unused      `json:"statusText"`
	HTTPVersion unused      `json:"httpVersion"`
	RedirectURL unused      `json:"redirectURL"`
	HeadersSize unused      `json:"headersSize"`
}

// unused accepts any JSON value and skips it without keeping it.
type unused struct{}

// UnmarshalJSONFrom skips the value.
func (*unused) UnmarshalJSONFrom(dec *jsontext.Decoder) error { return dec.SkipValue() }

type harContent struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Encoding string `json:"encoding"`
}

// harReader streams the entries of one HAR file.
type harReader struct {
	name string
	f    *jsonFilter
	dec  *jsontext.Decoder
	opts Options
	fn   func(*Interaction) error
	n    int // entries delivered
}

func readHAR(name string, r io.Reader, startLine int, opts Options, fn func(*Interaction) error) error {
	f := newJSONFilter(r, opts, startLine)
	h := &harReader{name: name, f: f, dec: jsontext.NewDecoder(f), opts: opts, fn: fn}
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
		var e harEntry
		if err := json.UnmarshalDecode(h.dec, &e); err != nil {
			return h.jsonError(h.n, line, err)
		}
		it, ierr := h.interaction(&e, h.n, line)
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
	var me *json.SemanticError
	switch {
	case errors.As(err, &fe):
		e.Line, e.Msg = fe.line, prefix+fe.msg
	case errors.As(err, &se):
		if se.ByteOffset > 0 {
			e.Line = h.f.lines.lineAt(se.ByteOffset)
		}
		e.Msg = prefix + syntaxMessage(se)
	case errors.As(err, &me):
		if me.ByteOffset > 0 {
			e.Line = h.f.lines.lineAt(me.ByteOffset)
		}
		e.Msg = prefix + semanticMessage(me)
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

// semanticMessage names the place and the types, never the value (a value
// may be a secret).
func semanticMessage(me *json.SemanticError) string {
	want := "a different type"
	if me.GoType != nil {
		want = goTypeName(me.GoType)
	}
	found := ""
	if me.JSONKind != 0 {
		found = ", found " + kindName(me.JSONKind)
	}
	return fmt.Sprintf("%s: expected %s%s", pointerText(me.JSONPointer), want, found)
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

func goTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a different type"
}

// interaction converts one decoded HAR entry.
func (h *harReader) interaction(e *harEntry, index, line int) (*Interaction, *Error) {
	bad := func(format string, args ...any) *Error {
		return &Error{File: h.name, Line: line, Index: index,
			Msg: "entry " + strconv.Itoa(index) + ": " + fmt.Sprintf(format, args...)}
	}
	if e.Request == nil {
		return nil, bad("request is missing")
	}
	if e.Response == nil {
		return nil, bad("response is missing")
	}
	max := h.opts.maxBody()
	it := &Interaction{File: h.name, Index: index, Line: line}
	rq, rs := &e.Request.Request, &e.Response.Response

	method, _, cut := h.f.cutString(rq.Method)
	switch {
	case cut:
		return nil, bad("request.method is longer than %d bytes", h.f.strCap)
	case method == "":
		return nil, bad("request.method is missing")
	}
	rawURL, _, cut := h.f.cutString(rq.URL)
	if cut {
		return nil, bad("request.url is longer than %d bytes", h.f.strCap)
	}
	u, msg := parseAbsoluteURL(rawURL)
	if msg != "" {
		return nil, bad("request.url %s", msg)
	}
	it.Request.Method, it.Request.URL = method, u
	var err *Error
	if it.Request.Header, err = h.headers(rq.Headers, "request", bad); err != nil {
		return nil, err
	}
	if pd := rq.PostData; pd != nil {
		text, _, cut := h.f.cutString(pd.Text)
		if text == "" && !cut && len(pd.Params) > 0 {
			text = encodeParams(pd.Params)
		}
		b := capString(text, max)
		if cut {
			b.tooLarge, b.size = true, -1
			if rq.BodySize > max {
				b.size = rq.BodySize
			}
		}
		it.Request.Body, it.Request.BodyTooLarge, it.Request.BodySize = b.data, b.tooLarge, b.size
	}

	if rs.Status < 100 || rs.Status > 999 {
		if rs.Status == 0 {
			return nil, bad("response.status is missing or 0 (the request got no response)")
		}
		return nil, bad("response.status %d is not an HTTP status code (100-999)", rs.Status)
	}
	it.Response.StatusCode = int(rs.Status)
	if it.Response.Header, err = h.headers(rs.Headers, "response", bad); err != nil {
		return nil, err
	}
	if c := e.Response.Content; c != nil {
		b, msg := h.content(c, it.Response.Header, max)
		if msg != "" {
			return nil, bad("%s", msg)
		}
		it.Response.Body, it.Response.BodyTooLarge, it.Response.BodySize = b.data, b.tooLarge, b.size
	}
	return it, nil
}

// content decodes response.content.
func (h *harReader) content(c *harContent, header http.Header, max int64) (body, string) {
	text, _, cut := h.f.cutString(c.Text)
	var b body
	switch enc := strings.ToLower(c.Encoding); enc {
	case "":
		b = capString(text, max)
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
			out, more, err := decompress("gzip", data, max)
			if err != nil {
				return body{}, "response body: " + err.Error()
			}
			b = body{data: out, tooLarge: more, size: int64(len(out))}
			if more {
				b.size = -1
			}
		} else {
			b = capBody(data, max)
		}
	default:
		return body{}, fmt.Sprintf("response.content.encoding %s is not supported (expected \"base64\" or none)", quoteShort(c.Encoding))
	}
	if cut {
		// The declared size is trusted only when it agrees that the body
		// is over the cap.
		b.tooLarge = true
		b.size = -1
		if c.Size > max {
			b.size = c.Size
		}
	}
	return b, ""
}

// headers converts a HAR header list, dropping HTTP/2 pseudo-headers.
func (h *harReader) headers(list []*har.NameValuePair, where string, bad func(string, ...any) *Error) (http.Header, *Error) {
	out := make(http.Header, len(list))
	for i, nv := range list {
		if nv == nil {
			return nil, bad("%s.headers[%d] is null", where, i)
		}
		name, _, cutName := h.f.cutString(nv.Name)
		value, _, cutValue := h.f.cutString(nv.Value)
		switch {
		case cutName || cutValue:
			return nil, bad("%s.headers[%d] is longer than %d bytes", where, i, h.f.strCap)
		case name == "":
			return nil, bad("%s.headers[%d] has no name", where, i)
		case strings.HasPrefix(name, ":"):
			continue
		}
		out.Add(name, value)
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

// capString converts at most max+1 bytes of s, so a large text is not copied
// whole.
func capString(s string, max int64) body {
	if int64(len(s)) > max {
		return body{data: []byte(s[:max]), tooLarge: true, size: int64(len(s))}
	}
	return body{data: []byte(s), size: int64(len(s))}
}

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

// encodeParams rebuilds a form body from postData.params, in order.
func encodeParams(params []*har.Param) string {
	var b strings.Builder
	for _, p := range params {
		if p == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
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
