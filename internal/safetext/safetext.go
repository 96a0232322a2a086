// Package safetext makes text from outside (recordings, file names, a
// server's answers) safe to print: on a terminal, in a CI log that parses
// workflow commands, in XML.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EscapeControl makes a string from a recording or a file name safe to
// print on a terminal or in XML: control characters (ANSI escapes, carriage
// returns, NUL), Unicode bidirectional controls, which reorder what a reader
// sees, and invalid UTF-8 are written as Go escapes (\x1b, \u202e, \xff).
// Anything else is kept as it is.
func EscapeControl(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, size) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case needsEscape(r, size):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune, size int) bool {
	return (r == utf8.RuneError && size == 1) || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
		r == '\u2028' || r == '\u2029'
}
