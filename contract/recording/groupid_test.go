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

// TestGroupIDPatternIsAParameter keeps the recorder apart from Atlas and its
// client: the pattern of project ids comes in RecorderOptions, so this
// package neither imports the client nor holds a copy of the pattern.
func TestGroupIDPatternIsAParameter(t *testing.T) {
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
		assert.False(t, copyOfPattern.Match(src), "%s holds a copy of the groupId pattern; take it from RecorderOptions.GroupIDPattern", file)
		assert.NotContains(t, string(src), "deferwindow/gen\"", "%s imports the client", file)
	}
	require.NoError(t, atlas.ValidateGroupID(recording.DefaultFakeGroupID), "DefaultFakeGroupID matches the fragment's pattern")
}
