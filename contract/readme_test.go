package contract

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ruleTableHeader opens the README's rule table.
const ruleTableHeader = "| Rule | Severity | What it checks | How to fix |\n|---|---|---|---|\n"

// ruleTable renders Rules as the README's Markdown table.
func ruleTable() string {
	var b strings.Builder
	b.WriteString(ruleTableHeader)
	for _, r := range Rules() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.Rule, r.Severity, r.Checks, r.Fix)
	}
	return b.String()
}

// TestREADMERuleTableIsRules holds the README's rule table equal to Rules,
// row for row: ID, severity, what it checks, how to fix. -update rewrites
// the table from Rules.
func TestREADMERuleTableIsRules(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "README.md")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	readme := string(data)
	start := strings.Index(readme, ruleTableHeader)
	require.GreaterOrEqual(t, start, 0, "the README has a rule table starting %q", ruleTableHeader)
	end := strings.Index(readme[start:], "\n\n")
	require.Positive(t, end, "the rule table ends with a blank line")
	got := readme[start : start+end+1]
	want := ruleTable()
	if *update && got != want {
		require.NoError(t, os.WriteFile(path, []byte(readme[:start]+want+readme[start+end+1:]), 0o644))
		return
	}
	assert.Equal(t, want, got, "the README's rule table differs from rules.go: run go test ./contract -run TestREADMERuleTableIsRules -update")
}
