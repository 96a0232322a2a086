package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/openapi"
)

const diffSynopsis = `usage: contractcheck diff [--named-after FIELD] [--old-gen DIR --new-gen DIR] [-o FILE] [--fail-on breaking] OLD NEW

Reports what a spec differ does not weigh for this module's importers: a
change of the operation's operationId or x-xgen-operation-id-override, of
which the one the generated names come from (--named-after) renames the
generated methods and types (breaking); and, given two generated trees,
which *.gen.go files differ. OLD and NEW are fragments (OpenAPI 3.0, one
operation each, as contractcheck extract writes them). Breaking and
non-breaking changes of the operation itself are oasdiff's to report (make
spec-update). Exit status: 0 done (or no breaking change with --fail-on
breaking), 1 a breaking change with --fail-on breaking, 2 usage or input
error.`

// Values of diff's --fail-on.
const (
	diffFailOnBreaking = "breaking"
	diffFailOnNone     = "none"
)

// diffFlags are diff's settings.
type diffFlags struct{ namedAfter, oldGen, newGen, output, failOn string }

// newDiffFlags defines diff's flags.
func newDiffFlags(stderr io.Writer) (*flag.FlagSet, *diffFlags) {
	fs := newFlagSet("contractcheck diff", diffSynopsis, stderr)
	f := &diffFlags{}
	fs.StringVar(&f.namedAfter, "named-after", "operationId", "the `field` the generated names come from: operationId or "+openapi.OperationIDOverrideExtension)
	fs.StringVar(&f.oldGen, "old-gen", "", "`directory` of the code generated from OLD (with --new-gen)")
	fs.StringVar(&f.newGen, "new-gen", "", "`directory` of the code generated from NEW (with --old-gen)")
	fs.StringVar(&f.output, "output", "", "write the report to this `file`; - is standard output (default: standard output)")
	fs.StringVar(&f.output, "o", "", "shorthand for --output `file`")
	fs.StringVar(&f.failOn, "fail-on", diffFailOnNone, "exit 1 on changes of this `class`: breaking, or none to report only")
	fs.Var(failOnBreakingFlag{&f.failOn}, "fail-on-breaking", "same as --fail-on breaking")
	return fs, f
}

// failOnBreakingFlag is --fail-on-breaking, kept for scripts written
// before --fail-on: it sets --fail-on to breaking (=false: to none).
type failOnBreakingFlag struct{ failOn *string }

func (b failOnBreakingFlag) String() string {
	return strconv.FormatBool(b.failOn != nil && *b.failOn == diffFailOnBreaking)
}

func (b failOnBreakingFlag) Set(v string) error {
	on, err := strconv.ParseBool(v)
	if err != nil {
		return err
	}
	*b.failOn = diffFailOnNone
	if on {
		*b.failOn = diffFailOnBreaking
	}
	return nil
}

// IsBoolFlag lets --fail-on-breaking stand alone.
func (failOnBreakingFlag) IsBoolFlag() bool { return true }

// runDiff is `contractcheck diff OLD NEW`.
func runDiff(args []string, stdout, stderr io.Writer) int {
	fs, f := newDiffFlags(stderr)
	files, code, ok := parseFlags(fs, args, stderr)
	if !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		_, _ = fmt.Fprintf(stderr, "contractcheck diff: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case len(files) != 2:
		return usageErr("want two files, OLD and NEW; got %d\n%s", len(files), diffSynopsis)
	case (f.oldGen == "") != (f.newGen == ""):
		return usageErr("--old-gen and --new-gen go together")
	case f.failOn != diffFailOnBreaking && f.failOn != diffFailOnNone:
		return usageErr("--fail-on: want %s or %s, not %q (diff tells breaking changes from non-breaking ones)", diffFailOnBreaking, diffFailOnNone, f.failOn)
	}
	fail := func(err error) int {
		_, _ = fmt.Fprintf(stderr, "contractcheck diff: %v\n", err)
		return exitUsage
	}

	oldName, newName := files[0], files[1]
	renames, err := renamesOf(oldName, newName, f.namedAfter)
	if err != nil {
		return fail(err)
	}
	var b bytes.Buffer
	breaking := 0
	fmt.Fprintf(&b, "names of the operation (%s -> %s):\n", oldName, newName)
	if len(renames) == 0 {
		b.WriteString("  unchanged\n")
	}
	for _, r := range renames {
		kind := "non-breaking"
		if r.Breaking {
			kind = "breaking"
			breaking++
		}
		fmt.Fprintf(&b, "  %s: %s\n", kind, r)
	}
	if f.oldGen != "" {
		changed, err := generatedChanges(f.oldGen, f.newGen)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(&b, "generated code (%s -> %s):\n", f.oldGen, f.newGen)
		if len(changed) == 0 {
			b.WriteString("  unchanged\n")
		}
		for _, c := range changed {
			fmt.Fprintf(&b, "  %s\n", c)
		}
	}
	fmt.Fprintf(&b, "summary: %d breaking for importers\n", breaking)

	if err := writeOutput(f.output, stdout, func(w io.Writer) error {
		_, err := w.Write(b.Bytes())
		return err
	}); err != nil {
		return fail(fmt.Errorf("writing the report: %w", err))
	}
	if f.failOn == diffFailOnBreaking && breaking > 0 {
		return exitFindings
	}
	return exitOK
}

// renamesOf loads both fragments and compares the operation's names; errors
// name the file they are about.
func renamesOf(oldName, newName, namedAfter string) ([]openapi.Rename, error) {
	load := func(name string) (*openapi3.T, error) {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err // *fs.PathError names the file
		}
		return openapi.LoadData(data, name)
	}
	oldDoc, err := load(oldName)
	if err != nil {
		return nil, err
	}
	newDoc, err := load(newName)
	if err != nil {
		return nil, err
	}
	renames, err := openapi.Renames(oldDoc, newDoc, namedAfter)
	if nf := (*openapi.NotAFragmentError)(nil); errors.As(err, &nf) {
		name := oldName
		if nf.Side == "new" {
			name = newName
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return renames, err
}

// generatedChanges lists the *.gen.go files under oldDir and newDir that
// differ, each as "added PATH", "removed PATH" or "modified PATH", PATH
// relative to the directory, sorted by path.
func generatedChanges(oldDir, newDir string) ([]string, error) {
	oldFiles, err := readGenerated(oldDir)
	if err != nil {
		return nil, err
	}
	newFiles, err := readGenerated(newDir)
	if err != nil {
		return nil, err
	}
	paths := slices.Collect(maps.Keys(oldFiles))
	for p := range newFiles {
		if _, ok := oldFiles[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var out []string
	for _, p := range paths {
		o, inOld := oldFiles[p]
		n, inNew := newFiles[p]
		switch {
		case !inOld:
			out = append(out, "added "+p)
		case !inNew:
			out = append(out, "removed "+p)
		case !bytes.Equal(o, n):
			out = append(out, "modified "+p)
		}
	}
	return out, nil
}

// readGenerated reads every *.gen.go file under dir, keyed by its slash path
// relative to dir.
func readGenerated(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".gen.go") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	return files, err
}
