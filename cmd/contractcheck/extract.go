package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/atlascontract/deferwindow/openapi"
)

const extractSynopsis = `usage: contractcheck extract --from FILE [--operation ID] [--overlay FILE] [-o FILE]

Extracts one operation from an upstream OpenAPI 3.0 document (YAML or JSON,
possibly gzip-compressed) into a fragment (the operation, the components it
references and its provenance), applying an OpenAPI Overlay 1.0 of errata
when given. What upstream gets wrong but does not stop the extraction (an
example that does not match its schema) is a warning on standard error.`

// extractFlags are extract's settings.
type extractFlags struct{ from, operation, overlay, output string }

// newExtractFlags defines extract's flags.
func newExtractFlags(stderr io.Writer) (*flag.FlagSet, *extractFlags) {
	fs := newFlagSet("contractcheck extract", extractSynopsis, stderr)
	f := &extractFlags{}
	fs.StringVar(&f.from, "from", "", "the upstream OpenAPI 3.0 document (YAML or JSON, possibly gzip) `file` (required)")
	fs.StringVar(&f.operation, "operation", "deferGroupMaintenanceWindow", "the operationId (or x-xgen-operation-id-override) of the operation to extract")
	fs.StringVar(&f.overlay, "overlay", "", "OpenAPI Overlay 1.0 `file` of errata to apply to the fragment")
	fs.StringVar(&f.output, "output", "", "write the fragment to this `file`; - is standard output (default: standard output)")
	fs.StringVar(&f.output, "o", "", "shorthand for --output `file`")
	return fs, f
}

func runExtract(args []string, stdout, stderr io.Writer) int {
	fs, f := newExtractFlags(stderr)
	rest, code, ok := parseFlags(fs, args, stderr)
	if !ok {
		return code
	}
	fail := func(err error) int {
		_, _ = fmt.Fprintf(stderr, "contractcheck extract: %v\n", err)
		return exitUsage
	}
	switch {
	case len(rest) > 0:
		return fail(fmt.Errorf("unexpected argument %q (the upstream document is --from FILE)", rest[0]))
	case f.from == "":
		return fail(errors.New("--from FILE is required: the upstream OpenAPI document"))
	}
	upstream, err := readUpstream(f.from)
	if err != nil {
		return fail(err)
	}
	opts := openapi.ExtractOptions{OperationID: f.operation, UpstreamName: f.from}
	if f.overlay != "" {
		if opts.Overlay, err = os.ReadFile(f.overlay); err != nil {
			return fail(err)
		}
		opts.OverlayName = f.overlay
	}
	fragment, warnings, err := openapi.Extract(upstream, opts)
	if err != nil {
		return fail(err)
	}
	for _, w := range warnings {
		msgf(stderr, "contractcheck extract: warning: %s\n", w)
	}
	if err := writeOutput(f.output, stdout, func(w io.Writer) error {
		_, err := w.Write(fragment)
		return err
	}); err != nil {
		return fail(fmt.Errorf("writing the fragment: %w", err))
	}
	return exitOK
}

// maxUpstream bounds the upstream document read, decompressed: MongoDB's
// published spec is 4 MB.
const maxUpstream = 64 << 20

// readUpstream reads the upstream document, decompressing it when it is
// gzip (its magic number).
func readUpstream(name string) ([]byte, error) {
	data, err := os.ReadFile(name) // a *fs.PathError names the file
	if err != nil || len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxUpstream+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: decompressing: %w", name, err)
	case len(out) > maxUpstream:
		return nil, fmt.Errorf("%s: decompressed, the document is over %d MB", name, maxUpstream>>20)
	}
	return out, nil
}
