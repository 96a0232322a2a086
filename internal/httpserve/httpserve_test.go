package httpserve_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/internal/httpserve"
)

// TestConfigureLimits: a client that trickles its head is cut off at the
// header timeout, a body over the cap is refused, a head over the cap too.
func TestConfigureLimits(t *testing.T) {
	t.Parallel()
	l := httpserve.DefaultLimits
	l.ReadHeaderTimeout = 200 * time.Millisecond
	l.MaxRequestBody = 16
	l.MaxHeaderBytes = 1 << 10
	var bodyErr error
	srv := httptest.NewUnstartedServer(nil)
	l.Configure(srv.Config, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, bodyErr = io.ReadAll(r.Body)
		if bodyErr != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		}
	}))
	srv.Start()
	defer srv.Close()
	assert.Equal(t, 200*time.Millisecond, srv.Config.ReadHeaderTimeout)
	assert.Equal(t, l.WriteTimeout, srv.Config.WriteTimeout)
	assert.Equal(t, l.IdleTimeout, srv.Config.IdleTimeout)

	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader(strings.Repeat("x", 17)))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	var tooLarge *http.MaxBytesError
	assert.ErrorAs(t, bodyErr, &tooLarge)

	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set("X-Big", strings.Repeat("y", 8<<10))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")) // and never the blank line
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = bufio.NewReader(conn).ReadByte()
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the server closed the connection before the client's own deadline: %v", err)
}

// TestServeStopsWithinTheGrace: a request in flight longer than the grace
// period does not hold the shutdown; Serve then returns nil.
func TestServeStopsWithinTheGrace(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l := httpserve.DefaultLimits
	l.ShutdownGrace = 100 * time.Millisecond
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- httpserve.Serve(ctx, ln, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			close(started)
			<-release
		}), l)
	}()
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String())
		if err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its grace period")
	}
}

// TestServeReportsAListenerError: a closed listener is the server's error.
func TestServeReportsAListenerError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	assert.Error(t, httpserve.Serve(t.Context(), ln, http.NotFoundHandler(), httpserve.DefaultLimits))
}

// TestDropConnection: the client sees its connection close without an
// answer.
func TestDropConnection(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { httpserve.DropConnection(w) }))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err)
	assert.ErrorIs(t, err, io.EOF)
}
