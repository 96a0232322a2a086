package recording_test

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

			vcr, err := recorder.New(strings.TrimSuffix(path, ".yaml"),
				recorder.WithMode(recorder.ModeReplayOnly),
				recorder.WithSkipRequestLatency(true),
				recorder.WithMatcher(cassette.NewDefaultMatcher(
					cassette.WithIgnoreUserAgent(),
					cassette.WithIgnoreAuthorization(),
				)),
			)
			require.NoError(t, err)
			replayed, err := atlas.New(atlas.WithServer(srv.URL), tc.auth, atlas.WithTransport(vcr))
			require.NoError(t, err)
			require.NoError(t, replayed.DeferMaintenanceWindow(t.Context(), groupID), "go-vcr found every interaction")
			require.NoError(t, vcr.Stop())

			c, err := cassette.Load(strings.TrimSuffix(path, ".yaml"))
			require.NoError(t, err)
			require.Len(t, c.Interactions, 2)
			if tc.name == "Service Account (OAuth 2.0)" {
				assert.Equal(t, []string{"client_credentials"}, c.Interactions[0].Request.Form["grant_type"], "the token request's form is recorded")
			}
		})
	}
}
