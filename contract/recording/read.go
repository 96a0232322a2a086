package recording

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// Read reads one recording from r and calls fn once per interaction, in file
// order. name is used in errors and in Interaction.File.
//
// The format is sniffed from the content: a file whose first non-space byte is
// '{' is read as HAR 1.2 (streamed, entry by entry); anything else is read as
// a go-vcr v4 cassette (YAML, parsed whole, refused above
// MaxCassetteBytes). A cassette is checked in memory before it is parsed;
// when r can seek (a file), the YAML library then reads it again from r
// rather than from that copy, which saves holding it, and a file that
// changed in between is an error. Every input problem is returned as an [*Error];
// interactions before the problem have already been delivered. If fn returns
// an error, Read stops and returns that error unchanged. A nil fn only checks
// the recording.
func Read(name string, r io.Reader, opts Options, fn func(*Interaction) error) error {
	if fn == nil {
		fn = func(*Interaction) error { return nil }
	}
	size, again := sizeHint(r), rereader(r) // before the buffer reads from r
	br := bufio.NewReaderSize(r, 4096)
	lead, first, err := skipLeadingSpace(br)
	skipped := bytes.Count(lead, []byte{'\n'})
	if err == io.EOF {
		return fileError(name, 0, "empty file: expected a HAR 1.2 file (JSON) or a go-vcr v4 cassette (YAML)", nil)
	}
	if err != nil {
		return fileError(name, 0, "cannot read: "+err.Error(), err)
	}
	switch first {
	case '{':
		return readHAR(name, br, skipped+1, opts, fn)
	case '[':
		return fileError(name, skipped+1, "unknown format: a JSON array is neither a HAR file (a JSON object with a \"log\" member) nor a go-vcr cassette", nil)
	default:
		return readCassette(name, br, lead, size, again, opts, fn)
	}
}

// ReadFile reads the recording at path with [Read]. A directory is an error;
// use [Walk] for folders. Unlike Read, it reads the bodies a HAR keeps in
// files beside it (Playwright's content "attach" mode: content._file and
// postData._file name a file in the HAR's folder, such as <sha1>.json).
func ReadFile(path string, opts Options, fn func(*Interaction) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fileError(path, 0, "cannot open: "+errText(err), err)
	}
	defer func() { _ = f.Close() }() // opened for reading: nothing to lose on close
	fi, err := f.Stat()
	if err != nil {
		return fileError(path, 0, "cannot stat: "+errText(err), err)
	}
	if fi.IsDir() {
		return fileError(path, 0, "is a directory, not a recording file (use Walk for folders)", nil)
	}
	opts.harDir = filepath.Dir(path)
	return Read(path, f, opts, fn)
}

// sizeHint returns the size of what r holds when r tells it (a file, a
// strings.Reader), or 0: a cassette is read into a buffer of that size
// rather than one that doubles as it goes.
func sizeHint(r io.Reader) int64 {
	switch r := r.(type) {
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	case interface{ Len() int }:
		return int64(r.Len())
	}
	return 0
}

// skipLeadingSpace consumes a UTF-8 byte order mark and white space, and
// returns what it consumed and the first other byte, which is left unread.
func skipLeadingSpace(br *bufio.Reader) (lead []byte, first byte, err error) {
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		lead = append(lead, b...)
		_, _ = br.Discard(3)
	}
	for {
		c, err := br.ReadByte()
		if err != nil {
			return lead, 0, err
		}
		switch c {
		case '\n', ' ', '\t', '\r':
			lead = append(lead, c)
		default:
			_ = br.UnreadByte()
			return lead, c, nil
		}
	}
}

// rereader returns a function that gives r back at the position it has
// now, when r can seek there (a file), or nil.
func rereader(r io.Reader) func() (io.Reader, error) {
	s, ok := r.(io.ReadSeeker)
	if !ok {
		return nil
	}
	start, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil // a pipe
	}
	return func() (io.Reader, error) {
		_, err := s.Seek(start, io.SeekStart)
		return s, err
	}
}

// errText returns err's message without the path an *os.PathError repeats.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// parseAbsoluteURL parses a recorded request URL. The message never repeats
// the URL: it may carry credentials.
func parseAbsoluteURL(s string) (*url.URL, string) {
	if s == "" {
		return nil, "is missing"
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, "is not a valid URL: " + err.Error()
	}
	if !u.IsAbs() || u.Host == "" {
		return nil, "is not an absolute URL (expected scheme://host/path)"
	}
	return u, ""
}
