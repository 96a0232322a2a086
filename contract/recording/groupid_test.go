package recording_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// TestGroupIDPatternHasOneSource keeps the groupId pattern where the OpenAPI
// fragment puts it, atlas.GroupIDPattern: this package checks ids with
// atlas.ValidateGroupID and holds no copy of the pattern, so a change to the
// fragment reaches the recorder without an edit here.
func TestGroupIDPatternHasOneSource(t *testing.T) {
	t.Parallel()
	copyOfPattern := regexp.MustCompile(`\[a-f0-9\]|\{24\}|\[0-9a-f\]`)
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		assert.False(t, copyOfPattern.Match(src), "%s holds a copy of the groupId pattern; use atlas.ValidateGroupID or atlas.GroupIDPattern", file)
	}
	require.NoError(t, atlas.ValidateGroupID(recording.DefaultFakeGroupID), "DefaultFakeGroupID matches the fragment's pattern")
}
