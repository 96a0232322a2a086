package main

import (
	"io"

	"github.com/atlascontract/deferwindow/internal/output"
)

// writeOutput writes what write produces to path by the output rule every
// subcommand follows (output.WriteFunc), as it is produced: "-" (or "") is
// standard output; an existing destination that is not a regular file (a
// pipe, a device) is written into; a regular file is replaced atomically,
// keeping its mode, a new one created with 0666 less the umask, and a
// failure leaves it as it was.
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" {
		path = "-"
	}
	return output.WriteFunc(path, stdout, write)
}
