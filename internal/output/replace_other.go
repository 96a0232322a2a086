//go:build !windows

package output

import (
	"bufio"
	"io"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// writeIntoFlags are the flags a destination that is written into is
// opened with: appending, so that /dev/stdout redirected to a file (which
// opens that file again, at offset 0) adds to it instead of overwriting it.
const writeIntoFlags = os.O_APPEND

// replaceFile replaces or creates the regular file path atomically: a
// temporary file in the same folder, synced, then renamed over path
// (renameio). An existing file keeps its mode; a new one gets 0666 less
// the umask.
func replaceFile(path string, write func(io.Writer) error) error {
	t, err := renameio.NewPendingFile(path, renameio.WithPermissions(0o666), renameio.WithExistingPermissions(), renameio.WithTempDir(filepath.Dir(path)))
	if err != nil {
		return err
	}
	defer func() { _ = t.Cleanup() }() // removes the temporary file unless it replaced path
	bw := bufio.NewWriter(t)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return t.CloseAtomicallyReplace()
}
