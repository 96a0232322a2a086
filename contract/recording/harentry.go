package recording

import (
	"bytes"
	"net/textproto"

	"github.com/go-json-experiment/json/jsontext"
)

// harEntry is what the reader uses of one HAR 1.2 entry, decoded token by
// token. The members the reader does not use are skipped whatever their type
// (exporters disagree on them); the JSON is still checked in full by the
// decoder. The reader keeps one harEntry and reuses its lists from entry to
// entry; the strings and byte slices it holds are not reused, so the
// Interaction built from them owns them.
type harEntry struct {
	hasRequest, hasResponse bool // the member is present and not null

	method      harString
	url         []byte // reused buffer
	urlCut      bool
	reqHeaders  []harPair
	hasPostData bool
	postText    harText
	params      []harPair
	reqBodySize int64

	status      int64
	respHeaders []harPair
	hasContent  bool
	text        harText
	encoding    harString
	size        int64
}

// harString is a decoded string; cut reports that the JSON filter cut it,
// s being the part kept.
type harString struct {
	s   string
	cut bool
}

// harText is a decoded string in a buffer of its own.
type harText struct {
	b   []byte
	cut bool
}

// harPair is a header (name canonicalized) or a form parameter.
type harPair struct {
	name, value string
	null        bool // the list element is null
	pseudo      bool // an HTTP/2 pseudo-header such as ":authority"
	cut         bool // the name or the value was cut
}

func (e *harEntry) reset() {
	*e = harEntry{
		url:         e.url[:0],
		reqHeaders:  e.reqHeaders[:0],
		params:      e.params[:0],
		respHeaders: e.respHeaders[:0],
	}
}

// typeError is a member of the wrong JSON type. Like every message of this
// reader, it names the place and the types, never the value.
type typeError struct {
	pointer jsontext.Pointer
	want    string
	found   jsontext.Kind
	line    int
}

func (e *typeError) Error() string {
	return pointerText(e.pointer) + ": expected " + e.want + ", found " + kindName(e.found)
}

// readEntry decodes the next entry into e. It returns the decoder's or the
// filter's error, or a *typeError.
func (h *harReader) readEntry(e *harEntry) error {
	e.reset()
	if ok, err := h.openObject(); !ok || err != nil {
		return err // a null entry has no request
	}
	for {
		name, done, err := h.memberName()
		if done || err != nil {
			return err
		}
		switch string(name) {
		case "request":
			if e.hasRequest, err = h.openObject(); e.hasRequest && err == nil {
				err = h.readRequest(e)
			}
		case "response":
			if e.hasResponse, err = h.openObject(); e.hasResponse && err == nil {
				err = h.readResponse(e)
			}
		default:
			err = h.skipValue()
		}
		if err != nil {
			return err
		}
	}
}

func (h *harReader) readRequest(e *harEntry) error {
	for {
		name, done, err := h.memberName()
		if done || err != nil {
			return err
		}
		switch string(name) {
		case "method":
			e.method, err = h.str()
		case "url":
			var b []byte
			if b, e.urlCut, err = h.strBytes(); err == nil {
				e.url = append(e.url[:0], b...)
			}
		case "headers":
			e.reqHeaders, err = h.readPairs(e.reqHeaders, true)
		case "postData":
			if e.hasPostData, err = h.openObject(); e.hasPostData && err == nil {
				err = h.readPostData(e)
			}
		case "bodySize":
			e.reqBodySize, err = h.integer()
		default:
			err = h.skipValue()
		}
		if err != nil {
			return err
		}
	}
}

func (h *harReader) readPostData(e *harEntry) error {
	for {
		name, done, err := h.memberName()
		if done || err != nil {
			return err
		}
		switch string(name) {
		case "text":
			e.postText, err = h.text()
		case "params":
			e.params, err = h.readPairs(e.params, false)
		default:
			err = h.skipValue()
		}
		if err != nil {
			return err
		}
	}
}

func (h *harReader) readResponse(e *harEntry) error {
	for {
		name, done, err := h.memberName()
		if done || err != nil {
			return err
		}
		switch string(name) {
		case "status":
			e.status, err = h.integer()
		case "headers":
			e.respHeaders, err = h.readPairs(e.respHeaders, true)
		case "content":
			if e.hasContent, err = h.openObject(); e.hasContent && err == nil {
				err = h.readContent(e)
			}
		default:
			err = h.skipValue()
		}
		if err != nil {
			return err
		}
	}
}

func (h *harReader) readContent(e *harEntry) error {
	for {
		name, done, err := h.memberName()
		if done || err != nil {
			return err
		}
		switch string(name) {
		case "size":
			e.size, err = h.integer()
		case "text":
			e.text, err = h.text()
		case "encoding":
			e.encoding, err = h.str()
		default:
			err = h.skipValue()
		}
		if err != nil {
			return err
		}
	}
}

// readPairs appends a list of {"name","value"} objects (headers or form
// parameters) to list; a null list leaves it empty.
func (h *harReader) readPairs(list []harPair, header bool) ([]harPair, error) {
	list = list[:0]
	if ok, err := h.openArray(); !ok || err != nil {
		return list, err
	}
	for {
		switch k := h.peek(); k {
		case ']':
			_, err := h.dec.ReadToken()
			return list, err
		case 'n':
			if _, err := h.dec.ReadToken(); err != nil {
				return list, err
			}
			list = append(list, harPair{null: true})
			continue
		case '{':
			if _, err := h.dec.ReadToken(); err != nil {
				return list, err
			}
		default:
			return list, h.mismatch("an object", k, true)
		}
		var p harPair
		for {
			name, done, err := h.memberName()
			if err != nil {
				return list, err
			}
			if done {
				break
			}
			switch string(name) {
			case "name":
				b, cut, err := h.strBytes()
				if err != nil {
					return list, err
				}
				p.cut = p.cut || cut
				switch {
				case header && cut: // an error: the name is not needed
				case header && len(b) > 0 && b[0] == ':':
					p.pseudo = true
				case header:
					p.name = h.names.canonical(b)
				default:
					p.name = h.values.get(b)
				}
			case "value":
				b, cut, err := h.strBytes()
				if err != nil {
					return list, err
				}
				p.cut = p.cut || cut
				if !cut || !header { // a cut header is an error
					p.value = h.values.get(b)
				}
			default:
				if err := h.skipValue(); err != nil {
					return list, err
				}
			}
		}
		list = append(list, p)
	}
}

// openObject reads the '{' of an object, or a null (ok is then false).
func (h *harReader) openObject() (ok bool, err error) {
	return h.open1('{', "an object")
}

// openArray reads the '[' of an array, or a null (ok is then false).
func (h *harReader) openArray() (ok bool, err error) {
	return h.open1('[', "an array")
}

func (h *harReader) open1(delim jsontext.Kind, want string) (bool, error) {
	switch k := h.peek(); k {
	case delim:
		_, err := h.dec.ReadToken()
		return err == nil, err
	case 'n':
		_, err := h.dec.ReadToken()
		return false, err
	default:
		return false, h.mismatch(want, k, true)
	}
}

// peek returns the kind of the next token like Decoder.PeekKind, but looks
// in the decoder's buffer first, which is much cheaper. It may see a kind
// where PeekKind would see an error (it does not check the delimiters): the
// read that follows then returns that error.
func (h *harReader) peek() jsontext.Kind {
	for _, c := range h.dec.UnreadBuffer() {
		switch k := peekKinds[c]; k {
		case 0:
		case 0xff:
			return h.dec.PeekKind()
		default:
			return jsontext.Kind(k)
		}
	}
	return h.dec.PeekKind()
}

// peekKinds maps the first byte of a token to its kind for peek: 0 for the
// bytes before a token, 0xff for a byte only the decoder can judge.
var peekKinds = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for _, c := range []byte(" \t\r\n,:") {
		t[c] = 0
	}
	for _, c := range []byte(`"{}[]ntf`) {
		t[c] = c
	}
	for _, c := range []byte("-0123456789") {
		t[c] = '0'
	}
	return t
}()

// skipValue skips a member this reader does not use. A scalar, or an empty
// object or array, is read in one go; any other object or array is skipped
// token by token, so the decoder never holds it whole.
func (h *harReader) skipValue() error {
	ub := h.dec.UnreadBuffer()
	i := 0
	for i < len(ub) && peekKinds[ub[i]] == 0 {
		i++
	}
	if i == len(ub) {
		return h.dec.SkipValue()
	}
	switch c := ub[i]; c {
	case '{', '[':
		j := i + 1
		for j < len(ub) && (ub[j] == ' ' || ub[j] == '\t' || ub[j] == '\r' || ub[j] == '\n') {
			j++
		}
		if j == len(ub) || ub[j] != c+2 { // '}' is '{'+2, ']' is '['+2
			return h.dec.SkipValue()
		}
	}
	_, err := h.dec.ReadValue()
	return err
}

// memberName reads the next member name of the current object, unquoted and valid
// until the next read, or reports the object's end.
func (h *harReader) memberName() (name []byte, done bool, err error) {
	if h.peek() == '}' {
		_, err := h.dec.ReadToken()
		return nil, true, err
	}
	raw, err := h.dec.ReadValue()
	if err != nil {
		return nil, false, err
	}
	return h.unquote(raw), false, nil
}

// strBytes reads a string, or a null as an empty string. The bytes are valid
// until the next read; cut reports that the filter cut the string, and the
// bytes are then the part kept.
func (h *harReader) strBytes() (b []byte, cut bool, err error) {
	switch k := h.peek(); k {
	case '"':
		raw, err := h.dec.ReadValue()
		if err != nil {
			return nil, false, err
		}
		b = h.unquote(raw)
		if int64(len(raw)) > h.f.strCap { // only such a string can carry a marker
			b, _, cut = h.f.cutBytes(b)
		}
		return b, cut, nil
	case 'n':
		_, err := h.dec.ReadToken()
		return nil, false, err
	default:
		return nil, false, h.mismatch("a string", k, false)
	}
}

// str is strBytes as a string, short ones shared through the value table.
func (h *harReader) str() (harString, error) {
	b, cut, err := h.strBytes()
	return harString{s: h.values.get(b), cut: cut}, err
}

// text reads a string into a buffer of its own (a null reads as nil).
func (h *harReader) text() (harText, error) {
	switch k := h.peek(); k {
	case '"':
		raw, err := h.dec.ReadValue()
		if err != nil {
			return harText{}, err
		}
		s := raw[1 : len(raw)-1]
		var b []byte
		if bytes.IndexByte(s, '\\') < 0 {
			b = append(make([]byte, 0, len(s)), s...)
		} else {
			// AppendUnquote wants room for all of raw. The decoder
			// has checked the string, so it does not fail.
			if b, err = jsontext.AppendUnquote(make([]byte, 0, len(raw)), raw); err != nil {
				return harText{}, err
			}
		}
		t := harText{b: b}
		if int64(len(raw)) > h.f.strCap {
			t.b, _, t.cut = h.f.cutBytes(b)
		}
		return t, nil
	case 'n':
		_, err := h.dec.ReadToken()
		return harText{}, err
	default:
		return harText{}, h.mismatch("a string", k, false)
	}
}

// integer reads an integer, or a null as 0.
func (h *harReader) integer() (int64, error) {
	switch k := h.peek(); k {
	case '0':
		raw, err := h.dec.ReadValue()
		if err != nil {
			return 0, err
		}
		n, ok := parseInt64(raw)
		if !ok {
			return 0, &typeError{pointer: h.dec.StackPointer(), want: "an integer", found: '0',
				line: h.f.lines.lineAt(h.dec.InputOffset() - int64(len(raw)))}
		}
		return n, nil
	case 'n':
		_, err := h.dec.ReadToken()
		return 0, err
	default:
		return 0, h.mismatch("an integer", k, false)
	}
}

// mismatch reads what is next, of kind k where want was expected, and
// returns the *typeError, or the syntax error found reading it. It reads as
// encoding/json/v2 does (this reader used to decode with it), so the errors
// are the same: where an object or an array is expected, only the next token
// (a wrong one ends the reading there); where a string or a number is, the
// whole value.
func (h *harReader) mismatch(want string, k jsontext.Kind, token bool) error {
	start := h.dec.InputOffset()
	for _, c := range h.dec.UnreadBuffer() {
		if peekKinds[c] != 0 {
			break
		}
		start++
	}
	var err error
	if token {
		_, err = h.dec.ReadToken()
	} else {
		_, err = h.dec.ReadValue()
	}
	if err != nil {
		return err
	}
	return &typeError{pointer: h.dec.StackPointer(), want: want, found: k, line: h.f.lines.lineAt(start)}
}

// unquote returns the content of a JSON string the decoder has checked,
// without copying when it has no escapes.
func (h *harReader) unquote(raw []byte) []byte {
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') < 0 {
		return s
	}
	if len(s) > 4<<10 { // do not keep a large scratch buffer
		b, _ := jsontext.AppendUnquote(nil, raw)
		return b
	}
	h.scratch, _ = jsontext.AppendUnquote(h.scratch[:0], raw)
	return h.scratch
}

// parseInt64 parses a JSON number the decoder has checked; ok is false for
// a fraction, an exponent, or a value out of range.
func parseInt64(b []byte) (n int64, ok bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 { // 19 digits cannot overflow a uint64
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}

// Bounds of the string tables: they only ever save allocations, so they
// stop growing rather than grow with the file.
const (
	maxTableString  = 64
	maxTableEntries = 1024
)

// stringTable shares one string per distinct short byte sequence, so the
// methods and header values that repeat from entry to entry of a HAR file
// are allocated once per file, not once per entry.
type stringTable map[string]string

func (t stringTable) get(b []byte) string {
	if len(b) > maxTableString {
		return string(b)
	}
	if s, ok := t[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(t) < maxTableEntries {
		t[s] = s
	}
	return s
}

// canonical returns the canonical form of a header name, as http.Header.Add
// would store it, from a table of the names seen.
func (t stringTable) canonical(b []byte) string {
	if s, ok := t[string(b)]; ok {
		return s
	}
	s := textproto.CanonicalMIMEHeaderKey(string(b))
	if len(b) <= maxTableString && len(t) < maxTableEntries {
		t[string(b)] = s
	}
	return s
}
