package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/spf13/cobra"

	"github.com/atlascontract/deferwindow/internal/output"
	"github.com/atlascontract/deferwindow/internal/safetext"
	"github.com/atlascontract/deferwindow/openapi"
)

const diffLong = `Reports what oasdiff does not weigh for importers: a change of the operationId or
x-xgen-operation-id-override of the fragments OLD and NEW (breaking for the field
--named-after) and, given two generated trees, which *.gen.go files differ.
The fragments load as extract validates those it writes: an example that does not
match its schema (upstream's own) is a warning on standard error.
Exit status: 0 done, 1 a breaking change with --fail-on breaking, 2 usage or input error.`

// diffFlags are diff's settings.
type diffFlags struct{ namedAfter, oldGen, newGen, output, failOn string }

func newDiffCommand() *cobra.Command {
	f := &diffFlags{}
	cmd := &cobra.Command{
		Use:   "diff [flags] OLD NEW",
		Short: "Report the operation's renames and the changed generated files between two fragments",
		Long:  diffLong,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError("want two files, OLD and NEW; got %d", len(args))
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.namedAfter, "named-after", "operationId", "the `field` the generated names come from: operationId or "+openapi.OperationIDOverrideExtension)
	fs.StringVar(&f.oldGen, "old-gen", "", "`directory` of the code generated from OLD (with --new-gen)")
	fs.StringVar(&f.newGen, "new-gen", "", "`directory` of the code generated from NEW (with --old-gen)")
	fs.StringVarP(&f.output, "output", "o", "", "write the report to this `file`; - is standard output (default: standard output)")
	fs.StringVar(&f.failOn, "fail-on", "none", "exit 1 on changes of this `class`: breaking, or none to report only")
	cmd.MarkFlagsRequiredTogether("old-gen", "new-gen")
	cmd.RunE = func(cmd *cobra.Command, files []string) error { return runDiff(cmd, f, files) }
	return cmd
}

// runDiff is `contractcheck diff OLD NEW`. It reads everything before it
// writes the report, so an input error leaves no report.
func runDiff(cmd *cobra.Command, f *diffFlags, files []string) error {
	if f.failOn != "breaking" && f.failOn != "none" {
		return usageError("--fail-on: want breaking or none, not %q", f.failOn)
	}
	if err := output.CheckNotInput(f.output, files); err != nil {
		return usageError("%w", err)
	}
	var ops [2]*openapi3.Operation
	var warnings []string
	for i, file := range files {
		data, err := os.ReadFile(file) // a *fs.PathError names the file
		var ws []openapi.Warning
		if err == nil {
			ops[i], ws, err = openapi.LoadOperation(data, file)
		}
		if err != nil {
			return usageError("%w", err)
		}
		for _, w := range ws {
			warnings = append(warnings, file+": "+w.String())
		}
	}
	renames, err := openapi.Renames(ops[0], ops[1], f.namedAfter)
	var changed []string
	if err == nil && f.oldGen != "" {
		changed, err = generatedChanges(f.oldGen, f.newGen)
	}
	if err != nil {
		return usageError("%w", err)
	}
	for _, w := range warnings {
		msgf(cmd.ErrOrStderr(), "contractcheck diff: warning: %s\n", safetext.EscapeControl(w))
	}
	var names []string
	breaking := 0
	for _, r := range renames {
		names = append(names, r.String())
		if r.Breaking {
			breaking++
		}
	}
	err = output.WriteFunc(f.output, cmd.OutOrStdout(), func(w io.Writer) error {
		section(w, "names of the operation", files[0], files[1], names)
		if f.oldGen != "" {
			section(w, "generated code", f.oldGen, f.newGen, changed)
		}
		_, err := fmt.Fprintf(w, "summary: %d breaking for importers among the names\n", breaking)
		return err
	})
	if err != nil {
		return usageError("writing the report: %w", err)
	}
	if f.failOn == "breaking" && breaking > 0 {
		return exitWith(exitFindings)
	}
	return nil
}

// section writes one part of diff's report: what it compares, then its
// lines, or "unchanged".
func section(w io.Writer, title, from, to string, lines []string) {
	if len(lines) == 0 {
		lines = []string{"unchanged"}
	}
	msgf(w, "%s (%s -> %s):\n  %s\n", title, from, to, strings.Join(lines, "\n  "))
}

// generatedChanges lists the *.gen.go files that differ between the trees
// oldDir and newDir, sorted: "added PATH", "modified PATH", "removed PATH",
// PATH relative to the tree. Each tree must be a directory holding Go
// files: a file, or a directory without any, is an error that names it,
// never a report of every file added or removed.
func generatedChanges(oldDir, newDir string) ([]string, error) {
	var trees [2]map[string]string // slash path -> content
	for i, dir := range []string{oldDir, newDir} {
		flag := [2]string{"--old-gen", "--new-gen"}[i]
		info, err := os.Stat(dir) // a *fs.PathError names the directory
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("%s %s: not a directory (want the directory of the generated Go code)", flag, dir)
		}
		trees[i] = map[string]string{}
		goFiles := 0
		err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
				goFiles++
			}
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".gen.go") {
				return err
			}
			data, err := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path) // path is under dir
			trees[i][filepath.ToSlash(rel)] = string(data)
			return err
		})
		if err != nil {
			return nil, err
		}
		if goFiles == 0 {
			return nil, fmt.Errorf("%s %s: no Go files in the directory (want the directory of the generated Go code)", flag, dir)
		}
	}
	var out []string
	for p, n := range trees[1] {
		if o, ok := trees[0][p]; !ok {
			out = append(out, "added "+p)
		} else if o != n {
			out = append(out, "modified "+p)
		}
	}
	for p := range trees[0] {
		if _, ok := trees[1][p]; !ok {
			out = append(out, "removed "+p)
		}
	}
	slices.Sort(out)
	return out, nil
}
