package output_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/internal/output"
)

// The tests of what only Unix has (FIFOs, /dev, the umask, file modes,
// symbolic links without privileges) are in output_unix_test.go.

func TestWriteDashIsStdout(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, output.Write("-", &out, []byte("hello")))
	assert.Equal(t, "hello", out.String())
}

func TestWriteReplacesTheContentOfARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	require.NoError(t, os.WriteFile(path, []byte("a much longer previous content"), 0o644))
	require.NoError(t, output.Write(path, nil, []byte("new")))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new", string(data), "nothing of the longer previous content is left")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

func TestWriteFailureLeavesThePreviousFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	err := output.Write(filepath.Join(dir, "missing", "out.json"), nil, []byte("x"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "missing", "out.json"))
	_, serr := os.Stat(filepath.Join(dir, "missing"))
	assert.True(t, os.IsNotExist(serr), "no folder is created")

	// A folder cannot be replaced by a file: the write fails and the folder
	// and the files beside it stay.
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	require.Error(t, output.Write(sub, nil, []byte("x")))
	fi, err := os.Stat(sub)
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

func TestCheckNotInputRefusesAnInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recording := filepath.Join(dir, "defer.yaml")
	spec := filepath.Join(dir, "fragment.yaml")
	for _, p := range []string{recording, spec} {
		require.NoError(t, os.WriteFile(p, []byte("kept"), 0o644))
	}
	hardLink := filepath.Join(dir, "hard.yaml")
	require.NoError(t, os.Link(recording, hardLink))
	inputs := []string{"-", filepath.Join(dir, "gone.har"), spec, recording}

	for _, out := range []string{
		recording,
		dir + string(filepath.Separator) + "." + string(filepath.Separator) + "defer.yaml", // another spelling
		hardLink, // another name of the same file
	} {
		err := output.CheckNotInput(out, inputs)
		var inputErr *output.InputError
		require.True(t, errors.As(err, &inputErr), "%s: %v", out, err)
		assert.Equal(t, out, inputErr.Output)
		assert.Equal(t, recording, inputErr.Input)
	}
	assert.EqualError(t, output.CheckNotInput(spec, inputs),
		"output "+spec+" is also an input: writing it would replace the input; write the output to another file")
	assert.EqualError(t, output.CheckNotInput(hardLink, inputs),
		"output "+hardLink+" is the same file as the input "+recording+": writing it would replace the input; write the output to another file")
	for _, p := range []string{recording, spec} {
		got, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, "kept", string(got), "checking writes nothing")
	}
}

func TestCheckNotInputAcceptsWhatWriteWouldNotReplace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	recording := filepath.Join(dir, "defer.yaml")
	require.NoError(t, os.WriteFile(recording, []byte("kept"), 0o644))
	other := filepath.Join(dir, "report.json")
	require.NoError(t, os.WriteFile(other, []byte("old report"), 0o644))
	copied := filepath.Join(dir, "copy.yaml")
	require.NoError(t, os.WriteFile(copied, []byte("kept"), 0o644)) // same bytes, another file
	inputs := []string{recording, "-", filepath.Join(dir, "gone.har")}

	for name, out := range map[string]string{
		"stdout":                 "-",
		"a file not written yet": filepath.Join(dir, "new.json"),
		"another file":           other,
		"a copy of an input":     copied,
		"the folder of an input": dir, // Write refuses a folder itself
	} {
		assert.NoError(t, output.CheckNotInput(out, inputs), name)
	}
	assert.NoError(t, output.CheckNotInput(recording, nil), "no inputs")
	assert.NoError(t, output.CheckNotInput(filepath.Join(dir, "gone.har"), inputs), "an input that does not exist is no file to replace")
}

func TestCheckNotInputDashIsStdoutAndStdin(t *testing.T) {
	// Not parallel: it changes the working directory.
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("-", []byte("a file named -"), 0o644))
	assert.NoError(t, output.CheckNotInput("-", []string{"-", filepath.Join(dir, "-")}), `output "-" is stdout, not the file named -`)
	assert.NoError(t, output.CheckNotInput(filepath.Join(dir, "-"), []string{"-"}), `input "-" is stdin, not the file named -`)
}
