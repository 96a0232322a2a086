package output_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/internal/output"
)

// The tests of what only Unix has (FIFOs, /dev, the umask, file modes,
// symbolic links without privileges) are in output_unix_test.go.

func TestWriteDashIsStdout(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, output.Write("-", &out, []byte("hello")))
	assert.Equal(t, "hello", out.String())
}

func TestWriteReplacesTheContentOfARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	require.NoError(t, os.WriteFile(path, []byte("a much longer previous content"), 0o644))
	require.NoError(t, output.Write(path, nil, []byte("new")))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new", string(data), "nothing of the longer previous content is left")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

func TestWriteFailureLeavesThePreviousFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	err := output.Write(filepath.Join(dir, "missing", "out.json"), nil, []byte("x"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "missing", "out.json"))
	_, serr := os.Stat(filepath.Join(dir, "missing"))
	assert.True(t, os.IsNotExist(serr), "no folder is created")

	// A folder cannot be replaced by a file: the write fails and the folder
	// and the files beside it stay.
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	require.Error(t, output.Write(sub, nil, []byte("x")))
	fi, err := os.Stat(sub)
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}
