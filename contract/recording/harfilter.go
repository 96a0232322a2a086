package recording

import (
	"crypto/rand"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// cutMark ends a string that harFilter cut; its random nonce keeps files from forging it.
var cutMark = "\x00~" + rand.Text() + "~"

// isCut reports whether s is a string that harFilter cut.
func isCut(s string) bool { return strings.HasSuffix(s, cutMark) }

// maxPiece is the longest piece of a string that must not be cut: a surrogate
// pair written as two \uXXXX escapes. readChunk, the most Read hands on at
// once, keeps the decoder's read-ahead (and the newlines lineAt needs) small.
const maxPiece, readChunk = 12, 8 << 10

// stringStop marks the bytes that end a run of plain string bytes.
var stringStop = [256]bool{'"': true, '\\': true, '\n': true}

// harFilter passes a HAR file to the JSON decoder as it is, but cuts a string
// longer than strCap bytes at a safe point (not inside a character, an escape
// or a surrogate pair) and closes it with cutMark, so a 200 MB body is never
// held whole. It keeps the last newlines, to turn offsets into lines, and
// fails a region (an entry, or what lies outside log.entries) over
// regionLimit bytes, so no input grows the decoder's buffer beyond that.
type harFilter struct {
	src         io.Reader
	buf         []byte
	r, w        int    // the input not yet passed on is buf[r:w]
	srcErr, err error  // the source's error; the error Read returns (sticky)
	tail        []byte // output held back: cutMark, or the end of a piece (in buf)

	strCap, strStart int64 // the string cap; the offset where the string began
	inStr, dropping  bool

	first, newlines          int   // line of offset 0, newlines emitted
	out                      int64 // bytes emitted
	ring                     [readChunk]int64
	regionStart, regionLimit int64 // where the current region began, and its limit
}

func newHARFilter(src io.Reader, opts Options, firstLine int) *harFilter {
	return &harFilter{src: src, buf: make([]byte, 32<<10), strCap: opts.stringCap(), regionLimit: opts.regionLimit(), first: firstLine}
}

// lineAt returns the line of emitted offset off: exact after the last
// len(ring) newlines, which covers all the decoder has not consumed.
func (f *harFilter) lineAt(off int64) int {
	base := max(0, f.newlines-len(f.ring))
	return f.first + base + sort.Search(f.newlines-base, func(i int) bool { return f.ring[(base+i)%len(f.ring)] >= off })
}

// Read implements io.Reader. It reads on once fewer than maxPiece bytes are
// left, so that it always sees a piece of string whole.
func (f *harFilter) Read(p []byte) (int, error) {
	p, n := p[:min(len(p), readChunk)], 0
fill:
	for n < len(p) && f.err == nil {
		switch {
		case len(f.tail) > 0:
			c := copy(p[n:], f.tail)
			f.tail, n = f.tail[c:], n+c
		case f.ready():
			n = f.step(p, n)
		case f.srcErr != nil:
			f.err = f.srcErr
		case n > 0:
			break fill // hand over what there is rather than wait for more
		default:
			m := copy(f.buf, f.buf[f.r:f.w])
			k, err := f.src.Read(f.buf[m:])
			f.r, f.w, f.srcErr = 0, m+k, err
		}
	}
	if f.out += int64(n); f.out-f.regionStart > f.regionLimit && f.err == nil {
		f.err = &Error{Line: f.first + f.newlines, Msg: fmt.Sprintf("a HAR entry (or what lies outside log.entries) is larger than %d bytes, not counting cut bodies", f.regionLimit)}
	}
	if n > 0 {
		return n, nil
	}
	return 0, f.err
}

// step passes runs and pieces of input to dst[n:], or drops them, until Read must act.
func (f *harFilter) step(dst []byte, n int) int {
	for n < len(dst) && f.err == nil && len(f.tail) == 0 && f.ready() {
		in, rest := f.buf[f.r:min(f.w, f.r+len(dst)-n)], f.buf[f.r:f.w]
		k, held := 0, f.out+int64(n)-f.strStart // the bytes of the string passed on
		switch c := in[0]; {
		case !f.inStr:
			// Up to the quote that opens the next string, in one go.
			for ; k < len(in) && in[k] != '"'; k++ {
				if in[k] == '\n' {
					f.ring[f.newlines%len(f.ring)] = f.out + int64(n+k)
					f.newlines++
				}
			}
			if k < len(in) {
				f.inStr, f.strStart, k = true, f.out+int64(n+k+1), k+1
			}
		case !stringStop[c] && (f.dropping || held < f.strCap):
			// Plain bytes and two-byte escapes, in one go: kept up to the cap
			// (with the closing quote), dropped past it.
			if !f.dropping {
				in = in[:min(int64(len(in)), f.strCap-held)]
			}
			for k < len(in) {
				for k < len(in) && !stringStop[in[k]] {
					k++
				}
				if k+1 >= len(in) || in[k] != '\\' || in[k+1] == 'u' {
					break
				}
				k += 2
			}
			if k < len(in) && in[k] == '"' && !f.dropping {
				f.inStr, k = false, k+1
			}
		case !f.dropping && held >= f.strCap && c != '"' && utf8.RuneStart(c):
			// A safe point past the cap: between two pieces of the string, not
			// before a UTF-8 continuation byte, and not at the closing quote.
			f.dropping, f.tail = true, []byte(`\u0000~`+cutMark[2:])
		case c == '"':
			f.inStr, f.dropping, k = false, false, 1 // past the cap, or ending a cut string
		case c == '\n' && f.dropping:
			f.err = &Error{Line: f.first + f.newlines, Msg: "invalid newline inside a JSON string"}
		// The other pieces, passed whole: one byte, an escape, or both halves of
		// a surrogate pair (\uD800 to \uDBFF, then the low half). A lone half,
		// as Python's surrogateescape writes a byte that is not UTF-8
		// (mitmproxy: "caf\udce9"), becomes \ufffd; a raw byte that is not
		// UTF-8 is left to the decoder, which refuses it.
		case c != '\\' || len(rest) < 2:
			k = 1
		case rest[1] != 'u':
			k = 2
		default:
			k = min(6, len(rest))
			if hi, ok := escapedUTF16(rest); ok && utf16.IsSurrogate(hi) {
				if lo, ok := escapedUTF16(rest[6:]); ok && hi < 0xdc00 && lo >= 0xdc00 && lo <= 0xdfff {
					k = maxPiece
				} else {
					copy(rest, `\ufffd`) // a lone half, U+FFFD: as long, so offsets hold
				}
			}
		}
		if !f.dropping {
			c := copy(dst[n:], rest[:k])
			if n += c; c < k {
				f.tail = rest[c:k] // the end of a piece that does not fit, sent before buf is refilled
			}
		}
		f.r += k
	}
	return n
}

// escapedUTF16 returns the code unit of the \uXXXX escape b starts with.
func escapedUTF16(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// ready reports whether the input at f.r, if any, holds a piece of string whole.
func (f *harFilter) ready() bool { return f.w-f.r >= maxPiece || f.srcErr != nil && f.r < f.w }
