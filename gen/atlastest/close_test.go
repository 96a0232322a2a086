package atlastest_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
	"github.com/atlascontract/deferwindow/internal/httpserve"
)

// waitJournaled waits, at most 10 s, until the fake has journaled n
// requests to the operation: their delays have begun.
func waitJournaled(t *testing.T, f *atlastest.Fake, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := 0
		for _, e := range f.Journal() {
			if e.Project != "" {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests to the operation journaled after 10s, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCloseEndsDelays: Server.Close (NewServer's cleanup) returns at once
// with a scripted delay of a minute in flight, whose client sees its
// connection dropped, where it waited out the delay.
func TestCloseEndsDelays(t *testing.T) {
	t.Parallel()
	srv := atlastest.NewServer(t)
	srv.Script(atlastest.DefaultProjectID, atlastest.Reply{Delay: atlastest.MaxReplyDelay, Status: 500})
	client := srv.Client()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- client.DeferMaintenanceWindow(ctx, atlastest.DefaultProjectID) }()
	waitJournaled(t, srv.Fake, 1)

	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close still waits for the delayed request after 10s")
	}
	select {
	case err := <-errc:
		assert.Error(t, err, "the delayed request got an answer")
		assert.NoError(t, ctx.Err(), "the client gave up before the fake let go")
	case <-time.After(10 * time.Second):
		t.Fatal("the delayed request did not end after Close")
	}
}

// TestCloseEndsDelaysOnShutdown: a server that calls Fake.Close when told
// to stop, as `contractcheck serve --fake` does, stops at once with a
// delay in flight, not at the end of its grace period.
func TestCloseEndsDelaysOnShutdown(t *testing.T) {
	t.Parallel()
	f, err := atlastest.New()
	require.NoError(t, err)
	require.NoError(t, f.Script(atlastest.DefaultProjectID, atlastest.Reply{Delay: atlastest.MaxReplyDelay}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	limits := httpserve.DefaultLimits
	limits.WriteTimeout += atlastest.MaxReplyDelay
	limits.ShutdownGrace = time.Minute
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	defer context.AfterFunc(ctx, f.Close)()
	served := make(chan error, 1)
	go func() { served <- httpserve.Serve(ctx, ln, f, limits) }()

	k, _ := f.APIKey()
	client, err := atlas.New(atlas.WithServer("http://"+ln.Addr().String()), atlas.WithAPIKey(k.PublicKey, k.PrivateKey))
	require.NoError(t, err)
	go func() { _ = client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID) }()
	waitJournaled(t, f, 2) // the Digest challenge, then the delayed request

	stop()
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve still waits for the delayed request after 10s")
	}
}
