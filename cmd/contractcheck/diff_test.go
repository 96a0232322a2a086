package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/openapi"
)

// diffIn runs `contractcheck diff` in-process.
func diffIn(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runContext(context.Background(), append([]string{"diff"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// specFiles writes the committed fragment and variants of it to a temporary
// directory: same.yaml (unchanged), renamed.yaml (a new operationId),
// override.yaml (only the override changed) and generated trees old/ and new/
// whose client.gen.go differs.
func specFiles(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	frag := string(openapi.Fragment)
	const id = "            operationId: deferGroupMaintenanceWindow"
	const override = "x-xgen-operation-id-override: deferMaintenanceWindow"
	require.Contains(t, frag, id)
	require.Contains(t, frag, override)
	for name, data := range map[string]string{
		"fragment.yaml":          frag,
		"same.yaml":              frag,
		"renamed.yaml":           strings.Replace(frag, id, "            operationId: deferProjectMaintenanceWindow", 1),
		"override.yaml":          strings.Replace(frag, override, "x-xgen-operation-id-override: deferWindow", 1),
		"notopenapi.yaml":        "just: some yaml\n",
		"badexample.yaml":        "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\npaths:\n  /things:\n    post:\n      operationId: createThing\n      requestBody: {content: {application/json: {schema: {type: object, properties: {n: {type: integer}}}, example: {n: \"NaN\"}}}}\n      responses: {\"200\": {description: OK}}\n",
		"two.yaml":               "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\npaths:\n  /things:\n    get: {responses: {\"200\": {description: OK}}}\n    post: {responses: {\"200\": {description: OK}}}\n",
		"old/client.gen.go":      "package atlas\n",
		"old/spec.gen.go":        "package atlas\n",
		"old/gone.gen.go":        "package atlas\n",
		"old/client.go":          "package atlas // hand-written\n",
		"new/client.gen.go":      "package atlas\n\nfunc New() {}\n",
		"new/spec.gen.go":        "package atlas\n",
		"new/internal/x.gen.go":  "package x\n",
		"new/client.go":          "package atlas // hand-written, changed\n",
		"same/client.gen.go":     "package atlas\n",
		"same/spec.gen.go":       "package atlas\n",
		"same/gone.gen.go":       "package atlas\n",
		"same/client.go":         "package atlas\n",
		"same/README.md":         "not generated\n",
		"same/internal/.keep":    "",
		"same/internal/y.gen.gx": "",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
	return dir
}

func TestDiffExitCodesAndReport(t *testing.T) {
	t.Parallel()
	dir := specFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name string
		args []string
		code int
		// out and errOut must each contain these.
		out, errOut []string
	}{
		{"no changes", []string{"--fail-on", "breaking", f("fragment.yaml"), f("same.yaml")}, exitOK,
			[]string{"names of the operation (" + f("fragment.yaml") + " -> " + f("same.yaml") + "):\n  unchanged\n", "summary: 0 breaking for importers among the names"}, nil},
		{"operationId renamed, reported only", []string{f("fragment.yaml"), f("renamed.yaml")}, exitOK,
			[]string{`  breaking: operationId changed from "deferGroupMaintenanceWindow" to "deferProjectMaintenanceWindow": the generated client names its methods and types after it, so they are renamed` + "\n", "summary: 1 breaking for importers among the names"}, nil},
		{"operationId renamed, failing on breaking", []string{f("fragment.yaml"), f("renamed.yaml"), "--fail-on", "breaking"}, exitFindings, []string{"breaking: operationId changed"}, nil},
		{"override changed is not breaking", []string{"--fail-on", "breaking", f("fragment.yaml"), f("override.yaml")}, exitOK,
			[]string{`  non-breaking: x-xgen-operation-id-override changed from "deferMaintenanceWindow" to "deferWindow"`, "summary: 0 breaking"}, nil},
		{"names from the override", []string{"--fail-on", "breaking", "--named-after", "x-xgen-operation-id-override", f("fragment.yaml"), f("override.yaml")}, exitFindings,
			[]string{`  breaking: x-xgen-operation-id-override changed from "deferMaintenanceWindow" to "deferWindow"`}, nil},
		{"names from the override, operationId renamed", []string{"--fail-on", "breaking", "--named-after", "x-xgen-operation-id-override", f("fragment.yaml"), f("renamed.yaml")}, exitOK,
			[]string{`  non-breaking: operationId changed`}, nil},
		{"names from elsewhere", []string{"--named-after", "summary", f("fragment.yaml"), f("same.yaml")}, exitUsage, nil, []string{`not "summary"`}},
		{"generated code changed", []string{"--old-gen", f("old"), "--new-gen", f("new"), f("fragment.yaml"), f("same.yaml")}, exitOK,
			[]string{"generated code (" + f("old") + " -> " + f("new") + "):\n  added internal/x.gen.go\n  modified client.gen.go\n  removed gone.gen.go\n", "summary: 0 breaking"}, nil},
		{"generated code unchanged", []string{"--old-gen", f("old"), "--new-gen", f("same"), f("fragment.yaml"), f("same.yaml")}, exitOK,
			[]string{"):\n  unchanged\nsummary"}, nil},
		{"one generated tree", []string{"--old-gen", f("old"), f("fragment.yaml"), f("same.yaml")}, exitUsage, nil, []string{"[old-gen new-gen] are set they must all be set"}},
		{"missing generated tree", []string{"--old-gen", f("old"), "--new-gen", f("nowhere"), f("fragment.yaml"), f("same.yaml")}, exitUsage, nil, []string{f("nowhere"), "no such file"}},
		{"generated tree is a file", []string{"--old-gen", f("old"), "--new-gen", f("new/client.gen.go"), f("fragment.yaml"), f("same.yaml")}, exitUsage, nil,
			[]string{"--new-gen " + f("new/client.gen.go") + ": not a directory (want the directory of the generated Go code)"}},
		{"old generated tree is a file", []string{"--old-gen", f("fragment.yaml"), "--new-gen", f("new"), f("fragment.yaml"), f("same.yaml")}, exitUsage, nil,
			[]string{"--old-gen " + f("fragment.yaml") + ": not a directory"}},
		{"generated tree without Go files", []string{"--old-gen", f("old"), "--new-gen", f("same/internal"), f("fragment.yaml"), f("same.yaml")}, exitUsage, nil,
			[]string{"--new-gen " + f("same/internal") + ": no Go files in the directory"}},
		{"missing old file", []string{f("absent.yaml"), f("fragment.yaml")}, exitUsage, nil, []string{f("absent.yaml"), "no such file"}},
		{"missing new file", []string{f("fragment.yaml"), f("gone.yaml")}, exitUsage, nil, []string{f("gone.yaml"), "no such file"}},
		{"not an OpenAPI document", []string{f("fragment.yaml"), f("notopenapi.yaml")}, exitUsage, nil, []string{f("notopenapi.yaml") + ": invalid OpenAPI document"}},
		{"an invalid example is a warning", []string{"--fail-on", "breaking", f("badexample.yaml"), f("badexample.yaml")}, exitOK,
			[]string{"names of the operation", "  unchanged\n", "summary: 0 breaking"},
			[]string{"contractcheck diff: warning: " + f("badexample.yaml") + ": invalid-example createThing /paths/~1things/post/requestBody/content/application~1json/example"}},
		{"not a fragment", []string{f("fragment.yaml"), f("two.yaml")}, exitUsage, nil, []string{f("two.yaml") + ": expected a fragment with one operation, found 2"}},
		{"not a fragment, old side", []string{f("two.yaml"), f("fragment.yaml")}, exitUsage, nil, []string{f("two.yaml") + ": expected a fragment"}},
		{"one file", []string{f("fragment.yaml")}, exitUsage, nil, []string{"want two files, OLD and NEW; got 1"}},
		{"unknown flag", []string{"--format", "json", f("fragment.yaml"), f("same.yaml")}, exitUsage, nil, []string{"unknown flag: --format"}},
		{"misspelt flag", []string{"--named-afer", "operationId", f("fragment.yaml"), f("same.yaml")}, exitUsage, nil, []string{"unknown flag: --named-afer; did you mean --named-after?"}},
		{"a shortened flag", []string{"--outpt", "r.txt", f("fragment.yaml"), f("same.yaml")}, exitUsage, nil, []string{"did you mean --output?"}},
		{"--fail-on breaking", []string{"--fail-on", "breaking", f("fragment.yaml"), f("renamed.yaml")}, exitFindings, []string{"breaking: operationId changed"}, nil},
		{"--fail-on none", []string{"--fail-on", "none", f("fragment.yaml"), f("renamed.yaml")}, exitOK, []string{"summary: 1 breaking"}, nil},
		{"the last --fail-on wins", []string{"--fail-on", "breaking", "--fail-on", "none", f("fragment.yaml"), f("renamed.yaml")}, exitOK, []string{"summary: 1 breaking"}, nil},
		{"check's threshold", []string{"--fail-on", "error", f("fragment.yaml"), f("renamed.yaml")}, exitUsage, nil, []string{`--fail-on: want breaking or none, not "error"`}},
		{"help", []string{"-h"}, exitOK, []string{"contractcheck diff [flags] OLD NEW",
			"--fail-on class       exit 1 on changes of this class: breaking, or none to report only (default \"none\")\n",
			"--named-after field", `(default "operationId")`,
			"-o, --output file         write the report to this file; - is standard output (default: standard output)\n",
			"--old-gen directory", "--new-gen directory"}, nil},
		{"files after --", []string{"--fail-on", "breaking", "--", f("fragment.yaml"), f("renamed.yaml")}, exitFindings, []string{"breaking: operationId"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := diffIn(tc.args...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, s := range tc.out {
				assert.Contains(t, out, s)
			}
			for _, s := range tc.errOut {
				assert.Contains(t, errOut, s)
			}
			if tc.code == exitUsage {
				assert.Empty(t, out, "no report on a usage or input error")
			}
		})
	}
}

func TestDiffWritesTheReportToAFile(t *testing.T) {
	t.Parallel()
	dir := specFiles(t)
	oldFile, newFile := filepath.Join(dir, "fragment.yaml"), filepath.Join(dir, "renamed.yaml")
	_, report, _ := diffIn(oldFile, newFile)
	require.Contains(t, report, "breaking: operationId changed")
	for _, flag := range []string{"-o", "--output"} {
		file := filepath.Join(dir, "report"+flag+".txt")
		code, out, errOut := runIn(t, "diff", flag, file, "--fail-on", "breaking", oldFile, newFile)
		assert.Equal(t, exitFindings, code, errOut)
		assert.Empty(t, out, "with %s nothing goes to standard output", flag)
		assert.Equal(t, report, string(readFile(t, file)), flag)
	}
	code, out, errOut := runIn(t, "diff", "--output", "-", oldFile, newFile)
	assert.Equal(t, exitOK, code, errOut)
	assert.Equal(t, report, out, "- is standard output")

	// A regular file is replaced, keeping its mode.
	kept := filepath.Join(dir, "kept.txt")
	require.NoError(t, os.WriteFile(kept, []byte("old report\n"), 0o600))
	require.NoError(t, os.Chmod(kept, 0o600))
	code, _, errOut = runIn(t, "diff", "-o", kept, oldFile, newFile)
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, report, string(readFile(t, kept)))
	assert.Equal(t, os.FileMode(0o600), stat(t, kept).Mode().Perm())

	code, _, errOut = diffIn("-o", filepath.Join(dir, "no-such-dir", "r.txt"), filepath.Join(dir, "fragment.yaml"), filepath.Join(dir, "same.yaml"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "writing the report")
}

func TestDiffReplaysTheOperationsHistory(t *testing.T) {
	t.Parallel()
	// The committed 2025-03-12 fragment against the committed fragment: the
	// operationId rename breaks importers, the new override does not.
	old := filepath.Join("..", "..", "openapi", "testdata", "history", "defer-2025-03-12.yaml")
	cur := filepath.Join("..", "..", "openapi", "fragment.yaml")
	code, out, errOut := diffIn("--fail-on", "breaking", old, cur)
	assert.Equal(t, exitFindings, code, errOut)
	assert.Contains(t, out, `  breaking: operationId changed from "deferMaintenanceWindow" to "deferGroupMaintenanceWindow"`)
	assert.Contains(t, out, `  non-breaking: x-xgen-operation-id-override changed from "" to "deferMaintenanceWindow"`)
	assert.Contains(t, out, "summary: 1 breaking for importers among the names")
}
