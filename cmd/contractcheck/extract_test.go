package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// miniUpstream is a small upstream document with a postThing operation.
var miniUpstream = filepath.Join("..", "..", "openapi", "testdata", "mini-upstream.yaml")

// TestExtractOutputFlags: -o and --output are one flag, "-" is standard
// output, and a failed extraction leaves the destination as it was.
func TestExtractOutputFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, fragment, stderr := runIn(t, "extract", "--from", miniUpstream, "--operation", "postThing")
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, fragment, "postThing")

	short, long := filepath.Join(dir, "short.yaml"), filepath.Join(dir, "long.yaml")
	for _, args := range [][]string{{"-o", short}, {"--output", long}} {
		code, stdout, stderr := runIn(t, append([]string{"extract", "--from", miniUpstream, "--operation", "postThing"}, args...)...)
		require.Equal(t, exitOK, code, stderr)
		assert.Empty(t, stdout, "%v: the fragment goes to the file only", args)
	}
	assert.Equal(t, fragment, string(readFile(t, short)))
	assert.Equal(t, fragment, string(readFile(t, long)))

	code, stdout, stderr := runIn(t, "extract", "--from", miniUpstream, "--operation", "postThing", "--output", "-")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, fragment, stdout)

	require.NoError(t, os.WriteFile(short, []byte("kept\n"), 0o600))
	code, _, stderr = runIn(t, "extract", "--from", miniUpstream, "--operation", "noSuchThing", "-o", short)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "noSuchThing")
	assert.Equal(t, "kept\n", string(readFile(t, short)), "a failed extraction does not touch the destination")

	code, _, stderr = runIn(t, "extract", "--from", miniUpstream, "--operation", "postThing", "-o", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "writing the fragment")
	assert.Contains(t, stderr, dir)
}

func TestExtractUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, `required flag(s) "from" not set`},
		{[]string{"--from", miniUpstream, "extra.yaml"}, `unknown command "extra.yaml" for "contractcheck extract"`},
		{[]string{"--form", miniUpstream}, "unknown flag: --form; did you mean --from?"},
		{[]string{"--ouput", "x.yaml", "--from", miniUpstream}, "unknown flag: --ouput; did you mean --output?"},
		{[]string{"--operatoin", "postThing", "--from", miniUpstream}, "did you mean --operation?"},
		{[]string{"--from", filepath.Join(t.TempDir(), "absent.yaml")}, "absent.yaml"},
	} {
		code, stdout, stderr := runIn(t, append([]string{"extract"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, tc.args)
		assert.Contains(t, stderr, tc.want, tc.args)
		assert.Empty(t, stdout, tc.args)
	}
	help := mustHelp(t, "extract")
	for _, want := range []string{
		"contractcheck extract --from FILE",
		"--operation string   the operationId (or x-xgen-operation-id-override) of the operation to extract (default \"deferGroupMaintenanceWindow\")",
		"-o, --output file        write the fragment to this file; - is standard output (default: standard output)",
		"--overlay file", "--from file",
	} {
		assert.Contains(t, help, want)
	}
}

// TestExtractReadsGzipAndWarns: a gzip-compressed upstream is read as the
// same document (its provenance is the document's digest), and what
// upstream gets wrong without stopping the extraction is a warning.
func TestExtractReadsGzipAndWarns(t *testing.T) {
	t.Parallel()
	code, plain, stderr := runIn(t, "extract", "--from", miniUpstream, "--operation", "postThing")
	require.Equal(t, exitOK, code, stderr)
	code, fromGzip, stderr := runIn(t, "extract", "--from", miniUpstream+".gz", "--operation", "postThing")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, plain, fromGzip)

	bad := filepath.Join(t.TempDir(), "bad-example.yaml")
	require.NoError(t, os.WriteFile(bad, []byte(`openapi: 3.0.1
info: {title: t, version: "1"}
paths:
    /things:
        post:
            operationId: createThing
            requestBody:
                content:
                    application/json:
                        schema: {type: object, properties: {id: {type: string, readOnly: true}}}
                        example: {id: "1"}
            responses: {"200": {description: ok}}
`), 0o600))
	code, fragment, stderr := runIn(t, "extract", "--from", bad, "--operation", "createThing")
	require.Equal(t, exitOK, code, "an invalid example does not stop the extraction: %s", stderr)
	assert.Contains(t, fragment, "createThing")
	assert.Equal(t, `contractcheck extract: warning: invalid-example createThing /paths/~1things/post/requestBody/content/application~1json/example: the example does not match its schema: /id: readOnly property "id" in request`+"\n", stderr)
}
