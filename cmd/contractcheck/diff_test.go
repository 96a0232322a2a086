package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlascontract/deferwindow/openapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// diffIn runs `contractcheck diff` in-process.
func diffIn(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runDiff(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// specFiles writes the committed fragment and variants of it to a temporary
// directory: same.yaml (unchanged), no404.yaml (404 dropped: breaking) and
// summary.yaml (new summary: non-breaking).
func specFiles(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	frag := string(openapi.Fragment)
	const notFound = "                \"404\":\n                    $ref: '#/components/responses/notFound'\n"
	const summary = "summary: Defer One Maintenance Window for One Project"
	require.Contains(t, frag, notFound)
	require.Contains(t, frag, summary)
	for name, data := range map[string]string{
		"fragment.yaml":   frag,
		"same.yaml":       frag,
		"no404.yaml":      strings.Replace(frag, notFound, "", 1),
		"summary.yaml":    strings.Replace(frag, summary, "summary: Defer the Maintenance Window of One Project", 1),
		"notopenapi.yaml": "just: some yaml\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644))
	}
	return dir
}

func TestDiffExitCodes(t *testing.T) {
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
		{"no changes", []string{f("fragment.yaml"), f("same.yaml")}, exitOK,
			[]string{"breaking (0):", "non-breaking (0):", "summary: no changes"}, nil},
		{"no changes, failing on breaking", []string{"--fail-on-breaking", f("fragment.yaml"), f("same.yaml")}, exitOK, []string{"summary: no changes"}, nil},
		{"breaking, reported only", []string{f("fragment.yaml"), f("no404.yaml")}, exitOK,
			[]string{"breaking (1):\n  response-status-removed  responses/404: response status 404 removed\n", "summary: 1 breaking, 0 non-breaking"}, nil},
		{"breaking, failing on breaking", []string{"--fail-on-breaking", f("fragment.yaml"), f("no404.yaml")}, exitFindings,
			[]string{"response-status-removed"}, nil},
		{"flags after the files", []string{f("fragment.yaml"), f("no404.yaml"), "--fail-on-breaking"}, exitFindings, []string{"response-status-removed"}, nil},
		{"non-breaking only, failing on breaking", []string{"--fail-on-breaking", f("fragment.yaml"), f("summary.yaml")}, exitOK,
			[]string{"non-breaking (1):\n  summary-changed  summary:", "summary: 0 breaking, 1 non-breaking"}, nil},
		{"the way back is an addition", []string{"--fail-on-breaking", f("no404.yaml"), f("fragment.yaml")}, exitOK, []string{"response-status-added  responses/404"}, nil},
		{"missing old file", []string{f("absent.yaml"), f("fragment.yaml")}, exitUsage, nil, []string{f("absent.yaml"), "no such file"}},
		{"missing new file", []string{f("fragment.yaml"), f("gone.yaml")}, exitUsage, nil, []string{f("gone.yaml"), "no such file"}},
		{"not an OpenAPI document", []string{f("fragment.yaml"), f("notopenapi.yaml")}, exitUsage, nil, []string{f("notopenapi.yaml") + ": expected an OpenAPI 3.0.x document"}},
		{"no such operation", []string{"--operation", "listClusters", f("fragment.yaml"), f("same.yaml")}, exitUsage, nil, []string{`"listClusters"`}},
		{"one file", []string{f("fragment.yaml")}, exitUsage, nil, []string{"want two files", "usage: contractcheck diff"}},
		{"three files", []string{f("fragment.yaml"), f("same.yaml"), f("same.yaml")}, exitUsage, nil, []string{"got 3"}},
		{"bad format", []string{"--format", "xml", f("fragment.yaml"), f("same.yaml")}, exitUsage, nil, []string{`--format "xml"`}},
		{"unknown flag", []string{"--colour", f("fragment.yaml"), f("same.yaml")}, exitUsage, nil, []string{"colour"}},
		{"help", []string{"-h"}, exitOK, nil, []string{"usage: contractcheck diff", "-fail-on-breaking"}},
		{"files after --", []string{"--fail-on-breaking", "--", f("fragment.yaml"), f("no404.yaml")}, exitFindings, []string{"response-status-removed"}, nil},
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

func TestDiffJSONOutput(t *testing.T) {
	t.Parallel()
	dir := specFiles(t)
	code, out, errOut := diffIn("--format", "json", filepath.Join(dir, "fragment.yaml"), filepath.Join(dir, "no404.yaml"))
	require.Equal(t, exitOK, code, errOut)

	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &raw), "the output is one JSON object")
	assert.ElementsMatch(t, []string{"operation", "breaking", "nonBreaking"}, keysOf(raw))

	var r openapi.DiffReport
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, "deferGroupMaintenanceWindow", r.Operation)
	assert.Equal(t, []openapi.Change{{Kind: openapi.KindResponseStatusRemoved, Breaking: true, Location: "responses/404", Message: "response status 404 removed"}}, r.Breaking)
	assert.Empty(t, r.NonBreaking)
	assert.Contains(t, out, `"nonBreaking": []`, "an empty list is [], not null")
}

func TestDiffWritesTheReportToAFile(t *testing.T) {
	t.Parallel()
	dir := specFiles(t)
	report := filepath.Join(dir, "report.json")
	code, out, errOut := diffIn("-o", report, "--format", "json", "--fail-on-breaking", filepath.Join(dir, "fragment.yaml"), filepath.Join(dir, "no404.yaml"))
	assert.Equal(t, exitFindings, code, errOut)
	assert.Empty(t, out, "with -o nothing goes to standard output")
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	var r openapi.DiffReport
	require.NoError(t, json.Unmarshal(data, &r))
	require.Len(t, r.Breaking, 1)
	assert.Equal(t, openapi.KindResponseStatusRemoved, r.Breaking[0].Kind)

	code, _, errOut = diffIn("-o", filepath.Join(dir, "no-such-dir", "r.txt"), filepath.Join(dir, "fragment.yaml"), filepath.Join(dir, "same.yaml"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "writing the report")
}

func TestDiffReplaysTheOperationsHistory(t *testing.T) {
	t.Parallel()
	// The committed seed-era fragment against the committed fragment: the
	// operationId rename breaks, the 429 and rate-limit headers do not.
	old := filepath.Join("..", "..", "openapi", "testdata", "history", "defer-2025-03-12.yaml")
	cur := filepath.Join("..", "..", "openapi", "fragment.yaml")
	code, out, errOut := diffIn("--fail-on-breaking", old, cur)
	assert.Equal(t, exitFindings, code, errOut)
	breaking, nonBreaking, ok := strings.Cut(out, "non-breaking (")
	require.True(t, ok, out)
	assert.Contains(t, breaking, `operation-id-changed  operationId: operationId changed from "deferMaintenanceWindow" to "deferGroupMaintenanceWindow"`)
	assert.Contains(t, nonBreaking, "response-status-added  responses/429")
	assert.Contains(t, nonBreaking, "response-header-added  responses/429/headers/Retry-After")
	assert.Contains(t, nonBreaking, "response-header-added  responses/200/headers/RateLimit-Remaining")
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
