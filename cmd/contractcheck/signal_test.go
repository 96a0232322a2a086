//go:build unix

// Unix only: the tests send SIGTERM and SIGINT to a child process (Windows
// has no signals to send) and block it on a FIFO (syscall.Mkfifo).

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runMainEnv makes the test binary run the program itself (see TestMain),
// so the signal tests exercise the real process without a separate build.
const runMainEnv = "CONTRACTCHECK_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// startBlocked starts the program on a named pipe that delivers half a HAR
// and then nothing: the run is blocked in a read that no cancellation can
// interrupt, as on a stalled network file system. It returns once the
// program is reading.
func startBlocked(t *testing.T) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "stalled.har")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	cmd := exec.Command(os.Args[0], "check", "--offline", fifo)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // returns once the program opened the pipe
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, w.Close()) })
	_, err = w.WriteString(`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[`)
	require.NoError(t, err)
	return cmd, stderr
}

// waitExit waits for the process, failing after a generous bound.
func waitExit(t *testing.T, cmd *exec.Cmd) *os.ProcessState {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState
	case <-time.After(60 * time.Second):
		t.Fatal("the program did not stop within a minute of the signal")
		return nil
	}
}

func TestFirstSignalStopsARunBlockedOnARead(t *testing.T) {
	t.Parallel()
	cmd, stderr := startBlocked(t)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	state := waitExit(t, cmd)
	assert.Equal(t, 128+int(syscall.SIGTERM), state.ExitCode())
	assert.Contains(t, stderr.String(), "terminated: stopping")
	assert.Contains(t, stderr.String(), "terminated: stopped")
}

func TestSecondSignalEndsAtOnce(t *testing.T) {
	t.Parallel()
	cmd, stderr := startBlocked(t)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "interrupt: stopping") },
		30*time.Second, 10*time.Millisecond, "the first signal is acknowledged")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	state := waitExit(t, cmd)
	ws, ok := state.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	assert.True(t, ws.Signaled() && ws.Signal() == syscall.SIGINT, "killed by the second SIGINT's default action, not after the grace period: %v", state)
}
