package contract

import (
	"net/http"
	"time"
)

// ServerLimits bound what one client can take from the servers this package
// starts (the replay server and the mock), so a slow or hostile client
// cannot hold one: a slowloris client is cut off at ReadHeaderTimeout.
type ServerLimits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// MaxRequestBody caps a request body; the operation takes none.
	MaxRequestBody int64
}

// DefaultServerLimits are the limits NewReplayServer and NewMockServer use.
var DefaultServerLimits = ServerLimits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       10 * time.Second,
	WriteTimeout:      10 * time.Second,
	IdleTimeout:       60 * time.Second,
	MaxHeaderBytes:    64 << 10,
	MaxRequestBody:    1 << 20,
}

func newHTTPServer(h http.Handler, l ServerLimits) *http.Server {
	return &http.Server{
		Handler:           http.MaxBytesHandler(h, l.MaxRequestBody),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}
