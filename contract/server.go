package contract

import (
	"net/http"
	"time"
)

// Limits of the servers this package starts, so a slow or hostile client
// cannot hold one.
const (
	ServerReadHeaderTimeout = 5 * time.Second
	ServerReadTimeout       = 10 * time.Second
	ServerWriteTimeout      = 10 * time.Second
	ServerIdleTimeout       = 60 * time.Second
	ServerMaxHeaderBytes    = 64 << 10
	// ServerMaxRequestBody caps a request body; the operation takes none.
	ServerMaxRequestBody = 1 << 20
)

func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           http.MaxBytesHandler(h, ServerMaxRequestBody),
		ReadHeaderTimeout: ServerReadHeaderTimeout,
		ReadTimeout:       ServerReadTimeout,
		WriteTimeout:      ServerWriteTimeout,
		IdleTimeout:       ServerIdleTimeout,
		MaxHeaderBytes:    ServerMaxHeaderBytes,
	}
}
