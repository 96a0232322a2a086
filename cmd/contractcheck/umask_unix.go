//go:build unix

package main

import (
	"io/fs"
	"syscall"
)

// umask is the process's file mode creation mask, read once at start (the
// only way to read it is to set it), before any file is created.
var umask = func() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}()
