package recording_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v4"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// tokenServer answers like an OAuth token endpoint, with the secrets of
// recorder_test.go.
func tokenServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"access_token":%q,"refresh_token":%q,"expires_in":3600}`, accessToken, refreshToken)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// postToken sends a token request with the client secret in the form and
// the query, through rt.
func postToken(t *testing.T, rt http.RoundTripper, url string) error {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/api/oauth/token?client_secret="+clientSecret,
		strings.NewReader("grant_type=client_credentials&client_secret="+clientSecret))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, clientSecret)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// TestHooksSeeOnlyRedactedInteractions passes hooks of both kinds: each
// sees the interaction as go-vcr keeps and writes it, with no secret; the
// form go-vcr records is redacted too.
func TestHooksSeeOnlyRedactedInteractions(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[recorder.HookKind]int{}
	check := func(kind recorder.HookKind) recorder.HookFunc {
		return func(i *cassette.Interaction) error {
			data, err := yaml.Marshal(i)
			require.NoError(t, err)
			for _, secret := range []string{clientSecret, accessToken, refreshToken} {
				assert.NotContains(t, string(data), secret, "a %v hook sees a secret", kind)
			}
			assert.Equal(t, []string{recording.Redacted, recording.Redacted}, i.Request.Form["client_secret"], "the recorded form: the body's value and the query's")
			assert.Equal(t, []string{"client_credentials"}, i.Request.Form["grant_type"])
			mu.Lock()
			seen[kind]++
			mu.Unlock()
			return nil
		}
	}
	srv := tokenServer(t)
	rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{Hooks: []recorder.Hook{
		{Handler: check(recorder.AfterCaptureHook), Kind: recorder.AfterCaptureHook},
		{Handler: check(recorder.BeforeSaveHook), Kind: recorder.BeforeSaveHook},
	}})
	require.NoError(t, postToken(t, rec, srv.URL))
	_, err := rec.Marshal()
	require.NoError(t, err)
	assert.Equal(t, map[recorder.HookKind]int{recorder.AfterCaptureHook: 1, recorder.BeforeSaveHook: 1}, seen)
}

// TestSaveRefusesASecretAHookPutBack writes nothing when a hook puts a
// removed secret back, and a hook's error stops the exchange from being
// recorded.
func TestSaveRefusesASecretAHookPutBack(t *testing.T) {
	t.Parallel()
	srv := tokenServer(t)
	leak := func(i *cassette.Interaction) error { i.Response.Body += " " + accessToken; return nil }
	rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{Hooks: []recorder.Hook{{Handler: leak, Kind: recorder.BeforeSaveHook}}})
	require.NoError(t, postToken(t, rec, srv.URL))
	path := filepath.Join(t.TempDir(), "leak.yaml")
	require.ErrorContains(t, rec.Save(path), "refusing to write: a recorded secret would reach the file")
	assert.NoFileExists(t, path)

	boom := errors.New("not this one")
	rec = newRecorder(t, srv.Client().Transport, recording.RecorderOptions{Hooks: []recorder.Hook{{Handler: func(*cassette.Interaction) error { return boom }, Kind: recorder.AfterCaptureHook}}})
	require.ErrorIs(t, postToken(t, rec, srv.URL), boom)
	assert.Zero(t, rec.Len())
}

// TestSaveRefusesASecretYAMLEscapes writes nothing when a hook puts a
// removed secret back into a string YAML writes in escapes (one with a byte
// order mark, or a byte that is not printable, is written "\uFEFF\x65..."),
// where the secret's bytes never show in the file.
func TestSaveRefusesASecretYAMLEscapes(t *testing.T) {
	t.Parallel()
	for name, prefix := range map[string]string{"byte order mark": "\ufeff", "control byte": "\x01", "none": ""} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := tokenServer(t)
			leak := func(i *cassette.Interaction) error { i.Response.Body = prefix + "echo " + accessToken; return nil }
			rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{Hooks: []recorder.Hook{{Handler: leak, Kind: recorder.BeforeSaveHook}}})
			require.NoError(t, postToken(t, rec, srv.URL))
			path := filepath.Join(t.TempDir(), "leak.yaml")
			require.ErrorContains(t, rec.Save(path), "refusing to write: a recorded secret would reach the file")
			assert.NoFileExists(t, path)
		})
	}
}

// TestRecorderPrintsNothingUnderVCRDebug sets VCR_DEBUG, with which go-vcr
// logs request URLs, before redaction, to standard error: the recorder
// discards go-vcr's log. Not parallel: it sets the environment and
// replaces os.Stderr.
func TestRecorderPrintsNothingUnderVCRDebug(t *testing.T) {
	t.Setenv("VCR_DEBUG", "1")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	stderr := os.Stderr
	os.Stderr = w
	t.Cleanup(func() { os.Stderr = stderr })
	srv := tokenServer(t)
	rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{})
	require.NoError(t, postToken(t, rec, srv.URL))
	_, err = rec.Marshal()
	require.NoError(t, err)
	os.Stderr = stderr
	require.NoError(t, w.Close())
	printed, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Empty(t, string(printed))
}

// TestRecorderSavesWhileRecording saves over and over while exchanges are
// recorded: no data race (under -race), and the last save holds them all.
func TestRecorderSavesWhileRecording(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.URL.RawQuery) }))
	t.Cleanup(srv.Close)
	rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{})
	client := &http.Client{Transport: rec}
	resp, err := client.Get(srv.URL + "/first")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := client.Get(fmt.Sprintf("%s/x?n=%d", srv.URL, i))
			if assert.NoError(t, err) {
				_, _ = io.Copy(io.Discard, resp.Body)
				assert.NoError(t, resp.Body.Close())
			}
		})
		wg.Go(func() {
			_, err := rec.Marshal()
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	data, err := rec.Marshal()
	require.NoError(t, err)
	var c cassette.Cassette
	require.NoError(t, yaml.Unmarshal(data, &c))
	assert.Len(t, c.Interactions, n+1)
}

// TestRecorderRefusesAQueryGoVCRCannotRecord: go-vcr's recorder parses a
// request's query into the form it records, and fails on one that does not
// parse; the recorder says so, and sends nothing.
func TestRecorderRefusesAQueryGoVCRCannotRecord(t *testing.T) {
	t.Parallel()
	sent := false
	rec := newRecorder(t, roundTripFunc(func(*http.Request) (*http.Response, error) {
		sent = true
		return nil, errors.New("unreachable")
	}), recording.RecorderOptions{})
	body := &trackedBody{Reader: strings.NewReader("a=1")}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "https://cloud.mongodb.com/x?a=1;b=2", body)
	require.NoError(t, err)
	_, err = rec.RoundTrip(req)
	require.ErrorContains(t, err, "recording: the request's query does not parse (invalid semicolon separator in query), and go-vcr records it as a form: not sent")
	assert.False(t, sent)
	assert.True(t, body.closed.Load(), "the request body is closed")
	assert.Zero(t, rec.Len())
}
