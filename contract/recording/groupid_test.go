package recording_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRecordingKnowsNoProjectIDs keeps the recorder apart from Atlas and its
// client: replacing project ids is a hook contractcheck record passes in
// RecorderOptions.Hooks, so this package neither imports the client nor
// holds the pattern of project ids, nor speaks of them.
func TestRecordingKnowsNoProjectIDs(t *testing.T) {
	t.Parallel()
	atlasID := regexp.MustCompile(`(?i)\[a-f0-9\]|\{24\}|\[0-9a-f\]|groupid|group ?id|project ids?\b`)
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		assert.Empty(t, atlasID.FindAllString(string(src), -1), "%s knows of Atlas project ids; that is contractcheck record's hook", file)
		assert.NotContains(t, string(src), "deferwindow/gen\"", "%s imports the client", file)
	}
}
