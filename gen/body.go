package atlas

import (
	"bytes"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// readCapped reads at most limit bytes of r, in one allocation when the
// length is known, and reports whether more followed. It never reads more
// than limit+1 bytes.
func readCapped(r io.Reader, contentLength int64, limit int) (body []byte, truncated bool, err error) {
	if contentLength == 0 {
		return nil, false, nil
	}
	size := 512
	if contentLength > 0 {
		size = int(min(contentLength, int64(limit))) + 1 // +1: room to see the end, or the overflow
	}
	buf := make([]byte, 0, min(size, limit+1))
	for len(buf) <= limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, rerr := r.Read(buf[len(buf):min(cap(buf), limit+1)])
		buf = buf[:len(buf)+n]
		if rerr == io.EOF {
			return buf, false, nil
		}
		if rerr != nil {
			return buf, false, rerr
		}
	}
	return buf[:limit], true, nil
}

const (
	// drainMax is the longest success body drain reads to keep the connection.
	drainMax = 4 << 10
	// drainTimeout bounds how long drain waits for a success body.
	drainTimeout = 100 * time.Millisecond
)

// drain reads a short success body of known length, so the connection can
// be reused, for at most drainTimeout: a body that trickles is closed
// instead, which only costs the connection. Atlas's success bodies are
// empty (Content-Length: 0), and then nothing is read.
func drain(body io.ReadCloser, contentLength int64) {
	if contentLength <= 0 || contentLength > drainMax {
		return
	}
	stop := time.AfterFunc(drainTimeout, func() { _ = body.Close() })
	_, _ = io.CopyN(io.Discard, body, contentLength)
	stop.Stop()
}

// snippetRunes is the most of a non-ApiError body an error message quotes.
const snippetRunes = 120

// snippet returns a short, printable, single-line excerpt of body for an
// error message: an HTML page gives its title (or its text), control
// characters and invalid UTF-8 are dropped, white space is collapsed.
func snippet(body []byte) string {
	text := bytes.TrimSpace(body)
	if len(text) == 0 {
		return ""
	}
	if text[0] == '<' {
		if title := htmlTitle(text); len(bytes.TrimSpace(title)) > 0 {
			text = title
		} else {
			text = stripTags(text)
		}
	}
	var b strings.Builder
	runes, space := 0, false
	for len(text) > 0 {
		r, size := utf8.DecodeRune(text)
		switch {
		case r == utf8.RuneError && size <= 1, !unicode.IsPrint(r) && !unicode.IsSpace(r):
			text = text[size:]
			continue
		case unicode.IsSpace(r):
			text = text[size:]
			space = b.Len() > 0
			continue
		}
		need := 1
		if space {
			need = 2
		}
		if runes+need > snippetRunes {
			break // r stays in text: the ellipsis below says there is more
		}
		text = text[size:]
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		runes += need
	}
	if len(bytes.TrimSpace(text)) > 0 {
		b.WriteString("…")
	}
	return b.String()
}

// htmlTitle returns the text of the first <title> element, or nil. Tag
// names are matched with ASCII case folding only, on the page as it is: a
// lowercased copy could differ in length (invalid UTF-8, İ, Ⱥ) and move the
// offsets.
func htmlTitle(page []byte) []byte {
	start := indexASCIIFold(page, "<title")
	if start < 0 {
		return nil
	}
	open := bytes.IndexByte(page[start:], '>')
	if open < 0 {
		return nil
	}
	from := start + open + 1
	end := indexASCIIFold(page[from:], "</title")
	if end < 0 {
		return nil
	}
	return page[from : from+end]
}

// indexASCIIFold returns the index of the first occurrence of lower in s,
// comparing ASCII letters without case, or -1. lower must be lowercase ASCII.
func indexASCIIFold(s []byte, lower string) int {
	for i := 0; i+len(lower) <= len(s); i++ {
		if equalASCIIFold(s[i:i+len(lower)], lower) {
			return i
		}
	}
	return -1
}

// equalASCIIFold reports whether s equals lower with ASCII letters compared
// without case. lower must be lowercase ASCII and as long as s.
func equalASCIIFold(s []byte, lower string) bool {
	for i := range len(lower) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// stripTags replaces every <...> in page by a space.
func stripTags(page []byte) []byte {
	out := make([]byte, 0, len(page))
	inTag := false
	for _, c := range page {
		switch {
		case c == '<':
			inTag = true
			out = append(out, ' ')
		case c == '>' && inTag:
			inTag = false
		case !inTag:
			out = append(out, c)
		}
	}
	return out
}
