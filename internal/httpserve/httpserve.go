// Package httpserve holds the limits every HTTP server of this module runs
// with (the fake Atlas, the recordings mock, the replay server), so a slow
// or hostile client cannot hold one, and a Serve that stops gracefully
// within a bounded grace period.
package httpserve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Limits bound what one client can take from a server.
type Limits struct {
	// ReadHeaderTimeout cuts off a client that trickles its request head
	// (slowloris).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, its body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds the handling of a request, from the end of its
	// head to the end of the answer.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection left unused.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's head.
	MaxHeaderBytes int
	// MaxRequestBody caps a request body; the API's operation takes none.
	MaxRequestBody int64
	// ShutdownGrace is how long Serve lets requests in flight finish once
	// it is told to stop; those still running then are cut.
	ShutdownGrace time.Duration
}

// DefaultLimits are the limits of the module's servers unless one needs
// otherwise.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       10 * time.Second,
	WriteTimeout:      10 * time.Second,
	IdleTimeout:       60 * time.Second,
	MaxHeaderBytes:    64 << 10,
	MaxRequestBody:    1 << 20,
	ShutdownGrace:     5 * time.Second,
}

// Configure makes hs serve h within l: the handler behind the body cap, the
// timeouts and the header cap. It suits an httptest.Server's Config before
// Start.
func (l Limits) Configure(hs *http.Server, h http.Handler) {
	hs.Handler = http.MaxBytesHandler(h, l.MaxRequestBody)
	hs.ReadHeaderTimeout = l.ReadHeaderTimeout
	hs.ReadTimeout = l.ReadTimeout
	hs.WriteTimeout = l.WriteTimeout
	hs.IdleTimeout = l.IdleTimeout
	hs.MaxHeaderBytes = l.MaxHeaderBytes
}

// Serve serves h on ln within l until ctx is done, then shuts down
// gracefully: it stops accepting, lets requests in flight finish for at
// most l.ShutdownGrace, and cuts the rest. It returns nil after a shutdown
// asked for by ctx, and the server's error otherwise.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, l Limits) error {
	srv := &http.Server{}
	l.Configure(srv, h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), l.ShutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		// The grace period is over: cut what is still running.
		_ = srv.Close()
	}
	if serveErr := <-errc; err == nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = serveErr
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// Requests outlived the grace period and were cut: a shutdown as asked.
		err = nil
	}
	return err
}

// DropConnection closes the client's connection without an answer, as a
// crashed server or a load balancer that gives up does. Where the
// connection cannot be taken over (HTTP/2), the stream is reset instead,
// by panicking with http.ErrAbortHandler, which net/http's server recovers:
// w must come from a net/http server, or the panic reaches the caller.
func DropConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		// The client sees the connection close: nothing to report.
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}
