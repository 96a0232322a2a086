package recording

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/bits"
	"strconv"
)

// Limits the JSON filter enforces outside strings. Real HAR files never come
// close; they stop hostile input from growing the decoder's buffer.
const (
	maxJSONAtom       = 4096    // longest number or literal
	maxJSONWhitespace = 1 << 20 // longest run of white space
)

// jsonFilter sits between a HAR file and the JSON decoder. It passes the JSON
// through unchanged except that a string longer than strCap encoded bytes is
// cut at the cap (at a UTF-8 and escape boundary, never between the halves of
// a surrogate pair) and ends with a marker that only this filter can write:
// "\u0000~<random nonce>~<encoded length>". So a 200 MB body string is never
// held whole, and the reader still learns that, and where, a string was cut.
//
// It also records where the newlines are, so decoder byte offsets can be
// turned into line numbers, and it fails hostile input early: a region (one
// HAR entry, or one value outside the entries) larger than regionLimit, a
// number or literal longer than maxJSONAtom, or white space longer than
// maxJSONWhitespace.
type jsonFilter struct {
	src    io.Reader
	buf    []byte
	r, w   int
	srcErr error
	err    error

	strCap  int64
	mark    []byte // the marker as the decoded string holds it
	pending []byte // marker bytes still to emit

	inStr    bool
	dropping bool
	esc      int  // 0 none, 1 after '\', 2-5 reading the hex digits of \uXXXX
	hex      rune // the \uXXXX value being read
	hiSurr   bool // the last escape was a high surrogate
	strLen   int64
	origLen  int64
	atomLen  int
	wsRun    int

	out      int64 // bytes emitted so far
	newlines int   // newlines emitted so far
	lines    lineIndex

	regionStart int64
	regionLimit int64
}

// filterError is an input problem the filter found; line is exact.
type filterError struct {
	line int
	msg  string
}

func (e *filterError) Error() string { return e.msg }

func newJSONFilter(src io.Reader, opts Options, startLine int) *jsonFilter {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	n := hex.EncodeToString(nonce[:])
	return &jsonFilter{
		src:         src,
		buf:         make([]byte, 32<<10),
		strCap:      opts.stringCap(),
		mark:        []byte("\x00~" + n + "~"),
		regionLimit: opts.regionLimit(),
		lines:       lineIndex{first: startLine},
	}
}

// cutBytes reports whether b, a string as decoded, was cut by the filter,
// and returns the part that was kept and the string's original encoded
// length.
func (f *jsonFilter) cutBytes(b []byte) (kept []byte, encodedLen int64, cut bool) {
	// The marker is always at the end: look only there.
	tail := max(0, len(b)-len(f.mark)-20)
	i := bytes.LastIndex(b[tail:], f.mark)
	if i < 0 {
		return b, int64(len(b)), false
	}
	i += tail
	n, _ := strconv.ParseInt(string(b[i+len(f.mark):]), 10, 64)
	return b[:i], n, true
}

// cutString is cutBytes for a string.
func (f *jsonFilter) cutString(s string) (kept string, encodedLen int64, cut bool) {
	k, n, cut := f.cutBytes([]byte(s))
	return s[:len(k)], n, cut
}

// beginRegion starts a new region at output offset off (a decoder offset).
func (f *jsonFilter) beginRegion(off int64) { f.regionStart = off }

// line returns the 1-based line of the next byte the filter will read.
func (f *jsonFilter) line() int { return f.lines.first + f.newlines }

func (f *jsonFilter) fail(format string, args ...any) {
	f.failAfter(nil, format, args...)
}

// failAfter records an error on the line after the bytes of out, which step
// has written but Read has not yet accounted for.
func (f *jsonFilter) failAfter(out []byte, format string, args ...any) {
	if f.err == nil {
		f.err = &filterError{line: f.line() + bytes.Count(out, []byte{'\n'}), msg: fmt.Sprintf(format, args...)}
	}
}

// Read implements io.Reader for the decoder.
func (f *jsonFilter) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(f.pending) > 0 {
			c := copy(p[n:], f.pending)
			f.pending = f.pending[c:]
			f.emitted(p[n : n+c])
			n += c
			continue
		}
		if f.err != nil {
			break
		}
		if f.r == f.w {
			if f.srcErr != nil {
				f.err = f.srcErr
				break
			}
			if n > 0 {
				break
			}
			m, err := f.src.Read(f.buf)
			f.r, f.w = 0, m
			if err != nil {
				f.srcErr = err
			}
			continue
		}
		k := f.step(p[n:])
		f.emitted(p[n : n+k])
		n += k
	}
	if n > 0 {
		return n, nil
	}
	return 0, f.err
}

// emitted accounts for bytes handed to the decoder.
func (f *jsonFilter) emitted(b []byte) {
	base := f.out
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			break
		}
		f.lines.mark(base + int64(i+j))
		f.newlines++
		i += j + 1
	}
	f.out += int64(len(b))
	if f.out-f.regionStart > f.regionLimit {
		f.fail("a HAR entry (or a value outside log.entries) is larger than %d bytes, not counting cut bodies", f.regionLimit)
	}
}

// step consumes input and writes the bytes to emit into dst; it returns how
// many it wrote. It stops early when a marker is pending or on error. Most
// bytes pass through unchanged: scan finds how many in bulk, and the byte
// where it stops (a string reaching the cap, an escape across a buffer
// boundary, a run near its limit) takes the byte-by-byte path.
func (f *jsonFilter) step(dst []byte) int {
	n := 0
	for f.r < f.w && n < len(dst) && len(f.pending) == 0 && f.err == nil {
		if !f.dropping && f.esc == 0 {
			win := f.buf[f.r : f.r+min(f.w-f.r, len(dst)-n)]
			k := f.scan(win)
			copy(dst[n:], win[:k])
			f.r += k
			n += k
			if k == len(win) {
				continue
			}
		}
		n = f.byteStep(dst, n)
	}
	return n
}

// scan returns how many bytes at the start of win pass through unchanged,
// updating the state as the byte-by-byte path would. It stops before a byte
// that needs that path: a string at the cap, an escape that does not fit in
// win, or a byte that would take a run over its limit. It must be called
// outside escapes and outside a cut string.
func (f *jsonFilter) scan(win []byte) int {
	p := 0
	for p < len(win) {
		if !f.inStr {
			rest := win[p:]
			q := indexQuote(rest)
			if q >= 0 && f.atomLen+q <= maxJSONAtom && f.wsRun+q <= maxJSONWhitespace {
				// The bytes up to the next string, and its opening quote:
				// the quote ends both runs.
				p += q + 1
				f.inStr, f.strLen, f.hiSurr = true, 0, false
				f.atomLen, f.wsRun = 0, 0
				continue
			}
			end := len(rest)
			if q >= 0 {
				end = q
			}
			for i, c := range rest[:end] {
				switch c {
				case ' ', '\t', '\r', '\n':
					if f.wsRun >= maxJSONWhitespace {
						return p + i
					}
					f.atomLen = 0
					f.wsRun++
				case '{', '}', '[', ']', ',', ':':
					f.atomLen, f.wsRun = 0, 0
				default:
					if f.atomLen >= maxJSONAtom {
						return p + i
					}
					f.wsRun = 0
					f.atomLen++
				}
			}
			p += end
			continue
		}
		// Inside a string, outside an escape: pass up to the cap.
		room := f.strCap - f.strLen
		if room <= 0 {
			return p
		}
		seg := win[p:]
		if int64(len(seg)) > room {
			seg = seg[:room]
		}
		k := indexQuoteOrBackslash(seg)
		if k < 0 {
			k = len(seg)
		}
		if k > 0 {
			p += k
			f.strLen += int64(k)
			f.hiSurr = false
		}
		if k == len(seg) {
			continue
		}
		if win[p] == '"' {
			p++
			f.strLen++
			f.inStr = false
			continue
		}
		// A backslash: pass the whole escape when it is in win and the
		// string is not due to be cut before it.
		if f.strLen >= f.strCap || p+1 >= len(win) {
			return p
		}
		if win[p+1] != 'u' {
			p += 2
			f.strLen += 2
			f.hiSurr = false
			continue
		}
		if p+6 > len(win) {
			return p
		}
		var x rune
		for _, c := range win[p+2 : p+6] {
			x = x<<4 | hexValue(c)
		}
		p += 6
		f.strLen += 6
		f.hiSurr = x >= 0xD800 && x < 0xDC00
	}
	return p
}

// byteStep consumes one byte (or, in a string being cut, the part up to the
// next quote or backslash) and returns the new count of bytes in dst.
func (f *jsonFilter) byteStep(dst []byte, n int) int {
	c := f.buf[f.r]
	switch {
	case f.dropping:
		if f.esc == 1 {
			f.esc = 0
			f.r++
			f.origLen++
			return n
		}
		// Skip to the next quote or backslash. Only a newline is
		// checked in the part that is dropped: it would throw the
		// line numbers off, and it is invalid JSON anyway.
		seg := f.buf[f.r:f.w]
		k := indexQuoteOrBackslash(seg)
		if k < 0 {
			k = len(seg)
		}
		if bytes.IndexByte(seg[:k], '\n') >= 0 {
			f.failAfter(dst[:n], "invalid newline inside a JSON string")
			return n
		}
		f.r += k
		f.origLen += int64(k)
		if k == len(seg) {
			return n
		}
		f.r++
		if seg[k] == '\\' {
			f.origLen++
			f.esc = 1
			return n
		}
		// The closing quote: end the string with the marker.
		f.dropping, f.inStr = false, false
		f.pending = append(f.pending[:0], `\u0000~`...)
		f.pending = append(f.pending, f.mark[2:]...)
		f.pending = strconv.AppendInt(f.pending, f.origLen, 10)
		f.pending = append(f.pending, '"')
	case f.inStr:
		// Cut only at a safe point: not inside an escape, not between
		// the halves of a surrogate pair, not before a UTF-8
		// continuation byte, and not at the closing quote.
		if f.esc == 0 && f.strLen >= f.strCap && !f.hiSurr && c != '"' && (c < 0x80 || c >= 0xC0) {
			f.dropping = true
			f.origLen = f.strLen
			return n
		}
		f.r++
		dst[n] = c
		n++
		f.strLen++
		switch {
		case f.esc == 1:
			if c == 'u' {
				f.esc, f.hex = 2, 0
			} else {
				f.esc, f.hiSurr = 0, false
			}
		case f.esc >= 2:
			f.hex = f.hex<<4 | hexValue(c)
			f.esc++
			if f.esc == 6 {
				f.esc = 0
				f.hiSurr = f.hex >= 0xD800 && f.hex < 0xDC00
			}
		case c == '\\':
			f.esc = 1
		case c == '"':
			f.inStr = false
		default:
			f.hiSurr = false
		}
	default:
		f.r++
		dst[n] = c
		n++
		switch c {
		case '"':
			f.inStr, f.strLen, f.esc, f.hiSurr = true, 0, 0, false
			f.atomLen, f.wsRun = 0, 0
		case ' ', '\t', '\r', '\n':
			f.atomLen = 0
			if f.wsRun++; f.wsRun > maxJSONWhitespace {
				f.failAfter(dst[:n-1], "more than %d bytes of white space in a row", maxJSONWhitespace)
			}
		case '{', '}', '[', ']', ',', ':':
			f.atomLen, f.wsRun = 0, 0
		default:
			f.wsRun = 0
			if f.atomLen++; f.atomLen > maxJSONAtom {
				f.failAfter(dst[:n-1], "a JSON number or literal longer than %d bytes", maxJSONAtom)
			}
		}
	}
	return n
}

// indexQuote returns the index of the first '"' in b, or -1. Outside strings
// the next quote is usually a few bytes away: look at those first.
func indexQuote(b []byte) int {
	for i, c := range b[:min(len(b), 8)] {
		if c == '"' {
			return i
		}
	}
	if len(b) <= 8 {
		return -1
	}
	if i := bytes.IndexByte(b[8:], '"'); i >= 0 {
		return i + 8
	}
	return -1
}

// indexQuoteOrBackslash returns the index of the first '"' or '\' in b, or
// -1. It tests eight bytes at a time (the lowest byte flagged by the
// has-zero-byte test is exact: a borrow only flags bytes above a zero).
func indexQuoteOrBackslash(b []byte) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, s := x^(lo*'"'), x^(lo*'\\')
		if t := ((q-lo)&^q | (s-lo)&^s) & hi; t != 0 {
			return i + bits.TrailingZeros64(t)>>3
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' {
			return i
		}
	}
	return -1
}

func hexValue(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return 0
}

// lineIndex maps output offsets to line numbers. It keeps one bit per byte
// for the window between the last query and the newest newline, so its memory
// follows the decoder's read-ahead, not the file size. Queries must not go
// backwards; an offset before the window gets the window's first line.
type lineIndex struct {
	first  int   // line of offset 0
	base   int64 // offset of bit 0 of words[head], a multiple of 64
	before int   // newlines before base
	head   int   // the words before head are forgotten
	words  []uint64
}

func (x *lineIndex) mark(off int64) {
	i := x.head + int((off-x.base)>>6)
	if i >= len(x.words) {
		if i >= cap(x.words) && x.head > 0 {
			// Reuse the forgotten words rather than grow.
			n := copy(x.words, x.words[x.head:])
			x.words = x.words[:n]
			i -= x.head
			x.head = 0
		}
		for len(x.words) <= i {
			x.words = append(x.words, 0)
		}
	}
	x.words[i] |= 1 << uint((off-x.base)&63)
}

// lineAt returns the 1-based line of offset off and forgets the newlines
// before it.
func (x *lineIndex) lineAt(off int64) int {
	if off < x.base {
		off = x.base
	}
	live := x.words[x.head:]
	k := min(int((off-x.base)>>6), len(live))
	for _, w := range live[:k] {
		x.before += bits.OnesCount64(w)
	}
	x.head += k
	x.base += int64(k) << 6
	if x.head == len(x.words) {
		x.words, x.head = x.words[:0], 0
	}
	n := x.before
	if x.head < len(x.words) && off > x.base {
		n += bits.OnesCount64(x.words[x.head] & (1<<uint(off-x.base) - 1))
	}
	return x.first + n
}
