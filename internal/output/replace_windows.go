package output

import "github.com/google/renameio/v2/maybe"

// writeIntoFlags are the flags a destination that is written into is
// opened with: none, because os.OpenFile on Windows turns O_APPEND into an
// access mask without FILE_WRITE_DATA, which a named pipe needs to be
// written at all; devices and pipes have no offset to append at anyway.
const writeIntoFlags = 0

// replaceFile writes the regular file path with renameio's maybe.WriteFile,
// which on Windows is os.WriteFile: not atomic, because Windows does not
// promise that a rename over an existing file is (google/renameio#1,
// golang/go#22397). The file is truncated and written in place, so it keeps
// its attributes and permissions; a new file gets the folder's inherited
// permissions.
func replaceFile(path string, data []byte) error {
	return maybe.WriteFile(path, data, 0o666)
}
