// Package output writes what a command produces (a cassette, a fragment, a
// report) to the destination the user named, by one rule for every command,
// and refuses a destination that is one of the command's inputs.
package output

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Write writes data to the destination path names, by this rule:
//
//   - "-" or "" is stdout (os.Stdout when stdout is nil);
//   - an existing destination that is not a regular file (a FIFO, a device
//     such as /dev/null), and any path under /dev or /proc (/dev/stdout is
//     a link to the process's own output, whatever it is), is opened and
//     written into, appending;
//   - a regular file is replaced atomically: data goes to a temporary file
//     in the same folder, is synced, and is renamed over it, so a reader
//     never sees a partial file and a failed write leaves the previous one
//     intact. The file keeps its mode;
//   - a new file is created the same way, with mode 0666 less the umask;
//   - a symbolic link is followed: its target is written by the rules above,
//     and the link stays.
//
// On Windows, where a file cannot be replaced atomically, the rule differs
// in three places: a regular file is rewritten in place (truncated, then
// written: a reader may see a partial file and a failed write may leave
// one; the file keeps its attributes and permissions because it stays the
// same file); a new file gets the folder's inherited permissions (Windows
// has no umask); and a device or named pipe (NUL, \\.\pipe\name) is written
// into without appending, since Windows grants no plain write access to a
// pipe opened for appending. "-" and symbolic links behave as above.
//
// The folder must exist. Errors name path.
func Write(path string, stdout io.Writer, data []byte) error {
	return WriteFunc(path, stdout, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc writes what write produces to the destination path names, by
// Write's rule, as it is produced: a report of any size is never held
// whole. When write fails, a regular file is left as it was (on Windows, it
// may hold what was written); standard output, a pipe or a device has what
// was written before the failure.
func WriteFunc(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" || path == "" {
		if stdout == nil {
			stdout = os.Stdout
		}
		bw := bufio.NewWriter(stdout)
		if err := write(bw); err != nil {
			_ = bw.Flush() // what was written stays written; the first error is the one to report
			return err
		}
		return bw.Flush()
	}
	target := path
	fi, err := os.Stat(path) // follows links
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if lfi, lerr := os.Lstat(path); lerr == nil && lfi.Mode()&fs.ModeSymlink != 0 {
			// A link to a file yet to be made: create it through the link.
			return writeInto(path, write, os.O_CREATE)
		}
	case err != nil:
		return err
	case !fi.Mode().IsRegular() || underSystemFolder(path):
		return writeInto(path, write, 0)
	default:
		if target, err = filepath.EvalSymlinks(path); err != nil {
			return err
		}
	}
	if err := replaceFile(target, write); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// underSystemFolder reports whether path is under /dev or /proc. It is
// always false on Windows, where no absolute path starts with a slash.
func underSystemFolder(path string) bool {
	abs, err := filepath.Abs(path)
	return err == nil && (strings.HasPrefix(abs, "/dev/") || strings.HasPrefix(abs, "/proc/"))
}

// writeInto opens path for writing (appending where the platform allows,
// see writeIntoFlags), with the extra flags, and writes into it what write
// produces.
func writeInto(path string, write func(io.Writer) error, flags int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|writeIntoFlags|flags, 0o666)
	if err != nil {
		return err
	}
	return writeAndClose(f, write, false)
}

// writeAndClose writes into f what write produces, syncs it when asked
// (a device or a pipe cannot be), and closes it; the first error wins.
func writeAndClose(f *os.File, write func(io.Writer) error, sync bool) error {
	bw := bufio.NewWriter(f)
	err := write(bw)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if sync {
		if serr := f.Sync(); err == nil {
			err = serr
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
