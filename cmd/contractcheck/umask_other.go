//go:build !unix

package main

import "io/fs"

// umask is the conventional mask where the system has none to read.
const umask fs.FileMode = 0o022
