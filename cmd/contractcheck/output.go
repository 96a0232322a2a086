package main

import (
	"bytes"
	"io"

	"github.com/atlascontract/deferwindow/internal/output"
)

// writeOutput writes what write produces to path by the output rule every
// subcommand follows (output.Write): "-" (or "") is standard output; an
// existing destination that is not a regular file (a pipe, a device) is
// written into; a regular file is replaced atomically, keeping its mode, a
// new one created with 0666 less the umask. The whole output is produced
// before the destination is touched, so a failure leaves it as it was.
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	if path == "" {
		path = "-"
	}
	return output.Write(path, stdout, buf.Bytes())
}
