package contract

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

var (
	loadClients  = flag.Int("load-clients", 1000, "concurrent clients in TestMockUnderLoad")
	loadDuration = flag.Duration("load-duration", 10*time.Second, "how long TestMockUnderLoad sends")
)

// startMock serves the shipped recordings with limits on a loopback port
// until the returned stop is called; stop waits for Serve to return.
func startMock(t *testing.T, limits ServerLimits) (base string, stop func() error) {
	t.Helper()
	spec, err := DefaultSpec()
	require.NoError(t, err)
	ins, err := recording.ReadAllFS(ShippedRecordings(), "recordings", recording.Options{})
	require.NoError(t, err)
	mock := NewMockServer(spec, ins, CheckOptions{}, nil)
	mock.Limits = limits
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mock.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(limits.WriteTimeout + 5*time.Second):
			return errors.New("Serve did not return after shutdown")
		}
	}
}

const deferPath = "/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"

// TestMockUnderLoad sends -load-clients concurrent clients (1,000) at the
// mock for -load-duration (10 s) on loopback: no request fails, the p99
// latency is reported, and no goroutine outlives the shutdown.
func TestMockUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the load test runs for -load-duration")
	}
	before := runtime.NumGoroutine()
	base, stop := startMock(t, defaultServerLimits)

	transport := &http.Transport{Proxy: nil, MaxIdleConns: *loadClients, MaxIdleConnsPerHost: *loadClients, IdleConnTimeout: 5 * time.Second}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var (
		ok, failed atomic.Int64
		firstErr   atomic.Value
		mu         sync.Mutex
		latencies  []time.Duration
	)
	deadline := time.Now().Add(*loadDuration)
	var wg sync.WaitGroup
	for range *loadClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				start := time.Now()
				req, _ := http.NewRequest(http.MethodPost, base+deferPath, nil)
				req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					if cerr := resp.Body.Close(); err == nil {
						err = cerr
					}
					if err == nil && resp.Header.Get(MockHeader) != "" {
						err = errors.New("the mock refused a valid request: " + resp.Header.Get(MockHeader))
					}
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				ok.Add(1)
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	transport.CloseIdleConnections()
	require.NoError(t, stop())

	if err := firstErr.Load(); err != nil {
		t.Errorf("first failure: %v", err)
	}
	assert.Zero(t, failed.Load(), "failed requests")
	require.Positive(t, ok.Load())
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(float64(len(latencies)-1)*p)] }
	t.Logf("%d clients for %v: %d requests (%.0f/s), latency p50 %v, p99 %v, max %v",
		*loadClients, *loadDuration, ok.Load(), float64(ok.Load())/loadDuration.Seconds(), pct(0.50), pct(0.99), latencies[len(latencies)-1])

	assertNoGoroutineLeak(t, before)
}

// assertNoGoroutineLeak waits, boundedly, for the goroutine count to come
// back to what it was before the test started its servers and clients.
func assertNoGoroutineLeak(t *testing.T, before int) {
	t.Helper()
	var now int
	for range 100 {
		if now = runtime.NumGoroutine(); now <= before {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Errorf("%d goroutines after shutdown, %d before:\n%s", now, before, buf[:runtime.Stack(buf, true)])
}

// TestMockCutsOffSlowAndHugeClients: a slowloris client trickling its
// headers is cut off at ReadHeaderTimeout while other clients are served,
// and a request with oversized headers is refused.
func TestMockCutsOffSlowAndHugeClients(t *testing.T) {
	if testing.Short() {
		t.Skip("slow and huge clients: runs without -short (make test-long)")
	}
	t.Parallel()
	limits := defaultServerLimits
	limits.ReadHeaderTimeout = 300 * time.Millisecond
	limits.ReadTimeout = time.Second
	limits.WriteTimeout = time.Second
	limits.MaxHeaderBytes = 8 << 10
	base, stop := startMock(t, limits)
	defer func() { require.NoError(t, stop()) }()
	addr := strings.TrimPrefix(base, "http://")

	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer func() { _ = conn.Close() }() // the server may have cut it off already
	_, err = io.WriteString(conn, "POST "+deferPath+" HTTP/1.1\r\nHost: x\r\n")
	require.NoError(t, err)
	closed := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		// Trickle one header byte every 50 ms, as a slowloris client does,
		// until the server closes the connection (bounded: 3 s).
		for time.Since(start) < 3*time.Second {
			if _, err := io.WriteString(conn, "X"); err != nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, _ = io.Copy(io.Discard, conn) // returns when the server closes
		closed <- time.Since(start)
	}()

	// Meanwhile the mock serves others.
	req, _ := http.NewRequest(http.MethodPost, base+deferPath, nil)
	req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	held := <-closed
	assert.Less(t, held, 2*time.Second, "the slow client was cut off near ReadHeaderTimeout (held %v)", held)

	// Oversized headers get 431.
	big, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer func() { _ = big.Close() }() // the server may have cut it off already
	_, _ = io.WriteString(big, "POST "+deferPath+" HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 64<<10)+"\r\n\r\n")
	_ = big.SetReadDeadline(time.Now().Add(3 * time.Second))
	status, err := bufio.NewReader(big).ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, status, "431")
}
