package recording_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// attachName is a body file's name as Playwright writes it: the body's SHA-1
// and the extension of its media type.
const attachName = "2369470fcb4f89393ebfe7bcd418775025f04949.json"

const attachBody = `{"detail":"x","error":400,"errorCode":"ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED","parameters":[],"reason":"Bad Request"}`

// attachEntry is an entry as Playwright's recordHar writes it with content
// "attach": the bodies in files beside the HAR, named by _file.
func attachEntry(requestFile, responseFile string) string {
	return `{"request":{"method":"POST","url":"https://h.example/x","headers":[],"bodySize":5,` +
		`"postData":{"mimeType":"application/json","text":"","params":[],"_file":"` + requestFile + `"}},` +
		`"response":{"status":400,"headers":[{"name":"Content-Type","value":"application/json"}],` +
		`"content":{"size":120,"mimeType":"application/json","_file":"` + responseFile + `"}}}`
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	return dir
}

// TestReadHARAttachedBodies reads the bodies a HAR keeps in files beside it
// (content._file, postData._file), within the body cap, when the HAR is read
// from a file; from a stream they stay not recorded.
func TestReadHARAttachedBodies(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"pw.har":   harWith(attachEntry("req.json", attachName)),
		attachName: attachBody,
		"req.json": `{"a":1}`,
	})
	got, err := recording.ReadAll([]string{filepath.Join(dir, "pw.har")}, recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	rs, rq := got[0].Response, got[0].Request
	assert.Equal(t, attachBody, string(rs.Body))
	assert.False(t, rs.BodyNotRecorded)
	assert.False(t, rs.BodyTooLarge)
	assert.Equal(t, int64(len(attachBody)), rs.BodySize)
	assert.Equal(t, `{"a":1}`, string(rq.Body))
	assert.False(t, rq.BodyNotRecorded)

	// Over the cap: cut, with the file's size.
	got, err = recording.ReadAll([]string{filepath.Join(dir, "pw.har")}, recording.Options{MaxBodyBytes: 10})
	require.NoError(t, err)
	assert.Equal(t, attachBody[:10], string(got[0].Response.Body))
	assert.True(t, got[0].Response.BodyTooLarge)
	assert.Equal(t, int64(len(attachBody)), got[0].Response.BodySize)

	// From a stream, or from an fs.FS, the HAR has no folder.
	for name, read := range map[string]func() ([]*recording.Interaction, error){
		"stream": func() ([]*recording.Interaction, error) {
			return readString("-", harWith(attachEntry("req.json", attachName)), recording.Options{})
		},
		"fs.FS": func() ([]*recording.Interaction, error) {
			return recording.ReadAllFS(os.DirFS(dir), "pw.har", recording.Options{})
		},
	} {
		got, err := read()
		require.NoError(t, err, name)
		require.Len(t, got, 1, name)
		assert.True(t, got[0].Response.BodyNotRecorded, name)
		assert.Equal(t, int64(120), got[0].Response.BodySize, name)
		assert.Empty(t, got[0].Response.Body, name)
		assert.True(t, got[0].Request.BodyNotRecorded, name)
	}
}

// TestReadHARAttachedBodyRefused refuses a _file that is not a plain name
// in the HAR's folder, or that cannot be read, naming the HAR, the entry
// and the file.
func TestReadHARAttachedBodyRefused(t *testing.T) {
	t.Parallel()
	outside := writeFiles(t, map[string]string{"secret.json": `{"s":1}`})
	for _, tc := range []struct{ file, want string }{
		{"../secret.json", `entry 1: response.content._file "../secret.json" is not a file name in the HAR file's folder`},
		{"sub/x.json", `entry 1: response.content._file "sub/x.json" is not a file name in the HAR file's folder`},
		{`sub\\x.json`, `is not a file name in the HAR file's folder`},
		{filepath.Join(outside, "secret.json"), `is not a file name in the HAR file's folder`},
		{"..", `is not a file name in the HAR file's folder`},
		{"missing.json", `entry 1: response.content._file "missing.json" is missing: there is no such file in the HAR file's folder`},
		{"sub", `entry 1: response.content._file "sub" is not a regular file`},
		{"link.json", `entry 1: response.content._file "link.json" cannot be read: path escapes from parent`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			dir := writeFiles(t, map[string]string{
				"pw.har":     harWith(okEntry + ",\n" + attachEntry(attachName, tc.file)),
				attachName:   attachBody,
				"sub/x.json": attachBody,
			})
			if err := os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(dir, "link.json")); err != nil {
				t.Skip("no symbolic links here:", err)
			}
			n := 0
			err := recording.ReadFile(filepath.Join(dir, "pw.har"), recording.Options{}, func(*recording.Interaction) error { n++; return nil })
			var re *recording.Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, filepath.Join(dir, "pw.har"), re.File)
			assert.Equal(t, 2, re.Line)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, 1, n, "the entry before is delivered")
		})
	}
}

// TestWalkLeavesOutAttachedBodies reads a folder as Playwright leaves it
// (a HAR and its <sha1>.<ext> body files): the files a HAR names in _file
// are bodies, not recordings. A file of that name no HAR names is read as
// any other, and fails if it is not a recording.
func TestWalkLeavesOutAttachedBodies(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"a/pw.har":        harWith(attachEntry(attachName, attachName)),
		"a/" + attachName: attachBody,
		"b/other.yaml":    "version: 2\ninteractions:\n" + okInteraction,
	}
	dir := writeFiles(t, files)
	got, err := recording.ReadAll([]string{dir}, recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, attachBody, string(got[0].Response.Body))

	mapFS := fstest.MapFS{}
	for name, text := range files {
		mapFS[name] = &fstest.MapFile{Data: []byte(text)}
	}
	got, err = recording.ReadAllFS(mapFS, ".", recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 2)

	// Named by a HAR in another folder: still read, and refused.
	stray := "c/" + attachName
	files[stray] = attachBody
	dir = writeFiles(t, files)
	_, err = recording.ReadAll([]string{dir}, recording.Options{})
	require.ErrorContains(t, err, attachName+`: not a HAR file: the JSON object has no "log" member`)
	require.True(t, strings.Contains(err.Error(), filepath.Join(dir, "c")), "%v", err)
	mapFS[stray] = &fstest.MapFile{Data: []byte(attachBody)}
	_, err = recording.ReadAllFS(mapFS, ".", recording.Options{})
	require.ErrorContains(t, err, stray+`: not a HAR file`)
	// Named with a path to that folder: not set aside either.
	mapFS["a/pw.har"] = &fstest.MapFile{Data: []byte(harWith(attachEntry(attachName, "../c/"+attachName)))}
	_, err = recording.ReadAllFS(mapFS, ".", recording.Options{})
	require.ErrorContains(t, err, stray+`: not a HAR file`)
}

// TestReadHARAttachedBodyReadAgainIsCharged: a small HAR that names one
// body file in entry after entry spends the decoding budget, so it cannot
// read that file without end.
func TestReadHARAttachedBodyReadAgainIsCharged(t *testing.T) {
	t.Parallel()
	entries := strings.TrimSuffix(strings.Repeat(attachEntry(attachName, attachName)+",", 20), ",")
	dir := writeFiles(t, map[string]string{"pw.har": harWith(entries), attachName: attachBody})
	n := 0
	err := recording.ReadFile(filepath.Join(dir, "pw.har"), recording.Options{MaxDecodedBytes: 1000}, func(*recording.Interaction) error { n++; return nil })
	require.ErrorContains(t, err, `entry 4: response.content._file "`+attachName+`" is read again: the bytes decoded from this file`)
	assert.Equal(t, 4, n) // the first read is free, the ninth read again passes 1000 bytes
}

// TestReadHARAttachedBodyUnderOtherNamesIsCharged: the same body file
// reached under other names (symbolic links to it) is charged as read
// again, so names cannot lift the budget.
func TestReadHARAttachedBodyUnderOtherNamesIsCharged(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{attachName: attachBody})
	var links, entries []string
	for i := range 40 {
		links = append(links, fmt.Sprintf("%040x.json", i+1))
		if err := os.Symlink(attachName, filepath.Join(dir, links[i])); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	for i := range 20 {
		entries = append(entries, attachEntry(links[2*i], links[2*i+1])) // every name once
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pw.har"), []byte(harWith(strings.Join(entries, ","))), 0o644))
	n := 0
	err := recording.ReadFile(filepath.Join(dir, "pw.har"), recording.Options{MaxDecodedBytes: 1000}, func(*recording.Interaction) error { n++; return nil })
	require.ErrorContains(t, err, "is read again: the bytes decoded from this file")
	assert.Less(t, n, 20)
}
