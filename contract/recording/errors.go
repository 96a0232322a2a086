package recording

import (
	"strconv"
	"strings"
)

// Error is a problem with a recording: unreadable, malformed, or not what a
// recording must contain. Every input problem the readers find is one.
type Error struct {
	// File is the recording's path (or its name inside an fs.FS).
	File string
	// Line is the 1-based line of the problem, or 0 when unknown.
	Line int
	// Index is the 0-based interaction the problem is about, or -1 when it is
	// not about one interaction.
	Index int
	// Msg says what is wrong and what was expected.
	Msg string
	// Err is the underlying error, if any.
	Err error
}

// Error returns "file:line: msg", without the line when it is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// fileError returns an Error about the file as a whole.
func fileError(file string, line int, msg string, err error) *Error {
	return &Error{File: file, Line: line, Index: -1, Msg: msg, Err: err}
}
