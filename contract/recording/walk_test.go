package recording_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// tinyCassette is a valid cassette whose one interaction's URL names n.
func tinyCassette(n int) string {
	return fmt.Sprintf("version: 2\ninteractions:\n- request: {method: POST, url: 'https://cloud.mongodb.com/x/%d'}\n  response: {code: 200}\n", n)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// walkFiles returns the files Walk delivered interactions from, in order.
func walkFiles(paths ...string) ([]string, error) {
	var files []string
	err := recording.Walk(paths, recording.Options{}, func(it *recording.Interaction) error {
		files = append(files, it.File)
		return nil
	})
	return files, err
}

func TestWalkTenThousandFilesInSortedOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("a large tree; TestWalkRecursesSortsAndFilters checks the order in -short")
	}
	t.Parallel()
	dir := t.TempDir()
	const n = 10000
	// Written in reverse, and with names whose numeric and lexical orders
	// differ, so the order read can only come from sorting.
	for i := n - 1; i >= 0; i-- {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("c%d.yaml", i)), tinyCassette(i))
	}
	var files []string
	var urls []string
	err := recording.Walk([]string{dir}, recording.Options{}, func(it *recording.Interaction) error {
		files = append(files, it.File)
		urls = append(urls, it.Request.URL.Path)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, files, n)
	assert.IsNonDecreasing(t, files)
	assert.Equal(t, filepath.Join(dir, "c0.yaml"), files[0])
	assert.Equal(t, filepath.Join(dir, "c1.yaml"), files[1])
	assert.Equal(t, filepath.Join(dir, "c10.yaml"), files[2])
	assert.Equal(t, "/x/10", urls[2], "each file's own interaction")
}

func TestWalkRecursesSortsAndFilters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "b.har"), harWith(okEntry))
	writeFile(t, filepath.Join(dir, "a", "z.yml"), tinyCassette(1))
	writeFile(t, filepath.Join(dir, "a", "notes.txt"), "not a recording")
	writeFile(t, filepath.Join(dir, "c.json"), harWith(okEntry))
	writeFile(t, filepath.Join(dir, ".git", "config.yaml"), "not: a cassette")
	writeFile(t, filepath.Join(dir, ".hidden.yaml"), "not: a cassette")
	files, err := walkFiles(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{
		filepath.Join(dir, "a", "z.yml"),
		filepath.Join(dir, "b.har"),
		filepath.Join(dir, "c.json"),
	}, files)
}

func TestWalkReadsAFileWhateverItsName(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "capture.txt")
	writeFile(t, path, harWith(okEntry))
	files, err := walkFiles(path)
	require.NoError(t, err)
	assert.Equal(t, []string{path}, files)
}

func TestWalkSymlinkLoopEnds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a", "one.yaml"), tinyCassette(1))
	require.NoError(t, os.Symlink(dir, filepath.Join(dir, "a", "loop")))
	require.NoError(t, os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "b")))

	done := make(chan struct{})
	var files []string
	var err error
	go func() {
		defer close(done)
		files, err = walkFiles(dir)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Walk did not return: symlink loop")
	}
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "a", "one.yaml")}, files, "each real folder is read once")
}

func TestWalkFollowsSymlinkedFolder(t *testing.T) {
	t.Parallel()
	dir, other := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(other, "x.har"), harWith(okEntry))
	require.NoError(t, os.Symlink(other, filepath.Join(dir, "linked")))
	files, err := walkFiles(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "linked", "x.har")}, files)
}

func TestWalkErrors(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	writeFile(t, filepath.Join(empty, "README.md"), "no recordings here")
	dangling := t.TempDir()
	require.NoError(t, os.Symlink(filepath.Join(dangling, "gone"), filepath.Join(dangling, "x.har")))
	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, "a.yaml"), tinyCassette(1))
	writeFile(t, filepath.Join(bad, "b.yaml"), "version: 3\ninteractions: []\n")

	for _, tc := range []struct {
		name  string
		paths []string
		file  string
		msg   string
	}{
		{"no paths", nil, "", "no recording files or folders given"},
		{"missing path", []string{filepath.Join(empty, "nope")}, filepath.Join(empty, "nope"), "cannot open: stat: no such file or directory"},
		{"folder with no recordings", []string{empty}, empty, "no recordings in this folder"},
		{"dangling link to a recording", []string{dangling}, filepath.Join(dangling, "x.har"), "cannot open"},
		{"bad file stops the walk", []string{bad}, filepath.Join(bad, "b.yaml"), "cassette format version 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := recording.Walk(tc.paths, recording.Options{}, nil)
			var re *recording.Error
			require.True(t, errors.As(err, &re), "%v", err)
			assert.Equal(t, tc.file, re.File)
			assert.Contains(t, re.Msg, tc.msg)
		})
	}
}

func TestWalkFS(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"corpus/b.yaml":         {Data: []byte(tinyCassette(2))},
		"corpus/a/x.har":        {Data: []byte(harWith(okEntry))},
		"corpus/a/readme.md":    {Data: []byte("skip me")},
		"corpus/.cache/x.yaml":  {Data: []byte("not: a cassette")},
		"empty/readme.md":       {Data: []byte("nothing")},
		"broken/z.yaml":         {Data: []byte("version: 2\ninteractions:\n- request: {method: GET}\n  response: {code: 200}\n")},
		"single/defer.har.json": {Data: []byte(harWith(okEntry))},
	}
	var files []string
	require.NoError(t, recording.WalkFS(fsys, "corpus", recording.Options{}, func(it *recording.Interaction) error {
		files = append(files, it.File)
		return nil
	}))
	assert.Equal(t, []string{"corpus/a/x.har", "corpus/b.yaml"}, files)

	files = nil
	require.NoError(t, recording.WalkFS(fsys, "single/defer.har.json", recording.Options{}, func(it *recording.Interaction) error {
		files = append(files, it.File)
		return nil
	}))
	assert.Equal(t, []string{"single/defer.har.json"}, files)

	err := recording.WalkFS(fsys, "empty", recording.Options{}, nil)
	assert.EqualError(t, err, "empty: no recordings in this folder: expected *.yaml, *.yml, *.har or *.json files")
	err = recording.WalkFS(fsys, "broken", recording.Options{}, nil)
	assert.EqualError(t, err, "broken/z.yaml:3: interaction 0: request.url is missing")
	err = recording.WalkFS(fsys, "nope", recording.Options{}, nil)
	var re *recording.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "nope", re.File)
}

func TestWalkShippedTestdata(t *testing.T) {
	t.Parallel()
	counts := map[string]int{}
	require.NoError(t, recording.WalkFS(os.DirFS("testdata"), ".", recording.Options{}, func(it *recording.Interaction) error {
		counts[it.File]++
		return nil
	}))
	assert.Equal(t, map[string]int{"defer-chrome.har": 2, "defer-errors.yaml": 3, "defer-gzip.yaml": 1, "defer-mitmproxy.har": 2, "defer-ok.yaml": 1}, counts)
}
