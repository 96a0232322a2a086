package atlas_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADMESnippetsAreExamples keeps the README and docs/ honest: every Go
// snippet in them is marked with the Example test it comes from, and its
// lines appear, in order and contiguously, in that example's body, which
// `go test` runs and checks against its Output comment.
func TestREADMESnippetsAreExamples(t *testing.T) {
	t.Parallel()
	docs, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	require.NoError(t, err)
	snippet := regexp.MustCompile("(?s)<!-- snippet: (\\S+) (\\S+) -->\n```go\n(.*?)```")
	total := 0
	for _, path := range append([]string{filepath.Join("..", "README.md")}, docs...) {
		text, err := os.ReadFile(path)
		require.NoError(t, err)
		found := snippet.FindAllSubmatch(text, -1)
		total += len(found)
		unmarked := strings.Count(string(text), "```go") - len(found)
		assert.Zero(t, unmarked, "every ```go block in %s names the Example it comes from", path)
		for _, m := range found {
			file, fn, code := string(m[1]), string(m[2]), string(m[3])
			t.Run(filepath.Base(path)+"/"+fn, func(t *testing.T) {
				body := exampleBody(t, filepath.Join("..", file), fn)
				want := normalizedLines(code)
				require.NotEmpty(t, want)
				assert.True(t, containsRun(normalizedLines(body), want),
					"the snippet of %s marked %s %s is not in that example's body:\n%s", path, file, fn, code)
			})
		}
	}
	require.GreaterOrEqual(t, total, 10, "the Go snippets of the README and docs/ are marked")
}

func exampleBody(t *testing.T, path, name string) string {
	t.Helper()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	require.NoError(t, err)
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name && fd.Body != nil {
			return string(src[fset.Position(fd.Body.Lbrace).Offset+1 : fset.Position(fd.Body.Rbrace).Offset])
		}
	}
	t.Fatalf("%s has no func %s", path, name)
	return ""
}

func normalizedLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func containsRun(hay, needle []string) bool {
	for i := 0; i+len(needle) <= len(hay); i++ {
		match := true
		for j := range needle {
			if hay[i+j] != needle[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
