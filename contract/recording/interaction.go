package recording

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Interaction is one recorded HTTP exchange: a request and the response it got.
type Interaction struct {
	// File is the path of the recording as given to the reader, or the name
	// inside the fs.FS for WalkFS.
	File string
	// Index is the 0-based position of the interaction in its file.
	Index int
	// Line is the 1-based line where the interaction starts in the file, or 0
	// when unknown.
	Line int

	Request  Request
	Response Response
}

// Location returns "file:line" for the interaction, or "file#index" when the
// line is unknown, for use in findings.
func (i *Interaction) Location() string {
	if i.Line > 0 {
		return i.File + ":" + strconv.Itoa(i.Line)
	}
	return i.File + "#" + strconv.Itoa(i.Index)
}

// Request is a recorded HTTP request.
type Request struct {
	Method string
	// URL is the absolute request URL as recorded.
	URL *url.URL
	// Header holds every recorded header value under its canonical name.
	// HTTP/2 pseudo-headers (":authority", ":path") are dropped.
	Header http.Header
	// Body is the request body after content decoding (see Response.Body).
	Body []byte
	// BodyTooLarge reports that the recorded body exceeded the cap; Body is
	// then empty or its first MaxBodyBytes bytes. It is also set, with
	// BodySize -1, for a body a Recorder left out of a cassette for being
	// over its RecorderOptions.MaxBodyBytes.
	BodyTooLarge bool
	// BodySize is the recorded body size in bytes, or -1 when unknown.
	BodySize int64
	// BodyNotRecorded reports that the recording declares a body (BodySize
	// bytes) but does not hold it: a HAR request with a bodySize and no
	// postData. Body is then empty and says nothing about the body sent.
	BodyNotRecorded bool
	// NotRecorded reports that the recording holds no request headers (the
	// Atlas CLI's public snapshots keep only the response), so rules about
	// the request's headers cannot judge it: Header says nothing about the
	// headers sent. A recording (a cassette or a HAR) marks such a request
	// with a request header OmittedHeader whose value starts with
	// HeadersNotRecorded; the reader removes that header from Header.
	NotRecorded bool
}

// HeadersNotRecorded starts the value of an OmittedHeader request header
// that marks a recorded request without its headers (see
// Request.NotRecorded), as in
//
//	X-Recording-Omitted: request headers not recorded (the snapshot keeps the response only)
const HeadersNotRecorded = "request headers not recorded"

// headersNotRecorded reports whether h carries the HeadersNotRecorded
// marker, and removes it from h.
func headersNotRecorded(h http.Header) bool {
	found := false
	var kept []string
	for _, v := range h[OmittedHeader] {
		if len(v) >= len(HeadersNotRecorded) && strings.EqualFold(v[:len(HeadersNotRecorded)], HeadersNotRecorded) {
			found = true
			continue
		}
		kept = append(kept, v)
	}
	switch {
	case !found:
	case len(kept) == 0:
		delete(h, OmittedHeader)
	default:
		h[OmittedHeader] = kept
	}
	return found
}

// Response is a recorded HTTP response.
type Response struct {
	// StatusCode is the status; 0 for a HAR entry of a request that got no
	// response (browsers write status 0 for a request blocked, cancelled or
	// failed; Playwright writes -1 for a request failed, aborted or still
	// pending, read as 0 too), which the run and the mock skip.
	StatusCode int
	// Header holds every recorded header value under its canonical name.
	// HTTP/2 pseudo-headers (":status") are dropped.
	Header http.Header
	// Body is the response body as the client saw it after content decoding:
	// a cassette body under Content-Encoding gzip or deflate is decompressed
	// (go-vcr stores what the transport returned, which is compressed when
	// the client asked for compression itself), and a HAR body is the decoded
	// "text" (HAR stores decoded text; base64 "text" is decoded, and gunzipped
	// too when it still carries the gzip magic under Content-Encoding gzip).
	// The headers are left as recorded.
	Body []byte
	// BodyTooLarge reports that the recorded body exceeded the cap; Body is
	// then empty or its first MaxBodyBytes bytes. It is also set, with
	// BodySize -1, for a body a Recorder left out of a cassette for being
	// over its RecorderOptions.MaxBodyBytes.
	BodyTooLarge bool
	// BodySize is the recorded body size in bytes, or -1 when unknown.
	BodySize int64
	// BodyNotRecorded reports that the recording declares a body (BodySize
	// bytes) but does not hold it: a HAR response whose content has a size
	// and no text, as browsers write when they did not keep the body. Body
	// is then empty and says nothing about the body received.
	BodyNotRecorded bool
	// BodyLine is the 1-based line where the recorded body starts in its
	// file (a cassette's response body, a HAR's content text), or 0 when
	// there is none or it is not known. Findings about the body name it.
	BodyLine int
}

// DefaultMaxBodyBytes is the body cap used when Options.MaxBodyBytes or
// RecorderOptions.MaxBodyBytes is not positive.
const DefaultMaxBodyBytes = 4 << 20

// MaxCassetteBytes is the largest cassette file, in bytes, that the readers
// accept: 64 MiB, whatever Options.MaxBodyBytes is. YAML cannot be streamed,
// so a cassette is held in memory whole while it is parsed; with
// MaxCassetteNodes and MaxCassetteValueBytes, this keeps the memory of
// reading any cassette under 400 MB. A larger cassette is refused before it
// is parsed. HAR files have no such limit: they are streamed entry by
// entry, so record large exchanges as HAR.
const MaxCassetteBytes = 64 << 20

// Options tunes how recordings are read. The zero value is ready to use.
type Options struct {
	// MaxBodyBytes caps every body (request and response, after decoding).
	// A larger body is delivered cut, with BodyTooLarge set. Zero or less
	// means DefaultMaxBodyBytes. It does not change MaxCassetteBytes.
	MaxBodyBytes int64
	// MaxDecodedBytes bounds the bytes that reading one file may create
	// beyond the file itself: bodies inflated from gzip or deflate, and the
	// values YAML aliases repeat. Past it, reading fails with an *Error
	// naming the file and the interaction, so a small hostile file cannot
	// take memory out of proportion to its size. Zero or less means 16
	// times the body cap, at most DefaultMaxDecodedBytes (64 MiB with the
	// default cap, 256 MiB from a cap of 16 MiB up).
	MaxDecodedBytes int64
	// MaxRunDecodedBytes bounds the same bytes summed over every file that
	// one Walk, WalkFS, ReadAll or ReadAllFS call reads. Zero or less means
	// 4 times MaxDecodedBytes, at most DefaultMaxRunDecodedBytes (1 GiB).
	// Read and ReadFile apply only MaxDecodedBytes.
	MaxRunDecodedBytes int64

	run *runBudget // shared by the files of one Walk
	// harDir is the folder of the HAR file being read, where its content._file
	// bodies are: set by ReadFile only, so a HAR from a stream keeps them unread.
	harDir string
	// onAttachment, when set, learns the name of every _file a HAR names.
	onAttachment func(name string)
}

func (o Options) maxBody() int64 {
	if o.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return o.MaxBodyBytes
}

// The most the decoding budgets grow to with the body cap when they are
// not set: a body cap may be raised to 1 GiB for large bodies, which must
// not let a 1 MB cassette of YAML aliases decode into gigabytes.
const (
	DefaultMaxDecodedBytes    = 256 << 20
	DefaultMaxRunDecodedBytes = 1 << 30
)

func (o Options) maxDecoded() int64 {
	if o.MaxDecodedBytes <= 0 {
		return min(16*o.maxBody(), DefaultMaxDecodedBytes)
	}
	return o.MaxDecodedBytes
}

// budget returns the decoding budget of one file.
func (o Options) budget() *decodeBudget {
	n := o.maxDecoded()
	return &decodeBudget{file: n, fileLimit: n, run: o.run}
}

// withRunBudget returns o with a budget shared by the files it reads next.
func (o Options) withRunBudget() Options {
	n := o.MaxRunDecodedBytes
	if n <= 0 {
		n = min(4*o.maxDecoded(), DefaultMaxRunDecodedBytes)
	}
	o.run = &runBudget{left: n, limit: n}
	return o
}

// stringCap is the longest JSON string, in encoded bytes, that the HAR reader
// keeps: twice the body cap plus slack, so a base64 body (4/3 of its size) or
// an escaped text at the cap still fits. A longer string is cut there.
func (o Options) stringCap() int64 {
	return 2*o.maxBody() + 1024
}

// regionLimit is the largest encoded HAR entry (not counting the parts of
// strings cut by stringCap) that the HAR reader accepts, and the most that
// may lie before the first entry or after the last.
func (o Options) regionLimit() int64 {
	return 3*o.stringCap() + 4<<20
}
