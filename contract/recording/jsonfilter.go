package recording

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
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

	strCap     int64
	markPrefix string // the marker as the decoded string holds it
	pending    []byte // marker bytes still to emit

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
		markPrefix:  "\x00~" + n + "~",
		regionLimit: opts.regionLimit(),
		lines:       lineIndex{first: startLine},
	}
}

// cutString reports whether s was cut by the filter, and returns the part
// that was kept and the string's original encoded length.
func (f *jsonFilter) cutString(s string) (kept string, encodedLen int64, cut bool) {
	// The marker is always at the end: look only there.
	tail := max(0, len(s)-len(f.markPrefix)-20)
	i := strings.LastIndex(s[tail:], f.markPrefix)
	if i < 0 {
		return s, int64(len(s)), false
	}
	i += tail
	n, _ := strconv.ParseInt(s[i+len(f.markPrefix):], 10, 64)
	return s[:i], n, true
}

// beginRegion starts a new region at output offset off (a decoder offset).
func (f *jsonFilter) beginRegion(off int64) { f.regionStart = off }

// line returns the 1-based line of the next byte the filter will read.
func (f *jsonFilter) line() int { return f.lines.first + f.newlines }

func (f *jsonFilter) fail(format string, args ...any) {
	if f.err == nil {
		f.err = &filterError{line: f.line(), msg: fmt.Sprintf(format, args...)}
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
// many it wrote. It stops early when a marker is pending or on error.
func (f *jsonFilter) step(dst []byte) int {
	n := 0
	for f.r < f.w && n < len(dst) && len(f.pending) == 0 && f.err == nil {
		c := f.buf[f.r]
		switch {
		case f.dropping:
			if f.esc == 1 {
				f.esc = 0
				f.r++
				f.origLen++
				continue
			}
			// Skip to the next quote or backslash. Only a newline is
			// checked in the part that is dropped: it would throw the
			// line numbers off, and it is invalid JSON anyway.
			seg := f.buf[f.r:f.w]
			k := bytes.IndexByte(seg, '"')
			if k < 0 {
				k = len(seg)
			}
			if b := bytes.IndexByte(seg[:k], '\\'); b >= 0 {
				k = b
			}
			if nl := bytes.IndexByte(seg[:k], '\n'); nl >= 0 {
				f.fail("invalid newline inside a JSON string")
				break
			}
			f.r += k
			f.origLen += int64(k)
			if k == len(seg) {
				continue
			}
			f.r++
			if seg[k] == '\\' {
				f.origLen++
				f.esc = 1
				continue
			}
			// The closing quote: end the string with the marker.
			f.dropping, f.inStr = false, false
			f.pending = append(f.pending[:0], `\u0000~`...)
			f.pending = append(f.pending, f.markPrefix[2:]...)
			f.pending = strconv.AppendInt(f.pending, f.origLen, 10)
			f.pending = append(f.pending, '"')
		case f.inStr:
			if f.esc == 0 {
				// Cut only at a safe point: not inside an escape, not
				// between the halves of a surrogate pair, not before a
				// UTF-8 continuation byte, and not at the closing quote.
				if f.strLen >= f.strCap && !f.hiSurr && c != '"' && (c < 0x80 || c >= 0xC0) {
					f.dropping = true
					f.origLen = f.strLen
					continue
				}
				// Fast path: copy up to the next quote or backslash.
				lim := min(f.w-f.r, len(dst)-n, int(min(max(f.strCap-f.strLen, 0), 1<<30)))
				win := f.buf[f.r : f.r+lim]
				k := bytes.IndexByte(win, '"')
				if k < 0 {
					k = lim
				}
				if b := bytes.IndexByte(win[:k], '\\'); b >= 0 {
					k = b
				}
				if k > 0 {
					copy(dst[n:], win[:k])
					f.r += k
					n += k
					f.strLen += int64(k)
					f.hiSurr = false
					continue
				}
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
			// Fast path: the bytes up to the next string start can go in
			// one copy when no run limit can be reached on the way.
			lim := min(f.w-f.r, len(dst)-n)
			if q := bytes.IndexByte(f.buf[f.r:f.r+lim], '"'); q > 0 && f.atomLen+q <= maxJSONAtom && f.wsRun+q <= maxJSONWhitespace {
				copy(dst[n:], f.buf[f.r:f.r+q])
				f.r += q
				n += q
				f.atomLen, f.wsRun = 0, 0 // the quote ends both runs
				continue
			}
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
					f.fail("more than %d bytes of white space in a row", maxJSONWhitespace)
				}
			case '{', '}', '[', ']', ',', ':':
				f.atomLen, f.wsRun = 0, 0
			default:
				f.wsRun = 0
				if f.atomLen++; f.atomLen > maxJSONAtom {
					f.fail("a JSON number or literal longer than %d bytes", maxJSONAtom)
				}
			}
		}
	}
	return n
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
	base   int64 // offset of bit 0 of words[0], a multiple of 64
	before int   // newlines before base
	words  []uint64
}

func (x *lineIndex) mark(off int64) {
	i := int((off - x.base) >> 6)
	for len(x.words) <= i {
		x.words = append(x.words, 0)
	}
	x.words[i] |= 1 << uint((off-x.base)&63)
}

// lineAt returns the 1-based line of offset off and forgets the newlines
// before it.
func (x *lineIndex) lineAt(off int64) int {
	if off < x.base {
		off = x.base
	}
	k := min(int((off-x.base)>>6), len(x.words))
	for _, w := range x.words[:k] {
		x.before += bits.OnesCount64(w)
	}
	x.words = x.words[k:]
	x.base += int64(k) << 6
	n := x.before
	if len(x.words) > 0 && off > x.base {
		n += bits.OnesCount64(x.words[0] & (1<<uint(off-x.base) - 1))
	}
	return x.first + n
}
