package atlas

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClientPerCallSharesConnections: a program that makes a Client per
// call, without WithTransport, reuses one pool of connections, so the
// goroutines left behind stay bounded however many Clients it made, where
// each Client's own transport kept an idle connection (two goroutines, and
// one on the server) that nothing could release. Not parallel: it counts
// the process's goroutines.
func TestClientPerCallSharesConnections(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) }))
	defer ts.Close()
	const clients = 50
	before := runtime.NumGoroutine()
	for range clients {
		c, err := New(WithServer(ts.URL)) // loopback: the loopback transport
		require.NoError(t, err)
		require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	}
	// One connection, reused: its two client goroutines and the server's
	// one, with room for the runtime's own.
	assert.LessOrEqual(t, runtime.NumGoroutine()-before, 10, "goroutines grew with the number of Clients")

	// A server not on this machine: every Client's base is the one shared
	// transport, under each Client's own cap and authentication.
	a, err := New(WithServer("https://cloud.mongodb.com"))
	require.NoError(t, err)
	b, err := New(WithServer("https://cloud.mongodb.com"), WithServiceAccount("mdb_sa_id_x", "mdb_sa_sk_x"))
	require.NoError(t, err)
	la, ok := a.http.Transport.(*limitTransport)
	require.True(t, ok)
	bt, ok := b.http.Transport.(*bearerTransport)
	require.True(t, ok)
	lb, ok := bt.base.(*limitTransport)
	require.True(t, ok)
	assert.NotSame(t, la, lb, "the cap is the Client's own")
	assert.Same(t, la.base.(*http.Transport), lb.base.(*http.Transport), "the connections are shared")
	assert.NotSame(t, http.DefaultTransport.(*http.Transport), la.base.(*http.Transport), "a clone: nobody else's settings")
}
