//go:build unix

// These tests need Unix: FIFOs (syscall.Mkfifo), /dev/null, the process
// umask (syscall.Umask), permission bits beyond Windows' read-only flag, an
// atomic rename over an existing file, and symbolic links, which Windows
// creates only with Developer Mode or an administrator's privilege.

package output_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/internal/output"
)

func TestWriteReplacesARegularFileKeepingItsMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	require.NoError(t, os.WriteFile(path, []byte("a much longer previous content"), 0o600))
	require.NoError(t, os.Chmod(path, 0o640))
	before, err := os.Stat(path)
	require.NoError(t, err)

	require.NoError(t, output.Write(path, nil, []byte("new")))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new", string(data))
	after, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), after.Mode().Perm(), "the mode is kept")
	assert.False(t, os.SameFile(before, after), "replaced by a rename, not rewritten in place")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

func TestWriteNewFileHonoursTheUmask(t *testing.T) {
	// Not parallel: it sets the process umask.
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "fragment.yaml")
	require.NoError(t, output.Write(path, nil, []byte("x")))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm())
}

func TestWriteFollowsASymlinkAndKeepsIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "real.yaml")
	link := filepath.Join(dir, "link.yaml")
	require.NoError(t, os.WriteFile(target, []byte("old"), 0o644))
	require.NoError(t, os.Symlink(target, link))
	require.NoError(t, output.Write(link, nil, []byte("new")))
	data, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.Equal(t, "new", string(data))
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&os.ModeSymlink, "the link is still a link")

	dangling := filepath.Join(dir, "dangling.yaml")
	require.NoError(t, os.Symlink(filepath.Join(dir, "later.yaml"), dangling))
	require.NoError(t, output.Write(dangling, nil, []byte("created")))
	data, err = os.ReadFile(filepath.Join(dir, "later.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "created", string(data))
}

func TestWriteIntoAFIFOAndDevNull(t *testing.T) {
	t.Parallel()
	require.NoError(t, output.Write(os.DevNull, nil, []byte("discarded")))
	fi, err := os.Stat(os.DevNull)
	require.NoError(t, err)
	assert.False(t, fi.Mode().IsRegular(), "/dev/null is still a device")

	fifo := filepath.Join(t.TempDir(), "pipe")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		defer func() { _ = f.Close() }() // opened for reading
		var b bytes.Buffer
		_, _ = b.ReadFrom(f)
		got <- b.Bytes()
	}()
	require.NoError(t, output.Write(fifo, nil, []byte("through the pipe")))
	assert.Equal(t, "through the pipe", string(<-got))
	fi, err = os.Lstat(fifo)
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&os.ModeNamedPipe, "the FIFO is not replaced by a file")
}

func TestCheckNotInputThroughSymlinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recording := filepath.Join(dir, "recordings", "defer.yaml")
	require.NoError(t, os.Mkdir(filepath.Dir(recording), 0o755))
	require.NoError(t, os.WriteFile(recording, []byte("kept"), 0o644))
	fileLink := filepath.Join(dir, "out.yaml")
	require.NoError(t, os.Symlink(recording, fileLink))
	folderLink := filepath.Join(dir, "recs")
	require.NoError(t, os.Symlink("recordings", folderLink))
	relative := filepath.Join(folderLink, "defer.yaml")

	for _, tc := range []struct{ out, in string }{
		{fileLink, recording}, // the output is a link to the input
		{recording, fileLink}, // the input was given through a link
		{relative, recording}, // a linked folder
		{fileLink, relative},  // links on both sides
	} {
		err := output.CheckNotInput(tc.out, []string{tc.in})
		var inputErr *output.InputError
		require.True(t, errors.As(err, &inputErr), "%s over %s: %v", tc.out, tc.in, err)
		assert.Equal(t, tc.in, inputErr.Input)
	}

	dangling := filepath.Join(dir, "dangling.yaml")
	require.NoError(t, os.Symlink(filepath.Join(dir, "later.yaml"), dangling))
	assert.NoError(t, output.CheckNotInput(dangling, []string{recording}), "a link to a file not made yet replaces nothing")
}

func TestCheckNotInputAcceptsPipesAndDevices(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "pipe")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	// Write writes into these instead of replacing them; /dev/stdout and
	// /dev/stdin are the same terminal in an interactive run.
	assert.NoError(t, output.CheckNotInput(fifo, []string{fifo}))
	assert.NoError(t, output.CheckNotInput(os.DevNull, []string{os.DevNull}))
}

func TestCheckNotInputNamesAnOutputItCannotExamine(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	out := filepath.Join(file, "report.json") // under a file, not a folder
	err := output.CheckNotInput(out, []string{file})
	require.EqualError(t, err, "output "+out+": not a directory")
	var inputErr *output.InputError
	assert.False(t, errors.As(err, &inputErr), "not an input: an output that cannot be written")
}
