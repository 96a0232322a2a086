package contract

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ruleTableHeader opens the rule table of docs/rules.md.
const ruleTableHeader = "| Rule | Severity | What it checks | How to fix |\n|---|---|---|---|\n"

// ruleTable renders Rules as the Markdown table of docs/rules.md.
func ruleTable() string {
	var b strings.Builder
	b.WriteString(ruleTableHeader)
	for _, r := range Rules() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.Rule, r.Severity, r.Checks, r.Fix)
	}
	return b.String()
}

// TestDocsRuleTableIsRules holds the rule table of docs/rules.md (where
// SARIF's helpUri points) equal to Rules, row for row: ID, severity, what
// it checks, how to fix. -update rewrites the table from Rules.
func TestDocsRuleTableIsRules(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "docs", "rules.md")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(data)
	start := strings.Index(doc, ruleTableHeader)
	require.GreaterOrEqual(t, start, 0, "docs/rules.md has a rule table starting %q", ruleTableHeader)
	end := strings.Index(doc[start:], "\n\n")
	require.Positive(t, end, "the rule table ends with a blank line")
	got := doc[start : start+end+1]
	want := ruleTable()
	if *update && got != want {
		require.NoError(t, os.WriteFile(path, []byte(doc[:start]+want+doc[start+end+1:]), 0o644))
		return
	}
	assert.Equal(t, want, got, "the rule table of docs/rules.md differs from rules.go: run go test ./contract -run TestDocsRuleTableIsRules -update")
}

// TestDocsSayPreflightsAreSkippedOnce holds the README and docs/ to one
// statement about a browser's CORS preflights, the one scope.go makes true
// (TestScopeSkipsTheRestOfASession holds the behaviour): they are skipped
// in every scope. The README once said both that they were skipped and
// that they were judged. Code (fenced or in backticks) is not prose: the
// report schema's reason "CORS preflight" is a value, not a claim.
func TestDocsSayPreflightsAreSkippedOnce(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	require.NoError(t, err)
	files = append([]string{filepath.Join("..", "README.md")}, files...)
	fenced := regexp.MustCompile("(?s)```.*?```")
	span := regexp.MustCompile("`[^`\n]*`")
	mention := regexp.MustCompile(`(?i)pre-?flight`)
	var paragraphs []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		prose := span.ReplaceAllString(fenced.ReplaceAllString(string(data), ""), "")
		for p := range strings.SplitSeq(prose, "\n\n") {
			for range mention.FindAllStringIndex(p, -1) {
				paragraphs = append(paragraphs, filepath.Base(f)+": "+strings.Join(strings.Fields(p), " "))
			}
		}
	}
	require.Len(t, paragraphs, 1, "one statement about preflights in the README and docs/, found: %q", paragraphs)
	assert.Regexp(t, `In every scope, [^.]*preflights [^.]*are skipped`, paragraphs[0])
}
