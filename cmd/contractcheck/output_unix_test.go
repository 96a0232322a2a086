//go:build unix

// Unix only: the tests write into a FIFO (syscall.Mkfifo), read the process
// umask (syscall.Umask) and compare permission bits, which Windows reduces to
// a read-only flag.

package main

import (
	"encoding/json"
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
		defer func() { _ = f.Close() }() // opened for reading
		data, _ := io.ReadAll(f)
		got <- data
	}()
	code, _, stderr := runIn(t, "check", "--shipped", "--offline", "--format", "json", "-o", fifo)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, string(<-got), `"kind": "shipped"`)
	assert.Equal(t, fs.ModeNamedPipe, stat(t, fifo).Mode()&fs.ModeNamedPipe, "the pipe is still a pipe")
}

// processUmask is the process's file mode creation mask, read once before
// the tests create files (the only way to read it is to set it).
var processUmask = func() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}()

func TestOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, _, stderr := runIn(t, "check", "--shipped", "--format", "json", "--format", "sarif")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "both write to standard output")
	code, _, stderr = runIn(t, "check", "--shipped", "--format", "sarif=")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "the file is missing")
	code, _, stderr = runIn(t, "check", "--shipped", "--format", "sarf")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `did you mean "sarif"?`)

	// A regular file is replaced keeping its mode; a new one honours the umask.
	kept := filepath.Join(dir, "kept.json")
	require.NoError(t, os.WriteFile(kept, []byte("old"), 0o600))
	require.NoError(t, os.Chmod(kept, 0o600))
	fresh := filepath.Join(dir, "fresh.json")
	code, stdout, stderr := runIn(t, "check", "--shipped", "--offline", "--format", "json", "-o", kept, "--format", "sarif="+fresh)
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout)
	assert.Equal(t, fs.FileMode(0o600), stat(t, kept).Mode().Perm())
	assert.Equal(t, 0o666&^processUmask, stat(t, fresh).Mode().Perm())
	assert.True(t, json.Valid(readFile(t, kept)))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary file is left behind")

	// "-" is standard output; a folder is an error (a pipe: TestOutputIntoAPipe).
	code, stdout, _ = runIn(t, "check", "--shipped", "--offline", "--output", "-")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "0 errors")
	code, _, stderr = runIn(t, "check", "--shipped", "--offline", "-o", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, dir)
}
