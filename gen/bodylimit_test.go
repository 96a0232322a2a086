package atlas

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hugeBody is how much a misbehaving proxy offers: far more than any cap.
const hugeBody = 50 << 20

// streamingProxy is a fake Atlas whose answers are a 502 HTML page of
// hugeBody bytes, produced as they are written (nothing that big is ever in
// memory), with or without Content-Length. written receives how many bytes
// each answer managed to write before the client hung up.
func streamingProxy(t *testing.T, withLength bool) (*fakeAtlas, <-chan int64) {
	written := make(chan int64, 4)
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if withLength {
			w.Header().Set("Content-Length", strconv.Itoa(hugeBody))
		}
		w.WriteHeader(http.StatusBadGateway)
		n, _ := io.Copy(w, io.MultiReader(strings.NewReader("<html><body>"), io.LimitReader(endless{}, int64(hugeBody-len("<html><body>")))))
		written <- n
	})
	return f, written
}

// countingTransport counts the response body bytes read through it: it sits
// under the Client (WithTransport), so it sees what the Client pulls from
// the network.
type countingTransport struct {
	base http.RoundTripper
	read atomic.Int64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &t.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestHugeBodyIsCapped sends both paths a 50 MB proxy page: the generated
// API fails with a *ResponseTooLargeError once MaxResponseBody has been read,
// and the one-line call keeps MaxErrorBody of it and reports Truncated, as
// before. Neither reads the rest.
func TestHugeBodyIsCapped(t *testing.T) {
	t.Parallel()
	for _, withLength := range []bool{false, true} {
		t.Run("Content-Length "+strconv.FormatBool(withLength), func(t *testing.T) {
			t.Parallel()
			f, written := streamingProxy(t, withLength)
			counting := &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
			c := newTestClient(t, f, WithTransport(counting))

			rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
			var tooLarge *ResponseTooLargeError
			require.ErrorAs(t, err, &tooLarge)
			assert.True(t, rsp == nil, "no response is returned") // not assert.Nil: it would print the body
			assert.Equal(t, &ResponseTooLargeError{Method: http.MethodPost, Path: testOpPath, StatusCode: 502, Limit: MaxResponseBody}, tooLarge)
			assert.Equal(t, "POST "+testOpPath+": 502: the response body is longer than 1048576 bytes (atlas.MaxResponseBody); stopped reading it there", err.Error())
			assert.LessOrEqual(t, counting.read.Load(), int64(MaxResponseBody+1), "bytes read from the network")
			assert.Less(t, <-written, int64(hugeBody), "the server was cut off")

			counting.read.Store(0)
			err = c.DeferMaintenanceWindow(t.Context(), testGroupID)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, 502, e.StatusCode)
			assert.Len(t, e.Body, MaxErrorBody)
			assert.True(t, e.Truncated)
			assert.LessOrEqual(t, counting.read.Load(), int64(MaxErrorBody+1), "bytes read from the network")
			assert.Less(t, <-written, int64(hugeBody), "the server was cut off")
		})
	}
}

// TestBodyUpToTheLimit checks that a body of exactly MaxResponseBody bytes
// reads whole on the typed call, and that Do is capped too.
func TestBodyUpToTheLimit(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("x"), MaxResponseBody)
	f := newFakeAtlas(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write(body)
		if r.URL.Query().Has("more") {
			_, _ = w.Write([]byte("y"))
		}
	})
	c := newTestClient(t, f)
	rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	assert.Equal(t, body, rsp.Body)
	var e *Error
	require.ErrorAs(t, CheckResponse(rsp), &e)
	assert.True(t, e.Truncated)
	assert.Len(t, e.Body, MaxErrorBody)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL()+"/api/atlas/v2/groups/"+testGroupID+"/maintenanceWindow/defer?more", nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	got, err := io.ReadAll(resp.Body)
	var tooLarge *ResponseTooLargeError
	require.ErrorAs(t, err, &tooLarge)
	assert.Equal(t, body, got, "the bytes up to the limit are delivered")
}

// TestLimitedBody checks the capping reader at the edges with a small limit.
func TestLimitedBody(t *testing.T) {
	t.Parallel()
	req, err := http.NewRequest(http.MethodPost, "http://atlas.invalid/p", nil)
	require.NoError(t, err)
	const limit = 10
	read := func(body string, oneByte bool) ([]byte, int64, error) {
		var src io.Reader = strings.NewReader(body)
		if oneByte {
			src = iotest.OneByteReader(src)
		}
		counted := &countingBody{ReadCloser: io.NopCloser(src), n: new(atomic.Int64)}
		rt := &limitTransport{limit: limit, base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 500, Body: counted, Request: r}, nil
		})}
		resp, err := rt.RoundTrip(req)
		require.NoError(t, err)
		got, err := io.ReadAll(resp.Body)
		_, again := resp.Body.Read(make([]byte, 4))
		if err != nil {
			assert.Equal(t, err, again, "the error sticks")
		}
		require.NoError(t, resp.Body.Close())
		return got, counted.n.Load(), err
	}
	for _, oneByte := range []bool{false, true} {
		got, n, err := read(strings.Repeat("a", limit), oneByte)
		require.NoError(t, err)
		assert.Equal(t, strings.Repeat("a", limit), string(got))
		assert.LessOrEqual(t, n, int64(limit+1))

		got, n, err = read(strings.Repeat("a", limit)+"SECRET-CONTENT", oneByte)
		var tooLarge *ResponseTooLargeError
		require.ErrorAs(t, err, &tooLarge)
		assert.Equal(t, &ResponseTooLargeError{Method: http.MethodPost, Path: "/p", StatusCode: 500, Limit: limit}, tooLarge)
		assert.NotContains(t, err.Error(), "SECRET")
		assert.Equal(t, strings.Repeat("a", limit), string(got))
		assert.Equal(t, int64(limit+1), n, "one byte past the limit is read, no more")
	}

	// Bodies with nothing to cap, and failures, pass through untouched.
	for _, resp := range []*http.Response{{StatusCode: 200, Body: http.NoBody}, {StatusCode: 200}} {
		rt := &limitTransport{limit: limit, base: roundTripFunc(func(*http.Request) (*http.Response, error) { return resp, nil })}
		got, err := rt.RoundTrip(req)
		require.NoError(t, err)
		assert.Same(t, resp, got)
		assert.Equal(t, resp.Body, got.Body)
	}
	boom := errors.New("boom")
	rt := &limitTransport{limit: limit, base: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, boom })}
	_, err = rt.RoundTrip(req)
	require.ErrorIs(t, err, boom)
}
