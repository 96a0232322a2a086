package atlas

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorCodesInDocs holds the list of documented error codes in
// docs/client.md (the README points there) to errorcodes.go, their one
// source: each constant appears there with its value.
func TestErrorCodesInDocs(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "docs", "client.md"))
	require.NoError(t, err)
	readme := strings.Join(strings.Fields(string(raw)), " ") // lines wrap anywhere
	f, err := parser.ParseFile(token.NewFileSet(), "errorcodes.go", nil, 0)
	require.NoError(t, err)
	n := 0
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			value, err := strconv.Unquote(vs.Values[0].(*ast.BasicLit).Value)
			require.NoError(t, err)
			name := vs.Names[0].Name
			assert.True(t, strings.Contains(readme, "`"+value+"` (`"+name+"`"), "docs/client.md lists %s as `%s` (`%s`", name, value, name)
			n++
		}
	}
	assert.GreaterOrEqual(t, n, 8, "the documented codes")
}
