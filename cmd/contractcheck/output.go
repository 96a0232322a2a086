package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// writeOutput is the one output rule of every subcommand: "-" (or "") is
// standard output; an existing destination that is not a regular file (a
// pipe, /dev/stdout, a terminal) is written into; a regular file is replaced
// atomically (a temporary file in the same folder, synced and renamed), an
// existing one keeping its mode, a new one created with 0666 less the umask.
// On a failure the destination is left as it was.
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		bw := bufio.NewWriter(stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && !fi.Mode().IsRegular():
		if fi.IsDir() {
			return &fs.PathError{Op: "write", Path: path, Err: errors.New("is a folder")}
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		bw := bufio.NewWriter(f)
		err = write(bw)
		if err == nil {
			err = bw.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	mode := 0o666 &^ umask
	if err == nil {
		mode = fi.Mode().Perm()
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return replaceFile(path, buf.Bytes(), mode)
}

// replaceFile writes data to path through a temporary file in the same
// folder, with the given mode.
func replaceFile(path string, data []byte, mode fs.FileMode) (err error) {
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
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
