package output

import (
	"io"
	"os"
)

// writeIntoFlags are the flags a destination that is written into is
// opened with: none, because os.OpenFile on Windows turns O_APPEND into an
// access mask without FILE_WRITE_DATA, which a named pipe needs to be
// written at all; devices and pipes have no offset to append at anyway.
const writeIntoFlags = 0

// replaceFile writes the regular file path in place, as renameio's
// maybe.WriteFile does on Windows: not atomically, because Windows does not
// promise that a rename over an existing file is (google/renameio#1,
// golang/go#22397). The file is truncated and written, so it keeps its
// attributes and permissions; a new file gets the folder's inherited
// permissions.
func replaceFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return err
	}
	return writeAndClose(f, write, true)
}
