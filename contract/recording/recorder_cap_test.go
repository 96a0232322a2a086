package recording_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// patternReader is an endless, deterministic stream of bytes that are not
// all alike, so a lost, repeated or reordered chunk changes the hash.
type patternReader struct {
	seed byte
	off  int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.off*31+p.off>>9) ^ p.seed
		p.off++
	}
	return len(b), nil
}

// patternSum is the SHA-256 of the first n bytes of a patternReader.
func patternSum(t *testing.T, seed byte, n int64) [32]byte {
	t.Helper()
	h := sha256.New()
	_, err := io.Copy(h, io.LimitReader(&patternReader{seed: seed}, n))
	require.NoError(t, err)
	return [32]byte(h.Sum(nil))
}

// trackedBody records whether it was closed.
type trackedBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Close() error {
	b.closed.Store(true)
	return nil
}

// readBack saves rec and reads the cassette back.
func readBack(t *testing.T, rec *recording.Recorder) []*recording.Interaction {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec.yaml")
	require.NoError(t, rec.Save(path))
	var got []*recording.Interaction
	require.NoError(t, recording.ReadFile(path, recording.Options{}, func(it *recording.Interaction) error {
		got = append(got, it)
		return nil
	}))
	return got
}

// TestRecorderStreamsBodiesOverTheCap sends a 10 MB request body and gets a
// 10 MB response body, both streamed, through a Recorder with the default
// cap: the server and the caller get every byte, while the recorder holds no
// more than about the cap, and records both bodies as omitted. Not parallel:
// it reads process-wide allocation counters.
func TestRecorderStreamsBodiesOverTheCap(t *testing.T) {
	if testing.Short() {
		t.Skip("10 MiB bodies: runs without -short (make test-long)")
	}
	const size = 10 << 20
	for _, tc := range []struct {
		name          string
		contentLength int64
		wantSize      string
	}{
		{name: "known length", contentLength: size, wantSize: "it has 10485760 bytes"},
		{name: "unknown length", contentLength: -1, wantSize: "its size is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var serverGot int64
			var serverSum [32]byte
			respBody := &trackedBody{Reader: io.LimitReader(&patternReader{seed: 1}, size)}
			rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
				h := sha256.New()
				n, err := io.Copy(h, r.Body)
				if cerr := r.Body.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return nil, err
				}
				serverGot, serverSum = n, [32]byte(h.Sum(nil))
				header := http.Header{"Content-Type": {"application/octet-stream"}}
				if tc.contentLength >= 0 {
					header.Set("Content-Length", strconv.FormatInt(tc.contentLength, 10))
				}
				return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
					Header: header, ContentLength: tc.contentLength, Body: respBody, Request: r}, nil
			}), recording.RecorderOptions{})
			reqBody := &trackedBody{Reader: io.LimitReader(&patternReader{seed: 2}, size)}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "https://cloud.mongodb.com/upload", reqBody)
			require.NoError(t, err)
			req.ContentLength = tc.contentLength

			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			resp, err := rec.RoundTrip(req)
			require.NoError(t, err)
			assert.False(t, respBody.closed.Load(), "the original response body stays open until the caller closes it")
			h := sha256.New()
			n, err := io.Copy(h, resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			runtime.ReadMemStats(&after)

			assert.Equal(t, int64(size), serverGot, "the server got the whole request body")
			assert.Equal(t, patternSum(t, 2, size), serverSum, "the server got the request body unchanged")
			assert.True(t, reqBody.closed.Load(), "the caller's request body is closed")
			assert.Equal(t, int64(size), n, "the caller got the whole response body")
			assert.Equal(t, patternSum(t, 1, size), [32]byte(h.Sum(nil)), "the caller got the response body unchanged")
			assert.True(t, respBody.closed.Load(), "closing the caller's body closes the original")
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d MiB while passing 2 x %d MiB through", allocated>>20, size>>20)
			assert.Less(t, allocated, uint64(3*recording.DefaultMaxBodyBytes), "the recorder holds about the cap, not the bodies")

			got := readBack(t, rec)
			require.Len(t, got, 1)
			for what, m := range map[string]struct {
				body     []byte
				tooLarge bool
				header   http.Header
			}{
				"request":  {got[0].Request.Body, got[0].Request.BodyTooLarge, got[0].Request.Header},
				"response": {got[0].Response.Body, got[0].Response.BodyTooLarge, got[0].Response.Header},
			} {
				assert.Zero(t, len(m.body), "the %s body is not recorded", what)
				assert.True(t, m.tooLarge, "the %s body reads back as too large", what)
				assert.Equal(t, "body not recorded: larger than the recorder's cap of 4194304 bytes (RecorderOptions.MaxBodyBytes); "+tc.wantSize,
					m.header.Get("X-Recording-Omitted"), what)
				assert.Empty(t, m.header.Get("Content-Length"), what)
			}
		})
	}
}

// gzipBomb returns members gzip members of 1 MiB of zeros each: about 1 KiB
// per member, members MiB once decoded.
func gzipBomb(t *testing.T, members int) []byte {
	t.Helper()
	var one bytes.Buffer
	zw, err := gzip.NewWriterLevel(&one, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(make([]byte, 1<<20))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return bytes.Repeat(one.Bytes(), members)
}

// TestRecorderDoesNotInflateAGzipBomb records a 64 KiB gzip body that
// decodes to 64 MiB: decoding for redaction stops at the cap, the body is
// recorded as omitted, and the caller gets the compressed bytes unchanged.
// Not parallel: it reads process-wide allocation counters.
func TestRecorderDoesNotInflateAGzipBomb(t *testing.T) {
	bomb := gzipBomb(t, 64)
	require.Less(t, len(bomb), 128<<10)
	rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:        http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}, "Content-Length": {strconv.Itoa(len(bomb))}},
			ContentLength: int64(len(bomb)), Body: io.NopCloser(bytes.NewReader(bomb)), Request: r}, nil
	}), recording.RecorderOptions{})

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, err := rec.RoundTrip(httptest.NewRequestWithContext(t.Context(), http.MethodGet, "https://cloud.mongodb.com/bomb", nil))
	require.NoError(t, err)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	runtime.ReadMemStats(&after)

	assert.True(t, bytes.Equal(bomb, raw), "the caller gets the compressed bytes unchanged")
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d MiB recording a %d KiB gzip body of 64 MiB", allocated>>20, len(bomb)>>10)
	assert.Less(t, allocated, uint64(3*recording.DefaultMaxBodyBytes), "decoding stops at the cap")

	got := readBack(t, rec)
	require.Len(t, got, 1)
	r := got[0].Response
	assert.Zero(t, len(r.Body), "the body is not recorded")
	assert.True(t, r.BodyTooLarge)
	assert.Empty(t, r.Header.Get("Content-Encoding"))
	assert.Equal(t, "body not recorded: larger than the recorder's cap of 4194304 bytes (RecorderOptions.MaxBodyBytes) once decoded (Content-Encoding gzip); it has "+
		strconv.Itoa(len(bomb))+" bytes encoded", r.Header.Get("X-Recording-Omitted"))
}

func TestRecorderCapBoundary(t *testing.T) {
	t.Parallel()
	const limit = 16
	for _, size := range []int{limit, limit + 1} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			t.Parallel()
			reqText, respText := strings.Repeat("q", size), strings.Repeat("r", size)
			var serverGot string
			respBody := &trackedBody{Reader: strings.NewReader(respText)}
			rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
				b, err := io.ReadAll(r.Body)
				if cerr := r.Body.Close(); err == nil {
					err = cerr
				}
				serverGot = string(b)
				if r.GetBody != nil {
					again, err := r.GetBody()
					require.NoError(t, err)
					b, err := io.ReadAll(again)
					require.NoError(t, err)
					assert.Equal(t, reqText, string(b), "GetBody gives the whole body")
				}
				return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, ContentLength: -1, Body: respBody, Request: r}, err
			}), recording.RecorderOptions{MaxBodyBytes: limit})
			req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://cloud.mongodb.com/x", strings.NewReader(reqText))
			resp, err := rec.RoundTrip(req)
			require.NoError(t, err)
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			assert.True(t, respBody.closed.Load())
			assert.Equal(t, reqText, serverGot)
			assert.Equal(t, respText, string(b))

			got := readBack(t, rec)
			require.Len(t, got, 1)
			if size <= limit {
				assert.Equal(t, reqText, string(got[0].Request.Body))
				assert.Equal(t, respText, string(got[0].Response.Body))
				assert.Empty(t, got[0].Response.Header.Get("X-Recording-Omitted"))
				return
			}
			assert.Empty(t, got[0].Request.Body)
			assert.Empty(t, got[0].Response.Body)
			assert.Equal(t, "body not recorded: larger than the recorder's cap of 16 bytes (RecorderOptions.MaxBodyBytes); it has 17 bytes",
				got[0].Request.Header.Get("X-Recording-Omitted"), "httptest sets the request's Content-Length")
			assert.Equal(t, "body not recorded: larger than the recorder's cap of 16 bytes (RecorderOptions.MaxBodyBytes); its size is unknown",
				got[0].Response.Header.Get("X-Recording-Omitted"))
		})
	}
}

// TestRecorderClosesABodyItCannotRead checks the RoundTripper contract on a
// failed read: the error is returned and the original bodies are closed.
func TestRecorderClosesABodyItCannotRead(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	for _, side := range []string{"request", "response"} {
		t.Run(side, func(t *testing.T) {
			t.Parallel()
			broken := &trackedBody{Reader: io.MultiReader(strings.NewReader("start"), errorReader{boom})}
			called := false
			rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
				called = true
				return &http.Response{StatusCode: 200, Header: http.Header{}, Body: broken, Request: r}, nil
			}), recording.RecorderOptions{})
			var body io.Reader
			if side == "request" {
				body = broken
			}
			req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://cloud.mongodb.com/x", body)
			_, err := rec.RoundTrip(req)
			require.ErrorIs(t, err, boom)
			assert.Contains(t, err.Error(), "reading the "+side+" body")
			assert.True(t, broken.closed.Load(), "the %s body is closed", side)
			assert.Equal(t, side == "response", called, "a request whose body cannot be read is not sent")
			assert.Zero(t, rec.Len())
		})
	}
}

type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }
