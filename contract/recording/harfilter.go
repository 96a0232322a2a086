package recording

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Limits outside JSON strings. Real HAR files never come close; they stop
// hostile input from growing the decoder's buffer.
const (
	maxJSONAtom       = 4096    // longest number or literal
	maxJSONWhitespace = 1 << 20 // longest run of white space
)

// cutMark ends a string that harFilter cut. It holds a random nonce, so no
// file can forge it.
var cutMark = func() string {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	return "\x00~" + hex.EncodeToString(nonce[:]) + "~"
}()

// cutString reports whether s was cut by harFilter, and returns the part
// that was kept.
func cutString(s string) (kept string, cut bool) {
	if len(s) < len(cutMark) || s[len(s)-len(cutMark)] != 0 {
		return s, false // the usual case, decided without a comparison
	}
	return strings.CutSuffix(s, cutMark)
}

// readChunk is the most harFilter hands the decoder per Read. It keeps the
// decoder's read-ahead, and so the newlines lineAt must remember, small.
const readChunk = 8 << 10

// harFilter sits between a HAR file and the JSON decoder. It passes the JSON
// through unchanged, except that a string longer than strCap encoded bytes is
// cut (at a UTF-8 and escape boundary, never between the halves of a
// surrogate pair) and closed with cutMark, so a 200 MB body is never held
// whole. It remembers where the last newlines were, to turn decoder offsets
// into lines, and it fails hostile input early: a region (one entry, or one
// value outside the entries) larger than regionLimit, a number or literal
// longer than maxJSONAtom, or white space longer than maxJSONWhitespace.
type harFilter struct {
	src         io.Reader
	buf         []byte
	r, w        int
	srcErr, err error
	pending     []byte // bytes to emit before reading on

	strCap                  int64
	strLen                  int64
	inStr, dropping, hiSurr bool // hiSurr: the last escape was a high surrogate
	esc                     int  // 0 none, 1 after '\', 2-5 reading the digits of \uXXXX
	hex                     rune // the \uXXXX value being read
	atomLen, wsRun          int

	first, newlines int   // line of offset 0, newlines emitted
	out             int64 // bytes emitted
	ring            [readChunk]int64

	regionStart, regionLimit int64
}

// filterError is an input problem the filter found.
type filterError struct {
	line int
	msg  string
}

func (e *filterError) Error() string { return e.msg }

func newHARFilter(src io.Reader, opts Options, firstLine int) *harFilter {
	return &harFilter{src: src, buf: make([]byte, 32<<10), strCap: opts.stringCap(),
		regionLimit: opts.regionLimit(), first: firstLine}
}

// lineAt returns the 1-based line of emitted offset off. It is exact for any
// offset after the last len(ring) newlines, which covers everything the
// decoder has not consumed.
func (f *harFilter) lineAt(off int64) int {
	n := min(f.newlines, len(f.ring))
	base := f.newlines - n
	i := sort.Search(n, func(i int) bool { return f.ring[(base+i)%len(f.ring)] >= off })
	return f.first + base + i
}

// beginRegion starts a new region at emitted offset off.
func (f *harFilter) beginRegion(off int64) { f.regionStart = off }

func (f *harFilter) fail(format string, args ...any) {
	if f.err == nil {
		f.err = &filterError{line: f.first + f.newlines, msg: fmt.Sprintf(format, args...)}
	}
}

// Read implements io.Reader for the decoder.
func (f *harFilter) Read(p []byte) (int, error) {
	p = p[:min(len(p), readChunk)]
	n := 0
	for n < len(p) && f.err == nil {
		if len(f.pending) > 0 {
			c := copy(p[n:], f.pending)
			f.pending = f.pending[c:]
			n += c
			continue
		}
		if f.r == f.w {
			if f.srcErr != nil {
				f.err = f.srcErr
			}
			if n > 0 || f.err != nil {
				break
			}
			m, err := f.src.Read(f.buf)
			f.r, f.w, f.srcErr = 0, m, err
			continue
		}
		n = f.step(p, n)
	}
	if f.out += int64(n); f.out-f.regionStart > f.regionLimit {
		f.fail("a HAR entry (or a value outside log.entries) is larger than %d bytes, not counting cut bodies", f.regionLimit)
	}
	if n > 0 {
		return n, nil
	}
	return 0, f.err
}

// step passes input bytes into dst[n:] and returns the new n.
func (f *harFilter) step(dst []byte, n int) int {
	for f.r < f.w && n < len(dst) && len(f.pending) == 0 && f.err == nil {
		if c := f.buf[f.r]; !f.inStr && (c == ',' || c == ':' || c == '{' || c == '[') && f.r+1 < f.w && f.buf[f.r+1] == '"' && n+2 <= len(dst) {
			// The usual bytes between two strings, in one go.
			dst[n], dst[n+1], n, f.r = f.buf[f.r], '"', n+2, f.r+2
			f.inStr, f.strLen, f.esc, f.hiSurr, f.atomLen, f.wsRun = true, 0, 0, false, 0, 0
			continue
		}
		if f.inStr && !f.dropping && f.esc == 0 && f.strLen < f.strCap {
			// A run of plain string bytes, up to the cap, in one go, with
			// the closing quote when it comes first.
			seg := f.buf[f.r:min(f.w, f.r+len(dst)-n, f.r+int(min(f.strCap-f.strLen, int64(f.w))))]
			k := 0
			for k < len(seg) && seg[k] != '"' && seg[k] != '\\' {
				k++
			}
			if k < len(seg) && seg[k] == '"' {
				n += copy(dst[n:], seg[:k+1])
				f.r, f.inStr = f.r+k+1, false
				continue
			}
			if k > 0 {
				n += copy(dst[n:], seg[:k])
				f.strLen, f.hiSurr, f.r = f.strLen+int64(k), false, f.r+k
				continue
			}
		}
		if f.dropping && f.esc == 0 {
			// The rest of a cut string, up to the next quote or backslash:
			// consumed, not emitted.
			seg := f.buf[f.r:f.w]
			if q := bytes.IndexByte(seg, '"'); q >= 0 {
				seg = seg[:q]
			}
			if b := bytes.IndexByte(seg, '\\'); b >= 0 {
				seg = seg[:b]
			}
			if nl := bytes.IndexByte(seg, '\n'); nl >= 0 {
				seg = seg[:nl]
			}
			if f.r += len(seg); f.r == f.w {
				continue
			}
		}
		c := f.buf[f.r]
		f.r++
		switch {
		case f.dropping: // the rest of a cut string: consumed, not emitted
			switch {
			case f.esc == 1:
				f.esc = 0
			case c == '\\':
				f.esc = 1
			case c == '\n':
				f.fail("invalid newline inside a JSON string")
			case c == '"':
				f.dropping, f.inStr = false, false
				f.pending = []byte(`\u0000~` + cutMark[2:] + `"`)
			}
			continue
		case !f.inStr:
			switch c {
			case '"':
				f.inStr, f.strLen, f.esc, f.hiSurr, f.atomLen, f.wsRun = true, 0, 0, false, 0, 0
			case ',', ':', '{', '}', '[', ']':
				f.atomLen, f.wsRun = 0, 0
			case ' ', '\t', '\r', '\n':
				if f.atomLen, f.wsRun = 0, f.wsRun+1; f.wsRun > maxJSONWhitespace {
					f.fail("more than %d bytes of white space in a row", maxJSONWhitespace)
				}
				if c == '\n' {
					f.ring[f.newlines%len(f.ring)] = f.out + int64(n)
					f.newlines++
				}
			default:
				if f.wsRun, f.atomLen = 0, f.atomLen+1; f.atomLen > maxJSONAtom {
					f.fail("a JSON number or literal longer than %d bytes", maxJSONAtom)
				}
			}
		// Cut only at a safe point: not inside an escape, not between the
		// halves of a surrogate pair, not before a UTF-8 continuation
		// byte, and not at the closing quote.
		case f.esc == 0 && f.strLen >= f.strCap && !f.hiSurr && c != '"' && (c < 0x80 || c >= 0xC0):
			f.dropping, f.r = true, f.r-1
			continue
		default: // inside a string
			f.strLen++
			switch {
			case f.esc == 1:
				f.esc, f.hex, f.hiSurr = 0, 0, false
				if c == 'u' {
					f.esc = 2
				}
			case f.esc >= 2:
				f.hex, f.esc = f.hex<<4|hexValue(c), f.esc+1
				if f.esc == 6 {
					f.esc, f.hiSurr = 0, f.hex >= 0xD800 && f.hex < 0xDC00
				}
			case c == '\\':
				f.esc = 1
			case c == '"':
				f.inStr = false
			default:
				f.hiSurr = false
			}
		}
		dst[n] = c
		n++
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
