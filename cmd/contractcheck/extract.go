package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/atlascontract/deferwindow/internal/output"
	"github.com/atlascontract/deferwindow/openapi"
)

func runExtract(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("contractcheck extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "upstream OpenAPI 3.0 document (YAML or JSON) `file`")
	op := fs.String("operation", "deferGroupMaintenanceWindow", "operationId (or x-xgen-operation-id-override) to extract")
	overlayPath := fs.String("overlay", "", "OpenAPI Overlay 1.0 `file` of errata to apply to the fragment")
	out := fs.String("o", "", "write the fragment to `file` (default: standard output)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: contractcheck extract --from FILE [--operation ID] [--overlay FILE] [-o FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseFailure(err)
	}
	if *from == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	upstream, err := os.ReadFile(*from)
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck extract: %v\n", err)
		return exitUsage
	}
	opts := openapi.ExtractOptions{OperationID: *op, UpstreamName: *from}
	if *overlayPath != "" {
		if opts.Overlay, err = os.ReadFile(*overlayPath); err != nil {
			fmt.Fprintf(stderr, "contractcheck extract: %v\n", err)
			return exitUsage
		}
		opts.OverlayName = *overlayPath
	}
	fragment, err := openapi.Extract(upstream, opts)
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck extract: %v\n", err)
		return exitUsage
	}
	if *out == "" {
		_, err = stdout.Write(fragment)
	} else {
		err = output.Write(*out, stdout, fragment)
	}
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck extract: %v\n", err)
		return exitUsage
	}
	return exitOK
}
