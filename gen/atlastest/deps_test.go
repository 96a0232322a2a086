package atlastest_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImportsStayLight: the fake is built on net/http alone (issue 15): a
// user's test that imports it never compiles the contract harness or
// kin-openapi.
func TestImportsStayLight(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: go list -deps takes a second or two")
	}
	t.Parallel()
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for dep := range strings.Lines(string(out)) {
		dep = strings.TrimSpace(dep)
		if dep == "github.com/atlascontract/deferwindow/contract" || strings.HasPrefix(dep, "github.com/atlascontract/deferwindow/contract/") ||
			strings.HasPrefix(dep, "github.com/getkin/") {
			t.Errorf("gen/atlastest depends on %s: the fake must stay on net/http alone", dep)
		}
	}
}
