package recording

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
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

func isCut(s string) bool {
	_, cut := cutString(s)
	return cut
}

// stringStop marks the bytes that end a run of plain string bytes.
var stringStop = [256]bool{'"': true, '\\': true, '\n': true}

// readChunk is the most harFilter hands the decoder per Read. It keeps the
// decoder's read-ahead, and so the newlines lineAt must remember, small.
const readChunk = 8 << 10

// harFilter sits between a HAR file and the JSON decoder. It passes the JSON
// through unchanged, except that a string longer than strCap encoded bytes is
// cut (at a UTF-8 and escape boundary, never between the halves of a
// surrogate pair) and closed with cutMark, so a 200 MB body is never held
// whole. It remembers where the last newlines were, to turn decoder offsets
// into lines, and it fails a region (one entry, or what lies before or after
// log.entries) larger than regionLimit, so that no input grows the decoder's
// buffer beyond it.
type harFilter struct {
	src    io.Reader
	buf    []byte
	r, w   int
	srcErr error
	err    error  // sticky: the source's error or an input problem
	tail   string // the end of a cut string, to emit before reading on

	strCap, strLen  int64
	inStr, dropping bool
	esc             int  // -1 after '\', 4 to 1 in the digits of \uXXXX
	hex             rune // the \uXXXX value being read
	hiSurr          bool // the last character was a high-surrogate escape

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
	return f.first + base + sort.Search(n, func(i int) bool { return f.ring[(base+i)%len(f.ring)] >= off })
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
fill:
	for n < len(p) && f.err == nil {
		switch {
		case f.tail != "":
			c := copy(p[n:], f.tail)
			f.tail, n = f.tail[c:], n+c
		case f.r < f.w:
			n = f.step(p, n)
		case f.srcErr != nil:
			f.err = f.srcErr
		case n > 0:
			break fill // hand over what there is rather than wait for more
		default:
			m, err := f.src.Read(f.buf)
			f.r, f.w, f.srcErr = 0, m, err
		}
	}
	if f.out += int64(n); f.out-f.regionStart > f.regionLimit {
		f.fail("a HAR entry (or what lies outside log.entries) is larger than %d bytes, not counting cut bodies", f.regionLimit)
	}
	if n > 0 {
		return n, nil
	}
	return 0, f.err
}

// step passes input bytes into dst[n:] and returns the new n.
func (f *harFilter) step(dst []byte, n int) int {
	for f.r < f.w && n < len(dst) && f.err == nil && f.tail == "" {
		in := f.buf[f.r:min(f.w, f.r+len(dst)-n)]
		if f.inStr && !f.dropping {
			in = in[:min(int64(len(in)), max(0, f.strCap-f.strLen))]
		}
		k := 0
		switch {
		case !f.inStr:
			// Up to the quote that opens the next string, in one go.
			for ; k < len(in) && in[k] != '"'; k++ {
				if in[k] == '\n' {
					f.ring[f.newlines%len(f.ring)] = f.out + int64(n+k)
					f.newlines++
				}
			}
			if k < len(in) {
				f.inStr, f.strLen, f.esc, f.hiSurr, k = true, 0, 0, false, k+1
			}
		case f.esc == 0:
			// Plain bytes and two-byte escapes, in one go: kept up to the
			// cap, dropped past it.
			for k < len(in) {
				for k < len(in) && !stringStop[in[k]] {
					k++
				}
				if k+1 < len(in) && in[k] == '\\' && in[k+1] != 'u' {
					k += 2
					continue
				}
				break
			}
			if f.strLen += int64(k); k > 0 {
				f.hiSurr = false
			}
			if k < len(in) && in[k] == '"' && !f.dropping {
				f.inStr, k = false, k+1
			}
		}
		if k > 0 {
			if !f.dropping {
				n += copy(dst[n:], in[:k])
			}
			f.r += k
			continue
		}
		c := f.buf[f.r]
		switch {
		case f.dropping && c == '\n':
			f.fail("invalid newline inside a JSON string")
			continue
		case !f.dropping && f.esc == 0 && f.strLen >= f.strCap && !f.hiSurr && c != '"' && (c < 0x80 || c >= 0xC0):
			// A safe point past the cap: not inside an escape, not between
			// the halves of a surrogate pair, not before a UTF-8
			// continuation byte, and not at the closing quote.
			f.dropping = true
			continue
		}
		f.r++
		f.strLen++
		f.inString(c)
		if !f.dropping {
			dst[n] = c
			n++
		} else if !f.inStr {
			f.dropping, f.tail = false, `\u0000~`+cutMark[2:]+`"`
		}
	}
	return n
}

// inString follows one byte of a string's escapes and its end.
func (f *harFilter) inString(c byte) {
	switch {
	case f.esc == -1 && c == 'u':
		f.esc, f.hex = 4, 0
	case f.esc == -1:
		f.esc, f.hiSurr = 0, false
	case f.esc > 0:
		f.hex, f.esc = f.hex<<4|rune(strings.IndexByte("0123456789abcdef", c|0x20)), f.esc-1
		f.hiSurr = f.esc == 0 && f.hex >= 0xD800 && f.hex < 0xDC00
	case c == '\\':
		f.esc = -1
	case c == '"':
		f.inStr = false
	default:
		f.hiSurr = false
	}
}
