package atlastest_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// inProcess serves requests by calling the handler in-process, as a user
// without a listener would, and turns a panic into the round trip's error.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (resp *http.Response, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("handler panicked: %w", v.(error))
		}
	}()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp = rec.Result()
	resp.Request = r
	return resp, nil
}

// TestDropNeedsServer: Reply{Drop: true} is a transport error through any
// net/http server, the plain httptest.Server included; called in-process,
// with no connection to close, the Fake says so with ErrDropNeedsServer
// (which wraps http.ErrAbortHandler), as Reply.Drop documents.
func TestDropNeedsServer(t *testing.T) {
	t.Parallel()
	fake, err := atlastest.New()
	require.NoError(t, err)
	sa, _ := fake.ServiceAccount()
	id := atlastest.DefaultProjectID

	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	served, err := atlas.New(atlas.WithServer(ts.URL), atlas.WithTransport(ts.Client().Transport), atlas.WithServiceAccount(sa.ClientID, sa.ClientSecret))
	require.NoError(t, err)
	require.NoError(t, served.DeferMaintenanceWindow(t.Context(), id))
	require.NoError(t, fake.Script(id, atlastest.Reply{Drop: true}))
	err = served.DeferMaintenanceWindow(t.Context(), id)
	require.Error(t, err)
	var e *atlas.Error
	assert.False(t, errors.As(err, &e), "a dropped connection is a transport error: %v", err)
	assert.NotErrorIs(t, err, atlastest.ErrDropNeedsServer, "a server was there")

	inproc, err := atlas.New(atlas.WithServer("https://fake.invalid"), atlas.WithTransport(inProcess{fake}), atlas.WithServiceAccount(sa.ClientID, sa.ClientSecret))
	require.NoError(t, err)
	require.NoError(t, fake.Script(id, atlastest.Reply{Drop: true}))
	err = inproc.DeferMaintenanceWindow(t.Context(), id)
	require.ErrorIs(t, err, atlastest.ErrDropNeedsServer)
	assert.ErrorIs(t, err, http.ErrAbortHandler)
	assert.Contains(t, err.Error(), "Reply{Drop: true}")
	require.NoError(t, inproc.DeferMaintenanceWindow(t.Context(), id), "the fake answers in-process otherwise")
}
