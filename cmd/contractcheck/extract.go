package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/atlascontract/deferwindow/internal/output"
	"github.com/atlascontract/deferwindow/internal/safetext"
	"github.com/atlascontract/deferwindow/openapi"
)

const extractLong = `Extracts one operation from an upstream OpenAPI 3.0 document (YAML or JSON,
possibly gzip-compressed) into a fragment (the operation, the components it
references and its provenance), applying an OpenAPI Overlay 1.0 of errata
when given. What upstream gets wrong but does not stop the extraction (an
example that does not match its schema) is a warning on standard error.`

// extractFlags are extract's settings.
type extractFlags struct{ from, operation, overlay, output string }

func newExtractCommand() *cobra.Command {
	f := &extractFlags{}
	cmd := &cobra.Command{
		Use:     "extract --from FILE [--operation ID] [--overlay FILE] [-o FILE]",
		Short:   "Extract one operation from an upstream spec into a fragment",
		Long:    extractLong,
		Example: "  contractcheck extract --from openapi/upstream/v2.yaml.gz --operation deferGroupMaintenanceWindow --overlay openapi/errata.overlay.yaml -o openapi/fragment.yaml",
		Args:    cobra.NoArgs,
	}
	fs := cmd.Flags()
	fs.StringVar(&f.from, "from", "", "the upstream OpenAPI 3.0 document (YAML or JSON, possibly gzip) `file` (required)")
	fs.StringVar(&f.operation, "operation", "deferGroupMaintenanceWindow", "the operationId (or x-xgen-operation-id-override) of the operation to extract")
	fs.StringVar(&f.overlay, "overlay", "", "OpenAPI Overlay 1.0 `file` of errata to apply to the fragment")
	fs.StringVarP(&f.output, "output", "o", "", "write the fragment to this `file`; - is standard output (default: standard output)")
	_ = cmd.MarkFlagRequired("from")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return runExtract(cmd, f) }
	return cmd
}

func runExtract(cmd *cobra.Command, f *extractFlags) error {
	if err := output.CheckNotInput(f.output, []string{f.from, f.overlay}); err != nil {
		return usageError("%w", err)
	}
	upstream, err := readUpstream(f.from)
	if err != nil {
		return usageError("%w", err)
	}
	opts := openapi.ExtractOptions{OperationID: f.operation, UpstreamName: f.from}
	if f.overlay != "" {
		if opts.Overlay, err = os.ReadFile(f.overlay); err != nil {
			return usageError("%w", err)
		}
		opts.OverlayName = f.overlay
	}
	fragment, warnings, err := openapi.Extract(upstream, opts)
	if err != nil {
		return usageError("%w", err)
	}
	for _, w := range warnings {
		msgf(cmd.ErrOrStderr(), "contractcheck extract: warning: %s\n", safetext.EscapeControl(w.String()))
	}
	if err := output.Write(f.output, cmd.OutOrStdout(), fragment); err != nil {
		return usageError("writing the fragment: %w", err)
	}
	return nil
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
