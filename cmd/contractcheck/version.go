package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/internal/output"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the module version and the SHA-256 of the fragment it judges against (also --version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := output.WriteFunc("-", cmd.OutOrStdout(), writeVersion); err != nil {
				return usageError("writing the version: %w", err)
			}
			return nil
		},
	}
}

// versionText is what --version prints: what the version command writes.
func versionText() string {
	var b strings.Builder
	if err := writeVersion(&b); err != nil {
		return "contractcheck: " + err.Error() + "\n"
	}
	return b.String()
}

// writeVersion writes the version: the module version from the build
// information, the embedded fragment's SHA-256, the Go release and the
// platform.
func writeVersion(w io.Writer) error {
	tool := contract.Tool()
	spec, err := contract.DefaultSpec()
	if err != nil {
		return err
	}
	info := spec.Info()
	_, err = fmt.Fprintf(w, "%s %s, module %s\nfragment %s sha256 %s\n%s %s/%s\n",
		tool.Name, tool.Version, contract.ModulePath, info.Name, info.SHA256, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
