//go:build unix

package main

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOutputIntoAPipe writes a report into a named pipe: it is written
// into, not replaced by a regular file.
func TestOutputIntoAPipe(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "report.pipe")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo) // returns once the program opens the pipe to write
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		data, _ := io.ReadAll(f)
		got <- data
	}()
	code, _, stderr := runIn(t, "check", "--shipped", "--offline", "--format", "json", "-o", fifo)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, string(<-got), `"kind": "shipped"`)
	assert.Equal(t, fs.ModeNamedPipe, stat(t, fifo).Mode()&fs.ModeNamedPipe, "the pipe is still a pipe")
}
