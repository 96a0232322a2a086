package recording_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// TestGoVCRReplaysWhatTheRecorderWrites records the module's client, in
// both auth modes, and replays the cassette with go-vcr's own recorder in
// replay-only mode and the matcher the README shows, which compares the
// form go-vcr records: the same calls get the recorded answers.
func TestGoVCRReplaysWhatTheRecorderWrites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		auth atlas.Option
	}{
		{name: "Service Account (OAuth 2.0)", auth: atlas.WithServiceAccount(clientID, clientSecret)},
		{name: "API key (Digest)", auth: atlas.WithAPIKey(publicKey, privateKey)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(&atlasStub{})
			t.Cleanup(srv.Close)
			rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{})
			client, err := atlas.New(atlas.WithServer(srv.URL), tc.auth, atlas.WithTransport(rec))
			require.NoError(t, err)
			require.NoError(t, client.DeferMaintenanceWindow(t.Context(), groupID))
			path := filepath.Join(t.TempDir(), "defer.yaml")
			require.NoError(t, rec.Save(path))
			srv.Close() // replay never reaches it

			require.NoError(t, replayCassette(t, path, readmeMatcher(), func(vcr http.RoundTripper) error {
				replayed, err := atlas.New(atlas.WithServer(srv.URL), tc.auth, atlas.WithTransport(vcr))
				require.NoError(t, err)
				return replayed.DeferMaintenanceWindow(t.Context(), groupID)
			}), "go-vcr found every interaction")

			c, err := cassette.Load(strings.TrimSuffix(path, ".yaml"))
			require.NoError(t, err)
			require.Len(t, c.Interactions, 2)
			if tc.name == "Service Account (OAuth 2.0)" {
				assert.Equal(t, []string{"client_credentials"}, c.Interactions[0].Request.Form["grant_type"], "the token request's form is recorded")
			}
		})
	}
}

// readmeMatcher is go-vcr's default matcher with the options the docs
// show: the recorded User-Agent and the redacted Authorization ignored.
func readmeMatcher() cassette.MatcherFunc {
	return cassette.NewDefaultMatcher(cassette.WithIgnoreUserAgent(), cassette.WithIgnoreAuthorization())
}

// replayCassette replays the cassette saved at path with go-vcr's own
// replayer and match, handing its transport to use, and returns use's error.
func replayCassette(t *testing.T, path string, match cassette.MatcherFunc, use func(http.RoundTripper) error) error {
	t.Helper()
	vcr, err := recorder.New(strings.TrimSuffix(path, ".yaml"),
		recorder.WithMode(recorder.ModeReplayOnly),
		recorder.WithSkipRequestLatency(true),
		recorder.WithMatcher(match),
	)
	require.NoError(t, err)
	defer func() { require.NoError(t, vcr.Stop()) }()
	return use(vcr)
}

// TestGoVCRReplaysATokenExchangeWithTheSecretInTheForm records an OAuth
// client that sends client_secret in the form (x/oauth2's
// AuthStyleInParams): the cassette holds client_secret=REDACTED, the
// replaying client sends the real one, and go-vcr's default matcher finds
// the exchange only behind RedactedMatcher, which redacts the live request
// first.
func TestGoVCRReplaysATokenExchangeWithTheSecretInTheForm(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&atlasStub{})
	t.Cleanup(srv.Close)
	call := func(rt http.RoundTripper) error {
		cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: srv.URL + "/api/oauth/token", AuthStyle: oauth2.AuthStyleInParams}
		client := cfg.Client(context.WithValue(t.Context(), oauth2.HTTPClient, &http.Client{Transport: rt}))
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+deferPath, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		require.NoError(t, resp.Body.Close())
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{})
	require.NoError(t, call(rec))
	path := filepath.Join(t.TempDir(), "params.yaml")
	require.NoError(t, rec.Save(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(data), "client_secret=REDACTED")
	srv.Close() // replay never reaches it

	replay := func(match cassette.MatcherFunc) error { return replayCassette(t, path, match, call) }
	defaults := readmeMatcher()
	require.ErrorIs(t, replay(defaults), cassette.ErrInteractionNotFound, "the default matcher compares the form")
	require.NoError(t, replay(recording.RedactedMatcher(defaults, recording.RecorderOptions{})), "go-vcr found every interaction")
}

// ExampleRedactedMatcher replays a cassette whose token exchange sent
// client_secret in the form, which the recorder wrote as REDACTED.
func ExampleRedactedMatcher() {
	rec, err := recorder.New("recordings/defer-oauth-params",
		recorder.WithMode(recorder.ModeReplayOnly),
		recorder.WithSkipRequestLatency(true),
		recorder.WithMatcher(recording.RedactedMatcher(cassette.NewDefaultMatcher(
			cassette.WithIgnoreUserAgent(),
			cassette.WithIgnoreAuthorization(),
		), recording.RecorderOptions{})),
	)
	if err != nil {
		return // no such cassette here
	}
	_ = rec.Stop()
}

// TestRedactedMatcherDoesNotKnowSecretsLearnedFromResponses records a
// response that holds a secret and a later request that sends the same
// value under a name that is not secret: the recorder learned it and wrote
// the request's header as REDACTED, but RedactedMatcher never sees
// responses, so a replaying client that sends the value again finds no
// interaction, until the header is named in RedactHeaders or ignored by
// go-vcr's matcher, as RedactedMatcher's documentation says.
func TestRedactedMatcherDoesNotKnowSecretsLearnedFromResponses(t *testing.T) {
	t.Parallel()
	const learned = "SECRET_LEARNED_FROM_RESPONSE"
	rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body := `{"ok":true}`
		if r.URL.Path == "/keys" {
			body = `{"secret":"` + learned + `"}`
		}
		return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}), recording.RecorderOptions{})
	use := func(rt http.RoundTripper) error {
		for _, p := range []string{"/keys", "/use"} {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://api.example.com"+p, nil)
			require.NoError(t, err)
			if p == "/use" {
				req.Header.Set("X-Echo", learned) // no secret name
			}
			resp, err := (&http.Client{Transport: rt}).Do(req)
			if err != nil {
				return err
			}
			require.NoError(t, resp.Body.Close())
		}
		return nil
	}
	require.NoError(t, use(rec))
	path := filepath.Join(t.TempDir(), "learned.yaml")
	require.NoError(t, rec.Save(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotContains(t, string(data), learned)

	replay := func(match cassette.MatcherFunc) error { return replayCassette(t, path, match, use) }
	defaults := readmeMatcher()
	require.ErrorIs(t, replay(recording.RedactedMatcher(defaults, recording.RecorderOptions{})), cassette.ErrInteractionNotFound)
	assert.NoError(t, replay(recording.RedactedMatcher(defaults, recording.RecorderOptions{RedactHeaders: []string{"X-Echo"}})))
	assert.NoError(t, replay(recording.RedactedMatcher(cassette.NewDefaultMatcher(
		cassette.WithIgnoreUserAgent(), cassette.WithIgnoreAuthorization(), cassette.WithIgnoreHeaders("X-Echo"),
	), recording.RecorderOptions{})))
}
