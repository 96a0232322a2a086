package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/internal/output"
	"github.com/atlascontract/deferwindow/openapi"
)

const diffUsage = `usage: contractcheck diff [--operation ID] [--format text|json] [-o FILE] [--fail-on-breaking] OLD NEW

Prints what changed for the operation between OLD and NEW, each a fragment or
a whole upstream spec (OpenAPI 3.0, YAML or JSON), split into breaking and
non-breaking changes. Exit status: 0 done (or no breaking change with
--fail-on-breaking), 1 breaking changes with --fail-on-breaking, 2 usage or
input error.

flags:
`

// runDiff is `contractcheck diff OLD NEW`.
func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("contractcheck diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	op := fs.String("operation", "deferGroupMaintenanceWindow", "operationId or x-xgen-operation-id-override of the operation to compare; a side that has neither is matched by method and path")
	format := fs.String("format", "text", "output `format`: text or json")
	out := fs.String("o", "", "write the report to `file` (default: standard output)")
	failOnBreaking := fs.Bool("fail-on-breaking", false, "exit 1 when there is a breaking change")
	fs.Usage = func() {
		fmt.Fprint(stderr, diffUsage)
		fs.PrintDefaults()
	}

	files, err := parseInterspersed(fs, args)
	if err != nil {
		return parseFailure(err)
	}
	if len(files) != 2 {
		fmt.Fprintf(stderr, "contractcheck diff: want two files, OLD and NEW; got %d\n", len(files))
		fs.Usage()
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "contractcheck diff: --format %q: want text or json\n", *format)
		return exitUsage
	}

	oldName, newName := files[0], files[1]
	oldDoc, err := loadSpecFile(oldName)
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck diff: %v\n", err)
		return exitUsage
	}
	newDoc, err := loadSpecFile(newName)
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck diff: %v\n", err)
		return exitUsage
	}

	report, err := openapi.Diff(oldDoc, newDoc, *op)
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck diff: %s\n", diffErrorInFile(err, oldName, newName))
		return exitUsage
	}

	var buf bytes.Buffer
	if *format == "json" {
		err = report.WriteJSON(&buf)
	} else {
		err = report.WriteText(&buf, oldName, newName)
	}
	if err == nil {
		if *out == "" {
			_, err = stdout.Write(buf.Bytes())
		} else {
			err = output.Write(*out, stdout, buf.Bytes())
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck diff: writing the report: %v\n", err)
		return exitUsage
	}
	if *failOnBreaking && report.HasBreaking() {
		return exitFindings
	}
	return exitOK
}

// loadSpecFile reads and loads one side of a diff; errors name the file.
func loadSpecFile(name string) (*openapi3.T, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err // *fs.PathError names the file
	}
	return openapi.LoadForDiff(data, name)
}

// diffErrorInFile says which file a pairing error is about.
func diffErrorInFile(err error, oldName, newName string) string {
	file := ""
	var nf *openapi.OperationNotFoundError
	var amb *openapi.AmbiguousOperationError
	switch {
	case errors.As(err, &nf):
		file = sideFile(nf.Side, oldName, newName)
		if nf.Method == "" {
			file = oldName + " and " + newName
		}
	case errors.As(err, &amb):
		file = sideFile(amb.Side, oldName, newName)
	}
	if file == "" {
		return err.Error()
	}
	return file + ": " + err.Error()
}

func sideFile(side, oldName, newName string) string {
	if strings.EqualFold(side, "new") {
		return newName
	}
	return oldName
}
