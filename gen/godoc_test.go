package atlas_test

import (
	"bytes"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoDocShowsModelFields checks what `go doc` shows for the exported
// model and response types: each is declared in package atlas as a struct,
// so its declaration lists its fields, not an alias of a type in an
// internal package that a reader cannot open.
func TestGoDocShowsModelFields(t *testing.T) {
	t.Parallel()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, "github.com/atlascontract/deferwindow/gen")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"APIError":                                 {"ErrorCode string", "Detail *string", "Parameters", "BadRequestDetail *BadRequestDetail"},
		"BadRequestDetail":                         {"Fields"},
		"FieldViolation":                           {"Description string", "Field string"},
		"DeferMaintenanceWindowParams":             {"Envelope"},
		"DeferMaintenanceWindowResponse":           {"Body", "HTTPResponse *http.Response", "JSON400", "Headers429"},
		"DeferMaintenanceWindowResponse429Headers": {"RetryAfter"},
	}
	for _, typ := range pkg.Types {
		fields, ok := want[typ.Name]
		if !ok {
			continue
		}
		delete(want, typ.Name)
		var decl bytes.Buffer
		if err := printer.Fprint(&decl, fset, typ.Decl); err != nil {
			t.Fatal(err)
		}
		for _, spec := range typ.Decl.Specs {
			if ts := spec.(*ast.TypeSpec); ts.Name.Name == typ.Name && ts.Assign.IsValid() {
				t.Errorf("go doc atlas.%s shows an alias, no fields:\n%s", typ.Name, decl.String())
			}
		}
		shown := strings.Join(strings.Fields(decl.String()), " ")
		for _, f := range fields {
			if !strings.Contains(shown, f) {
				t.Errorf("go doc atlas.%s does not show %q:\n%s", typ.Name, f, decl.String())
			}
		}
	}
	for name := range want {
		t.Errorf("package atlas declares no type %s", name)
	}
	if strings.Count(pkg.Doc, "Package atlas") != 1 || !strings.HasPrefix(pkg.Doc, "Package atlas is a client") {
		t.Errorf("the package comment is not doc.go's alone:\n%s", pkg.Doc)
	}
}
