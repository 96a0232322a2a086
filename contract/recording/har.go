package recording

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// harEntry is what the reader uses of a HAR 1.2 entry; other members are
// skipped whatever their type, once the decoder has checked their JSON. It
// is reused from entry to entry, so its lists keep their room. A nil content
// text is a body the exporter did not keep.
type harEntry struct {
	Request struct {
		Method      string    `json:"method"`
		URL         string    `json:"url"`
		Headers     []harPair `json:"headers"`
		QueryString []harPair `json:"queryString"`
		PostData    *struct {
			Text   string    `json:"text"`
			Params []harPair `json:"params"`
			File   string    `json:"_file"`
		} `json:"postData"`
		BodySize int64 `json:"bodySize"`
	} `json:"request"`
	Response struct {
		Status  int64     `json:"status"`
		Headers []harPair `json:"headers"`
		Content *struct {
			Size     int64   `json:"size"`
			Text     harText `json:"text"`
			Encoding string  `json:"encoding"`
			File     string  `json:"_file"`
		} `json:"content"`
		BodySize int64 `json:"bodySize"`
	} `json:"response"`
}

// harText is a response's content text, unquoted: nil for null or absent, with the
// offset where it starts, whose line findings about the body name. It
// decodes itself (a method, not an option: a decoder given any unmarshaler
// option consults it for every value, which costs a quarter of the read).
type harText struct {
	b   []byte
	off int64
}

// UnmarshalJSONFrom implements json.UnmarshalerFrom.
func (t *harText) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return err
	}
	rest := dec.UnreadBuffer()
	t.off = dec.InputOffset() + int64(len(rest)-len(bytes.TrimLeft(rest, " \t\r\n,:")))
	if dec.PeekKind() != '"' {
		var s string
		return json.UnmarshalDecode(dec, &s) // the decoder's error names what it found
	}
	v, err := dec.ReadValue()
	if err == nil {
		t.b, err = jsontext.AppendUnquote([]byte{}, v)
	}
	return err
}

// harPair is a header, a query parameter or a form parameter. A null in a
// list reads as a pair without a name.
type harPair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// harReader reads a HAR file as one JSON value, handing log.version and each
// entry to its own functions: an entry is delivered before the next is read.
type harReader struct {
	name string
	f    *harFilter
	dec  *jsontext.Decoder
	max  int64 // body cap
	left *decodeBudget
	fn   func(*Interaction) error
	err  error // what the reader's functions returned, handed back unchanged
	n    int   // entries delivered
	e    harEntry
	urls map[string]*url.URL     // parsed URLs (at most 64 short ones), never handed out
	dir  string                  // the HAR's folder, or "" when _file bodies are not read
	read map[int64][]os.FileInfo // the _file bodies read so far, by size, then identity (os.SameFile)
	seen func(name string)       // told every _file name, or nil
}

type harVersion struct{}
type harItem struct{} // an entry, delivered as it is read: the list stays empty

func readHAR(name string, r io.Reader, startLine int, opts Options, fn func(*Interaction) error) error {
	h := &harReader{name: name, f: newHARFilter(r, opts, startLine), max: opts.maxBody(), left: opts.budget(), fn: fn, urls: map[string]*url.URL{},
		dir: opts.harDir, read: map[int64][]os.FileInfo{}, seen: opts.onAttachment}
	h.dec = jsontext.NewDecoder(h.f)
	var doc struct {
		Log *struct {
			Version harVersion `json:"version"`
			Entries []harItem  `json:"entries"`
		} `json:"log"`
	}
	err := json.UnmarshalDecode(h.dec, &doc, json.WithUnmarshalers(json.JoinUnmarshalers(
		json.UnmarshalFromFunc(func(*jsontext.Decoder, *harVersion) error { h.err = h.checkVersion(); return h.err }),
		json.UnmarshalFromFunc(func(*jsontext.Decoder, *harItem) error { h.err = h.readEntry(); return h.err }))))
	switch {
	case h.err != nil:
		return h.err
	case err != nil:
		return h.jsonError(-1, startLine, err)
	case doc.Log == nil:
		return fileError(name, 0, `not a HAR file: the JSON object has no "log" member`, nil)
	case h.n == 0:
		return fileError(name, 0, "no entries: a HAR file must record at least one request (log.entries is missing or empty)", nil)
	}
	if _, err := h.dec.ReadToken(); err == nil {
		return fileError(name, h.f.lineAt(h.dec.InputOffset()), "unexpected data after the HAR object", nil)
	} else if err != io.EOF {
		return h.jsonError(-1, 0, err)
	}
	return nil
}

// nextLine returns the line where the next value starts.
func (h *harReader) nextLine() int {
	rest := h.dec.UnreadBuffer()
	return h.f.lineAt(h.dec.InputOffset() + int64(len(rest)-len(bytes.TrimLeft(rest, " \t\r\n,:"))))
}

func (h *harReader) checkVersion() error {
	line, v := h.nextLine(), ""
	switch err := json.UnmarshalDecode(h.dec, &v, json.WithUnmarshalers(nil)); {
	case err != nil:
		return h.jsonError(-1, line, err)
	case v != "" && v != "1.1" && v != "1.2":
		return fileError(h.name, line, "HAR version "+quoteShort(v)+"; this reader supports versions 1.1 and 1.2", nil)
	}
	return nil
}

// readEntry decodes the next entry, converts it and hands it to fn.
func (h *harReader) readEntry() error {
	line, e := h.nextLine(), &h.e
	h.f.regionStart = h.dec.InputOffset()
	rqh, rqq, rsh := e.Request.Headers[:0], e.Request.QueryString[:0], e.Response.Headers[:0]
	*e = harEntry{}
	e.Request.Headers, e.Request.QueryString, e.Response.Headers = rqh, rqq, rsh
	if err := json.UnmarshalDecode(h.dec, e, json.WithUnmarshalers(nil)); err != nil {
		return h.jsonError(h.n, line, err)
	}
	it, err := h.interaction(line)
	if err == nil {
		err = h.fn(it)
	}
	h.n++
	return err
}

// jsonError turns a decoder error into an *Error. Like every message of this
// reader, it names places and types, never a value.
func (h *harReader) jsonError(index, line int, err error) error {
	var fe *Error
	var se *jsontext.SyntacticError
	var te *json.SemanticError
	e := &Error{File: h.name, Line: line, Index: index, Msg: "cannot read: " + err.Error(), Err: err}
	switch {
	case errors.As(err, &fe):
		e.Line, e.Msg = fe.Line, fe.Msg // the filter's, which lack the file
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		e.Line, e.Msg = h.f.first+h.f.newlines, "unexpected end of file: the JSON is truncated"
	case errors.As(err, &se):
		e.Line, e.Msg = h.f.lineAt(se.ByteOffset), "invalid JSON: "+se.Err.Error()+" (in "+pointerText(se.JSONPointer)+")"
		if se.Err == jsontext.ErrDuplicateName {
			e.Msg = fmt.Sprintf("invalid JSON: duplicate member %s in %s", quoteShort(se.JSONPointer.LastToken()), pointerText(se.JSONPointer.Parent()))
		}
	case errors.As(err, &te) && te.JSONKind != 0:
		e.Line, e.Msg, e.Err = h.f.lineAt(te.ByteOffset), pointerText(te.JSONPointer)+": "+typeText(te.GoType, te.JSONKind), nil
	}
	if index >= 0 {
		e.Msg = "entry " + strconv.Itoa(index) + ": " + e.Msg
	}
	return e
}

// pointerText names the place of a JSON pointer, cut to 120 bytes.
func pointerText(p jsontext.Pointer) string {
	return cmp.Or(string(p[:min(len(p), 120)]), "the top-level value")
}

// typeText says what JSON a Go type of harEntry expects, and what was found.
// For a pointer, the decoder names the type it points to.
func typeText(t reflect.Type, found jsontext.Kind) string {
	want := "something else"
	if t != nil {
		want = cmp.Or(map[reflect.Kind]string{reflect.String: "a string", reflect.Int64: "an integer", reflect.Slice: "an array", reflect.Struct: "an object"}[t.Kind()], want)
	}
	return "expected " + want + ", found " + cmp.Or(map[jsontext.Kind]string{'"': "a string", '0': "a number", '{': "an object", '[': "an array",
		't': "a boolean", 'f': "a boolean", 'n': "null"}[found], "something else")
}

// interaction converts the entry just decoded; a cut string is an error outside a body.
func (h *harReader) interaction(line int) (*Interaction, error) {
	bad := func(format string, args ...any) error {
		return &Error{File: h.name, Line: line, Index: h.n, Msg: "entry " + strconv.Itoa(h.n) + ": " + fmt.Sprintf(format, args...)}
	}
	rq, rs := &h.e.Request, &h.e.Response
	switch {
	case rq.Method == "" && rq.URL == "" && len(rq.Headers) == 0:
		return nil, bad("request is missing")
	case rs.Status == 0 && rs.Content == nil && len(rs.Headers) == 0:
		return nil, bad("response is missing")
	case isCut(rq.Method):
		return nil, bad("request.method is longer than %d bytes", h.f.strCap)
	case isCut(rq.URL):
		return nil, bad("request.url is longer than %d bytes", h.f.strCap)
	case rq.Method == "":
		return nil, bad("request.method is missing")
	case rs.Status != 0 && rs.Status != -1 && (rs.Status < 100 || rs.Status > 999):
		return nil, bad("response.status %d is not an HTTP status code (100-999, or 0 or -1 for no response)", rs.Status)
	}
	u, msg := h.urls[rq.URL], ""
	if u == nil {
		if u, msg = parseAbsoluteURL(rq.URL); msg != "" {
			return nil, bad("request.url %s", msg)
		}
		if len(rq.URL) <= 512 && len(h.urls) < 64 {
			h.urls[rq.URL] = u
		}
	}
	// Playwright writes -1 where a browser writes 0: both are read as 0.
	it := &Interaction{File: h.name, Index: h.n, Line: line, Request: Request{Method: rq.Method, URL: new(*u)}, Response: Response{StatusCode: int(max(rs.Status, 0))}}
	vals := make([]string, len(rq.Headers)+len(rs.Headers)) // one array for both
	rqHeader, err1 := headers(rq.Headers, vals[:len(rq.Headers)], "request", bad)
	rsHeader, err2 := headers(rs.Headers, vals[len(rq.Headers):], "response", bad)
	if err := cmp.Or(addQueryString(it.Request.URL, rq.QueryString, bad), err1, err2); err != nil {
		return nil, err
	}
	it.Request.Header, it.Response.Header = rqHeader, rsHeader
	it.Request.NotRecorded = headersNotRecorded(it.Request.Header)
	// The walk sets aside only a body file of this folder that the HAR
	// names as one (a plain <sha1>.<ext>): a name with a path never marks
	// another folder's file.
	if rq.PostData != nil && h.seen != nil && isAttachmentName(rq.PostData.File) && !strings.ContainsAny(rq.PostData.File, `/\`) {
		h.seen(rq.PostData.File)
	}
	if rs.Content != nil && h.seen != nil && isAttachmentName(rs.Content.File) && !strings.ContainsAny(rs.Content.File, `/\`) {
		h.seen(rs.Content.File)
	}
	switch pd := rq.PostData; {
	case pd != nil && pd.Text == "" && pd.File != "" && h.dir != "":
		b, err := h.attachment(pd.File)
		if err != nil {
			return nil, bad("request.postData._file %s %v", quoteName(pd.File), err)
		}
		it.Request.Body, it.Request.BodyTooLarge, it.Request.BodySize = b.data, b.tooLarge, b.size
	case pd != nil && pd.Text == "" && pd.File != "":
		it.Request.BodyNotRecorded, it.Request.BodySize = rq.BodySize > 0, max(rq.BodySize, 0)
	case pd != nil:
		b, _ := h.body([]byte(cmp.Or(pd.Text, encodeParams(pd.Params))), false, rq.BodySize, nil) // only base64 fails
		it.Request.Body, it.Request.BodyTooLarge, it.Request.BodySize = b.data, b.tooLarge, b.size
	case rq.BodySize > 0:
		it.Request.BodyNotRecorded, it.Request.BodySize = true, rq.BodySize
	}
	switch c := rs.Content; {
	case c != nil && c.Text.b == nil && c.File != "" && h.dir != "":
		b, err := h.attachment(c.File)
		if err != nil {
			return nil, bad("response.content._file %s %v", quoteName(c.File), err)
		}
		it.Response.Body, it.Response.BodyTooLarge, it.Response.BodySize = b.data, b.tooLarge, b.size
	case c == nil || c.Text.b == nil:
		size := rs.BodySize
		if c != nil {
			size = max(size, c.Size)
		}
		it.Response.BodyNotRecorded, it.Response.BodySize = size > 0, max(size, 0)
	case c.Encoding != "" && !strings.EqualFold(c.Encoding, "base64"):
		return nil, bad("response.content.encoding %s is not supported (expected \"base64\" or none)", quoteShort(c.Encoding))
	default:
		b, err := h.body(c.Text.b, c.Encoding != "", c.Size, it.Response.Header)
		if err != nil {
			return nil, bad("%v", err)
		}
		it.Response.Body, it.Response.BodyTooLarge, it.Response.BodySize = b.data, b.tooLarge, b.size
		it.Response.BodyLine = h.f.lineAt(c.Text.off)
	}
	return it, nil
}

// attachment reads a body that the entry keeps in a file beside the HAR, as
// Playwright's content "attach" mode writes it (a plain name, such as
// <sha1>.json, in content._file or postData._file), up to the body cap. A
// name that is not a file in the HAR's own folder is refused, and so is a
// symbolic link that leads out of it. Reading a file again is charged to
// the decoding budget: a small HAR must not read one file without end.
func (h *harReader) attachment(name string) (body, error) {
	if !filepath.IsLocal(name) || filepath.Base(name) != name || strings.ContainsAny(name, `/\`) {
		return body{}, errors.New("is not a file name in the HAR file's folder (expected a plain name such as <sha1>.json, with no path)")
	}
	root, err := os.OpenRoot(h.dir)
	if err != nil {
		return body{}, attachmentError(err)
	}
	defer func() { _ = root.Close() }()
	fi, err := root.Stat(name)
	switch {
	case err != nil:
		return body{}, attachmentError(err)
	case !fi.Mode().IsRegular():
		return body{}, errors.New("is not a regular file")
	}
	b := body{tooLarge: fi.Size() > h.max, size: fi.Size()}
	// A file read again, under whatever name (a link, another case of
	// the name), is charged to the decode budget, so a small HAR cannot
	// read one file without end.
	if slices.ContainsFunc(h.read[fi.Size()], func(seen os.FileInfo) bool { return os.SameFile(seen, fi) }) {
		if err := h.left.charge(min(b.size, h.max)); err != nil {
			return body{}, fmt.Errorf("is read again: %w", err)
		}
	} else {
		h.read[fi.Size()] = append(h.read[fi.Size()], fi)
	}
	f, err := root.Open(name)
	if err == nil {
		defer func() { _ = f.Close() }() // opened for reading: nothing to lose on close
		b.data, err = io.ReadAll(io.LimitReader(f, h.max))
	}
	if err != nil {
		return body{}, attachmentError(err)
	}
	return b, nil
}

// attachmentError says why a _file body cannot be read, without the path.
func attachmentError(err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("is missing: there is no such file in the HAR file's folder")
	case errors.As(err, &pe):
		return errors.New("cannot be read: " + pe.Err.Error())
	}
	return errors.New("cannot be read: " + err.Error())
}

// addQueryString adds to u the request.queryString parameters its query
// lacks: some exporters (Insomnia) keep parameters only there.
func addQueryString(u *url.URL, params []harPair, bad func(string, ...any) error) error {
	if len(params) == 0 {
		return nil
	}
	have, add := u.Query(), url.Values{}
	for i, p := range params {
		switch {
		case isCut(p.Name) || isCut(p.Value):
			return bad("request.queryString[%d] is longer than the string cap", i)
		case p.Name != "" && !slices.Contains(have[p.Name], p.Value):
			add[p.Name] = append(add[p.Name], p.Value)
		}
	}
	if len(add) > 0 {
		u.RawQuery = strings.TrimPrefix(u.RawQuery+"&"+add.Encode(), "&")
	}
	return nil
}

// body keeps a text within the cap: decoded if base64, and inflated if those
// bytes are gzip under Content-Encoding gzip, as some exporters store them. A
// text the filter cut is over the cap, of its declared size if that is too.
func (h *harReader) body(text []byte, isBase64 bool, declared int64, header http.Header) (body, error) {
	raw, cut := bytes.CutSuffix(text, []byte(cutMark))
	b := body{tooLarge: int64(len(raw)) > h.max, size: int64(len(raw))}
	if !isBase64 {
		b.data = slices.Clip(raw)
		if b.tooLarge {
			b.data = bytes.Clone(raw[:h.max]) // the text past the cap is not kept
		}
	} else {
		s := strings.Join(strings.Fields(string(raw)), "")
		if cut {
			s = s[:len(s)/4*4] // the cut may have split a 4-character group
		}
		data, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil {
			return body{}, fmt.Errorf("response.content.text is not valid base64 (content.encoding is \"base64\"): %w", err)
		}
		if b = capBody(data, h.max); bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			if b, err = decodeContent(contentCodings(header), data, h.max, h.left); err != nil {
				return body{}, fmt.Errorf("response body: %w", err)
			}
		}
	}
	if cut {
		b.tooLarge, b.size = true, -1
		if declared > h.max {
			b.size = declared
		}
	}
	return b, nil
}

// headers converts a HAR header list, dropping HTTP/2 pseudo-headers. The
// values of the names that occur once share vals, as long as list.
func headers(list []harPair, vals []string, where string, bad func(string, ...any) error) (http.Header, error) {
	out := make(http.Header, len(list))
	for i, nv := range list {
		switch {
		case isCut(nv.Name) || isCut(nv.Value):
			return nil, bad("%s.headers[%d] is longer than the string cap", where, i)
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

// encodeParams rebuilds a form body from postData.params, in order, ending
// with cutMark when the filter cut a parameter.
func encodeParams(params []harPair) string {
	pairs, mark := make([]string, len(params)), ""
	for i, p := range params {
		if isCut(p.Name) || isCut(p.Value) {
			mark = cutMark
		}
		pairs[i] = url.QueryEscape(strings.TrimSuffix(p.Name, cutMark)) + "=" + url.QueryEscape(strings.TrimSuffix(p.Value, cutMark))
	}
	return strings.Join(pairs, "&") + mark
}

// quoteName quotes a file name for a message, cut to 120 bytes.
func quoteName(s string) string {
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return strconv.Quote(s)
}

// quoteShort quotes s for a message, cut to 40 bytes.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}
