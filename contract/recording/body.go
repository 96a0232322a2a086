package recording

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// body is a body read with the cap.
type body struct {
	data     []byte
	tooLarge bool
	size     int64 // -1 when unknown
}

// capBody keeps at most max bytes of b.
func capBody(b []byte, max int64) body {
	if int64(len(b)) > max {
		return body{data: b[:max:max], tooLarge: true, size: int64(len(b))}
	}
	return body{data: b, size: int64(len(b))}
}

// contentCodings returns the codings of the Content-Encoding header in the
// order they were applied, without "identity".
func contentCodings(h http.Header) []string {
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			if c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	return codings
}

// decodeContent undoes the Content-Encoding codings (gzip, x-gzip, deflate)
// of a recorded body and caps the result. An empty body is left alone (a 204
// or a HEAD response may carry Content-Encoding without a body). The bytes
// inflated are charged to left, which may be nil.
func decodeContent(codings []string, raw []byte, max int64, left *decodeBudget) (body, error) {
	if len(codings) == 0 || len(raw) == 0 {
		return capBody(raw, max), nil
	}
	data := raw
	for i := len(codings) - 1; i >= 0; i-- {
		out, cut, err := decompress(codings[i], data, max, left)
		if err != nil {
			return body{}, err
		}
		if cut {
			return body{data: out, tooLarge: true, size: -1}, nil
		}
		data = out
	}
	return body{data: data, size: int64(len(data))}, nil
}

// decompress decodes one coding, reading at most max bytes of output; cut
// reports that there was more. The output is charged to left (which may be
// nil), and never read past what left allows.
func decompress(coding string, in []byte, max int64, left *decodeBudget) (out []byte, cut bool, err error) {
	var r io.Reader
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(in))
		if err != nil {
			return nil, false, fmt.Errorf("body is not valid gzip (Content-Encoding: %s): %w", coding, err)
		}
		zr.Multistream(true)
		r = zr
	case "deflate":
		// HTTP "deflate" is zlib; some servers send raw DEFLATE instead.
		if zr, err := zlib.NewReader(bytes.NewReader(in)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(in))
		}
	default:
		return nil, false, fmt.Errorf("Content-Encoding %q is not supported (gzip, deflate and identity are)", coding)
	}
	out, err = readAtMost(r, min(max+1, left.remaining()+1))
	if err != nil {
		return nil, false, fmt.Errorf("body does not decode as Content-Encoding %s: %w", coding, err)
	}
	if err := left.charge(int64(len(out))); err != nil {
		return nil, false, err
	}
	if int64(len(out)) > max {
		return out[:max:max], true, nil
	}
	return out, false, nil
}

// readAtMost reads r until EOF or until limit bytes. Its buffer doubles from
// 4 KiB, and goes straight to limit when one more doubling would get within
// a factor of two of it, so reading up to a cap allocates about twice the
// bytes read and never a buffer larger than the cap.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	buf := make([]byte, 0, min(limit, 4<<10))
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			size := 2 * int64(cap(buf))
			if 2*size > limit {
				size = limit
			}
			grown := make([]byte, len(buf), size)
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// decodeBudget counts the bytes that reading creates beyond its input:
// bodies inflated from gzip or deflate, and values repeated by YAML aliases.
// It is charged per file, and per run when run is set.
type decodeBudget struct {
	file, fileLimit int64 // bytes left and the limit, for this file
	run             *runBudget
}

// runBudget is the part of the budget shared by the files of one Walk.
type runBudget struct {
	left, limit int64
}

// errDecodedBudget reports that the budget is spent.
type errDecodedBudget struct {
	limit int64
	run   bool
}

func (e *errDecodedBudget) Error() string {
	scope, option := "this file", "Options.MaxDecodedBytes, by default 16 times the body cap, at most 256 MiB"
	if e.run {
		scope, option = "the recordings read so far", "Options.MaxRunDecodedBytes, by default 4 times the limit per file, at most 1 GiB"
	}
	return fmt.Sprintf("the bytes decoded from %s (gzip and deflate bodies, YAML aliases, HAR _file bodies read again) pass the limit of %d bytes (%s MiB; %s): "+
		"a small recording must not take memory out of proportion to its size", scope, e.limit, mib(e.limit), option)
}

// mib returns n bytes in MiB, with a decimal when it is not whole.
func mib(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10)
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64)
}

// remaining returns how many bytes may still be decoded.
func (b *decodeBudget) remaining() int64 {
	if b == nil {
		return math.MaxInt64 - 1
	}
	left := b.file
	if b.run != nil {
		left = min(left, b.run.left)
	}
	return max(left, 0)
}

// charge spends n bytes, and fails when that passes a limit.
func (b *decodeBudget) charge(n int64) error {
	if b == nil {
		return nil
	}
	b.file -= n
	if b.file < 0 {
		return &errDecodedBudget{limit: b.fileLimit}
	}
	if b.run != nil {
		b.run.left -= n
		if b.run.left < 0 {
			return &errDecodedBudget{limit: b.run.limit, run: true}
		}
	}
	return nil
}
