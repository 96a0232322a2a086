package recording

import (
	"os"
	"path/filepath"
)

// fileOps are the file system calls of an atomic write; tests replace them to
// make a step fail.
type fileOps struct {
	write  func(f *os.File, data []byte) error
	rename func(oldpath, newpath string) error
}

var osFiles = fileOps{
	write: func(f *os.File, data []byte) error {
		_, err := f.Write(data)
		return err
	},
	rename: os.Rename,
}

// writeAtomic writes data to a temporary file next to path, syncs it, and
// renames it over path. On any failure the temporary file is removed and path
// is left as it was.
func writeAtomic(path string, data []byte, ops fileOps) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = ops.write(f, data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = ops.rename(tmp, path); err != nil {
		return err
	}
	// Make the rename itself durable; a folder that cannot be synced is not
	// an error for the cassette.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// folder, synced and renamed into place, so an interrupted write never
// leaves a truncated file and a failed one leaves path as it was. Save uses
// it for cassettes; the CLI for fragments and reports.
func WriteFileAtomic(path string, data []byte) error {
	return writeAtomic(path, data, osFiles)
}
