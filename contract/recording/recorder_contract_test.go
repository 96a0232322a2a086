package recording_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// newRecorder returns a Recorder, failing the test if NewRecorder fails.
func newRecorder(t testing.TB, base http.RoundTripper, opts recording.RecorderOptions) *recording.Recorder {
	t.Helper()
	rec, err := recording.NewRecorder(base, opts)
	require.NoError(t, err)
	return rec
}

func TestRecorderLosesNoInteractionUnderConcurrency(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.Query().Get("n"))
	}))
	t.Cleanup(srv.Close)
	rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{})
	client := &http.Client{Transport: rec}

	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			resp, err := client.Get(fmt.Sprintf("%s/x?n=%d", srv.URL, i))
			if err != nil {
				errs <- err
				return
			}
			defer func() { _ = resp.Body.Close() }()
			b, err := io.ReadAll(resp.Body)
			if err == nil && string(b) != fmt.Sprint(i) {
				err = fmt.Errorf("response %d got body %q", i, b)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, n, rec.Len())

	path := filepath.Join(t.TempDir(), "many.yaml")
	require.NoError(t, rec.Save(path))
	seen := map[string]bool{}
	ids := map[int]bool{}
	c, err := cassette.Load(strings.TrimSuffix(path, ".yaml"))
	require.NoError(t, err)
	for _, it := range c.Interactions {
		ids[it.ID] = true
		seen[it.Response.Body] = true
	}
	assert.Len(t, seen, n, "every exchange recorded once")
	assert.Len(t, ids, n, "ids are distinct")
}

func TestRecorderKeepsTheRoundTripperContract(t *testing.T) {
	t.Parallel()
	var gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{})

	target := srv.URL + deferPath + "?access_token=" + accessToken
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, target, strings.NewReader("a=1"))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	header := req.Header.Clone()
	u := *req.URL

	resp, err := rec.RoundTrip(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())

	assert.JSONEq(t, `{"ok":true}`, string(b), "the caller reads the whole body")
	assert.Equal(t, "a=1", gotBody, "the server got the request body")
	assert.Same(t, req, resp.Request)
	assert.Equal(t, header, req.Header, "the caller's headers are not redacted")
	assert.Equal(t, u, *req.URL, "the caller's URL is not rewritten")
	assert.Equal(t, target, req.URL.String())

	data, err := rec.Marshal()
	require.NoError(t, err)
	assert.NotContains(t, string(data), accessToken)
	assert.Contains(t, string(data), "access_token=REDACTED", "secret query parameters are redacted")
}

func TestRecorderRecordsCompressedBodiesDecodedAndRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/br" {
			w.Header().Set("Content-Encoding", "br")
			_, _ = io.WriteString(w, "\x1b\x0b\x00\xf8"+accessToken) // not decodable here
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = fmt.Fprintf(zw, `{"access_token":%q,"expires_in":3600}`, accessToken)
		_ = zw.Close()
	}))
	t.Cleanup(srv.Close)
	rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{})
	for _, path := range []string{"/token", "/br"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Accept-Encoding", "gzip, br") // asked for by the caller: Go does not decode
		resp, err := rec.RoundTrip(req)
		require.NoError(t, err)
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		if path == "/token" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			require.NoError(t, err, "the caller still gets the gzip bytes")
			plain, err := io.ReadAll(zr)
			require.NoError(t, err)
			assert.Contains(t, string(plain), accessToken)
		}
	}
	var got []*recording.Interaction
	file := filepath.Join(t.TempDir(), "gz.yaml")
	require.NoError(t, rec.Save(file))
	require.NoError(t, recording.ReadFile(file, recording.Options{}, func(it *recording.Interaction) error {
		got = append(got, it)
		return nil
	}))
	require.Len(t, got, 2)
	assert.JSONEq(t, `{"access_token":"REDACTED","expires_in":3600}`, string(got[0].Response.Body))
	assert.Empty(t, got[0].Response.Header.Get("Content-Encoding"))
	assert.Empty(t, got[1].Response.Body)
	assert.Contains(t, got[1].Response.Header.Get("X-Recording-Omitted"), "could not be decoded")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.NotContains(t, string(data), accessToken)
}

func TestRecorderScrubsSecretsLearnedLater(t *testing.T) {
	t.Parallel()
	calls := 0
	rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		body := "echo: " + accessToken // the first response shows the token before it is known as one
		if calls == 2 {
			body = `{"access_token":"` + accessToken + `"}`
		}
		return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Length": {fmt.Sprint(len(body))}}, ContentLength: int64(len(body)),
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}), recording.RecorderOptions{})
	for range 2 {
		resp, err := rec.RoundTrip(httptest.NewRequestWithContext(t.Context(), http.MethodGet, "https://cloud.mongodb.com/x", nil))
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
	}
	data, err := rec.Marshal()
	require.NoError(t, err)
	assert.NotContains(t, string(data), accessToken)
	assert.Contains(t, string(data), "echo: REDACTED")
	assert.Contains(t, string(data), `- "14"`, "Content-Length follows the redacted body")
}

func TestNewRecorderRejectsHooksItDoesNotRun(t *testing.T) {
	t.Parallel()
	noop := func(*cassette.Interaction) error { return nil }
	for _, kind := range []recorder.HookKind{recorder.BeforeResponseReplayHook, recorder.OnRecorderStopHook} {
		rec, err := recording.NewRecorder(nil, recording.RecorderOptions{Hooks: []recorder.Hook{{Handler: noop, Kind: recorder.AfterCaptureHook}, {Handler: noop, Kind: kind}}})
		require.ErrorContains(t, err, "RecorderOptions.Hooks[1]: a recorder runs AfterCaptureHook and BeforeSaveHook hooks, not "+kind.String())
		assert.Nil(t, rec)
	}
	_, err := recording.NewRecorder(nil, recording.RecorderOptions{Hooks: []recorder.Hook{{Kind: recorder.BeforeSaveHook}}})
	require.ErrorContains(t, err, "RecorderOptions.Hooks[0]", "a hook without a handler")
}

func TestRecorderForwardsTransportErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection refused")
	rec := newRecorder(t, roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, boom }), recording.RecorderOptions{})
	_, err := rec.RoundTrip(httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://cloud.mongodb.com/x", nil))
	require.ErrorIs(t, err, boom)
	assert.Zero(t, rec.Len())
	err = rec.Save(filepath.Join(t.TempDir(), "empty.yaml"))
	require.ErrorContains(t, err, "nothing recorded")
}

// recordOne returns a recorder holding one exchange.
func recordOne(t *testing.T) *recording.Recorder {
	t.Helper()
	rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	}), recording.RecorderOptions{})
	resp, err := rec.RoundTrip(httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://cloud.mongodb.com"+deferPath, nil))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return rec
}

// TestSaveReplacesAtomically replaces a cassette through output.Write,
// whose own tests cover failures: the new cassette is in place and no
// temporary file is left behind.
func TestSaveReplacesAtomically(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "defer.yaml")
	require.NoError(t, os.WriteFile(path, []byte("---\nversion: 2\ninteractions: [] # the previous cassette\n"), 0o600))
	require.NoError(t, recordOne(t).Save(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "maintenanceWindow/defer")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the file keeps its mode")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left behind")
}

func TestSaveIntoAMissingOrReadOnlyFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope", "defer.yaml")
	require.Error(t, recordOne(t).Save(missing))
	_, err := os.Stat(filepath.Dir(missing))
	assert.True(t, errors.Is(err, os.ErrNotExist), "Save does not create folders")

	if os.Geteuid() == 0 {
		t.Skip("running as root: a read-only folder does not stop root from writing")
	}
	ro := filepath.Join(dir, "ro")
	require.NoError(t, os.Mkdir(ro, 0o755))
	path := filepath.Join(ro, "defer.yaml")
	require.NoError(t, os.WriteFile(path, []byte("previous"), 0o644))
	require.NoError(t, os.Chmod(ro, 0o555))
	t.Cleanup(func() { _ = os.Chmod(ro, 0o755) })
	require.Error(t, recordOne(t).Save(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "previous", string(data))
}

func TestRecorderRedactsPasswordInURL(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 204, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	}), recording.RecorderOptions{})
	u := &url.URL{Scheme: "https", User: url.UserPassword("me", basicPass), Host: "cloud.mongodb.com", Path: "/x"}
	resp, err := rec.RoundTrip(httptest.NewRequestWithContext(t.Context(), http.MethodGet, u.String(), nil))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	data, err := rec.Marshal()
	require.NoError(t, err)
	assert.NotContains(t, string(data), basicPass)
	assert.Contains(t, string(data), "https://me:REDACTED@cloud.mongodb.com/x")
}
