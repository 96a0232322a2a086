package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"net/textproto"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/tools/go/ast/astutil"
)

// clientMachinery are the types oapi-codegen generates for its own,
// unconfigured client. Package atlas has its own Client, so trim removes
// them, their methods and every function whose signature names one
// (NewClient, WithHTTPClient, WithBaseURL, ...).
var clientMachinery = map[string]bool{
	"Client":                       true,
	"ClientOption":                 true,
	"ClientInterface":              true,
	"ClientWithResponses":          true,
	"ClientWithResponsesInterface": true,
	"HttpRequestDoer":              true,
}

// keptFuncs are the generated functions package atlas calls: the request
// builders and the response parsers. trim unexports them.
var keptFuncs = regexp.MustCompile(`^(New\w+Request\w*|Parse\w+Response)$`)

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// trim rewrites the Go file that oapi-codegen generated into package atlas
// (name is for messages): it takes out the package comment (doc.go has the
// package's), the unconfigured client (clientMachinery, its methods, and
// the functions that build or configure it), and unexports the request
// builders and response parsers, which package atlas calls from its own
// Client. A type left without a doc comment gets one. Any other exported
// function, or an exported interface or function type but RequestEditorFn,
// is an error: it is client machinery that a newer oapi-codegen added, to be
// named in clientMachinery before it could be exported.
//
// The response parsers are also made to do less per response, as
// parserEdits says.
func trim(name string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	var edits []edit
	cut := func(doc *ast.CommentGroup, node ast.Node) {
		start := node.Pos()
		if doc != nil {
			start = doc.Pos()
		}
		edits = append(edits, edit{start: off(start), end: off(node.End())})
	}

	// The package comment becomes a plain comment, keeping the "Code
	// generated ... DO NOT EDIT." line.
	if f.Doc != nil {
		var generated string
		for _, c := range f.Doc.List {
			if strings.HasPrefix(c.Text, "// Code generated ") {
				generated = c.Text
			}
		}
		if generated == "" {
			return nil, fmt.Errorf("%s: no \"Code generated\" line in the package comment", name)
		}
		generated = strings.Replace(generated, " DO NOT EDIT.", ", then gen/internal/specconst -trim; DO NOT EDIT.", 1)
		edits = append(edits, edit{start: off(f.Doc.Pos()), end: off(f.Doc.End()), text: generated + "\n"})
	}

	renames := map[string]string{}
	var problems []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil && len(d.Recv.List) == 1 && clientMachinery[baseTypeName(d.Recv.List[0].Type)] {
				cut(d.Doc, d)
				continue
			}
			if namesMachinery(d.Type) {
				cut(d.Doc, d)
				continue
			}
			if d.Recv != nil || !d.Name.IsExported() {
				continue
			}
			if !keptFuncs.MatchString(d.Name.Name) {
				problems = append(problems, fmt.Sprintf("func %s (line %d)", d.Name.Name, fset.Position(d.Pos()).Line))
				continue
			}
			renames[d.Name.Name] = unexport(d.Name.Name)
		case *ast.GenDecl:
			if d.Tok != token.TYPE {
				continue
			}
			for _, s := range d.Specs {
				ts := s.(*ast.TypeSpec)
				if clientMachinery[ts.Name.Name] {
					if len(d.Specs) != 1 {
						return nil, fmt.Errorf("%s: type %s is declared in a group", name, ts.Name.Name)
					}
					cut(d.Doc, d)
					continue
				}
				switch ts.Type.(type) {
				case *ast.InterfaceType, *ast.FuncType:
					if ts.Name.IsExported() && ts.Name.Name != "RequestEditorFn" {
						problems = append(problems, fmt.Sprintf("type %s (line %d)", ts.Name.Name, fset.Position(ts.Pos()).Line))
					}
				}
				if ts.Doc == nil && d.Doc == nil && ts.Name.IsExported() {
					edits = append(edits, edit{start: off(d.Pos()), end: off(d.Pos()), text: typeDoc(ts.Name.Name)})
				}
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: oapi-codegen generated exported client machinery that trim does not know: %s; add it to clientMachinery in gen/internal/specconst/trim.go, or to keptFuncs if package atlas must call it",
			name, strings.Join(problems, ", "))
	}

	// Renamed functions: every use, and the first word of their doc comments.
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if to, ok := renames[id.Name]; ok {
				edits = append(edits, edit{start: off(id.Pos()), end: off(id.End()), text: to})
			}
		}
		return true
	})
	// The response parsers: the same lookups, less work per response.
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && strings.HasPrefix(fd.Name.Name, "Parse") && keptFuncs.MatchString(fd.Name.Name) {
			pe, err := parserEdits(fd, src, off)
			if err != nil {
				return nil, fmt.Errorf("%s: %s (line %d): %w", name, fd.Name.Name, fset.Position(fd.Pos()).Line, err)
			}
			edits = append(edits, pe...)
		}
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
			if to, ok := renames[fd.Name.Name]; ok {
				c := fd.Doc.List[0]
				if strings.HasPrefix(c.Text, "// "+fd.Name.Name) {
					start := off(c.Pos()) + len("// ")
					edits = append(edits, edit{start: start, end: start + len(fd.Name.Name), text: to})
				}
			}
		}
	}
	return withoutUnusedImports(name, apply(src, edits))
}

// withoutUnusedImports formats src, less the imports that the cuts and
// rewrites left unused (io, once the parser reads its body with readBody).
func withoutUnusedImports(name string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var unused []string
	for _, spec := range f.Imports {
		if path, _ := strconv.Unquote(spec.Path.Value); !astutil.UsesImport(f, path) {
			unused = append(unused, path)
		}
	}
	for _, path := range unused {
		astutil.DeleteImport(fset, f, path)
	}
	var out bytes.Buffer
	if err := format.Node(&out, fset, f); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// apply makes the edits, which must not overlap, on a copy of src. An
// edit that lies inside one that cuts (a rename inside a removed function)
// is dropped.
func apply(src []byte, edits []edit) []byte {
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	var out bytes.Buffer
	pos := 0
	for _, e := range edits {
		if e.start < pos {
			continue // inside an edit already made
		}
		out.Write(src[pos:e.start])
		out.WriteString(e.text)
		pos = e.end
	}
	out.Write(src[pos:])
	return out.Bytes()
}

// parserEdits makes a generated response parser, whose *http.Response
// parameter is rsp, do less per response and keep what it does:
//
//   - A header it looks up, rsp.Header.Values("RateLimit-Limit") or
//     rsp.Header.Get(...), is named in canonical form ("Ratelimit-Limit"),
//     which net/http finds without building that string per lookup.
//   - A case that asks for a Content-Type and a status,
//     strings.Contains(rsp.Header.Get("Content-Type"), "json") && rsp.StatusCode == 400,
//     compares the status first: the Content-Type is looked up once, in the
//     case that matches, not once per declared status. Both operands are
//     free of effects, so the swap keeps the case's meaning.
//   - The body, io.ReadAll(rsp.Body), is read with package atlas's
//     readBody, which reads it alike but allocates no buffer for
//     http.NoBody, the body of every empty answer (Atlas's 200s).
//
// A header looked up by a name that is not a string literal, or a condition
// that reads a header before a status in another shape, is an error: a
// newer oapi-codegen writes its parsers otherwise, and these rewrites are to
// be taught the new shape rather than stop applying unseen.
func parserEdits(fd *ast.FuncDecl, src []byte, off func(token.Pos) int) ([]edit, error) {
	rsp := responseParam(fd.Type)
	if rsp == "" {
		return nil, errors.New("the parser takes no *http.Response")
	}
	text := func(e ast.Expr) string { return string(src[off(e.Pos()):off(e.End())]) }
	var edits []edit
	var err error
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if err != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.CallExpr:
			if fn, ok := n.Fun.(*ast.SelectorExpr); ok && isIdent(fn.X, "io") && fn.Sel.Name == "ReadAll" {
				if len(n.Args) != 1 || !isBody(n.Args[0], rsp) {
					err = fmt.Errorf("it reads something other than its response's body with io.ReadAll (%s); teach parserEdits in gen/internal/specconst/trim.go", text(n))
					return false
				}
				edits = append(edits, edit{start: off(fn.Pos()), end: off(fn.End()), text: "readBody"})
				return true
			}
			method, arg, ok := headerLookup(n, rsp)
			if !ok {
				return true
			}
			name, ok := stringLit(arg)
			if !ok {
				err = fmt.Errorf("it looks a header up by %s, not by a string literal (rsp.Header.%s); teach parserEdits in gen/internal/specconst/trim.go", text(arg), method)
				return false
			}
			if canonical := textproto.CanonicalMIMEHeaderKey(name); canonical != name {
				edits = append(edits, edit{start: off(arg.Pos()), end: off(arg.End()), text: strconv.Quote(canonical)})
			}
		case *ast.BinaryExpr:
			readsHeader := func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if ok {
					_, _, ok = headerLookup(call, rsp)
				}
				return ok
			}
			readsStatus := func(n ast.Node) bool { return isStatus(n, rsp) }
			if n.Op != token.LAND || !has(n.X, readsHeader) || !has(n.Y, readsStatus) {
				return true
			}
			if !contentTypeThenStatus(n, rsp) {
				err = fmt.Errorf("a condition reads a header before the status in a shape parserEdits does not know (%s); teach it in gen/internal/specconst/trim.go", text(n))
				return false
			}
			edits = append(edits, edit{start: off(n.Pos()), end: off(n.End()), text: text(n.Y) + " && " + text(n.X)})
			return false // the one lookup inside is of "Content-Type", canonical already
		}
		return true
	})
	return edits, err
}

// responseParam is the name of a function's *http.Response parameter, or "".
func responseParam(ft *ast.FuncType) string {
	for _, field := range ft.Params.List {
		star, ok := field.Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		if sel, ok := star.X.(*ast.SelectorExpr); ok && isIdent(sel.X, "http") && sel.Sel.Name == "Response" && len(field.Names) == 1 {
			return field.Names[0].Name
		}
	}
	return ""
}

// headerLookup reports a call rsp.Header.Values(arg) or rsp.Header.Get(arg),
// with the method and the argument.
func headerLookup(call *ast.CallExpr, rsp string) (string, ast.Expr, bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || (sel.Sel.Name != "Values" && sel.Sel.Name != "Get") || len(call.Args) != 1 {
		return "", nil, false
	}
	if recv, ok := sel.X.(*ast.SelectorExpr); !ok || recv.Sel.Name != "Header" || !isIdent(recv.X, rsp) {
		return "", nil, false
	}
	return sel.Sel.Name, call.Args[0], true
}

// isBody reports whether e is rsp.Body.
func isBody(e ast.Expr, rsp string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Body" && isIdent(sel.X, rsp)
}

// isStatus reports whether n is rsp.StatusCode.
func isStatus(n ast.Node, rsp string) bool {
	sel, ok := n.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "StatusCode" && isIdent(sel.X, rsp)
}

// stringLit returns the string a string literal holds.
func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// contentTypeThenStatus reports a condition, exactly,
// strings.Contains(rsp.Header.Get("Content-Type"), "...") && rsp.StatusCode == N.
func contentTypeThenStatus(e *ast.BinaryExpr, rsp string) bool {
	status, ok := e.Y.(*ast.BinaryExpr)
	if !ok || status.Op != token.EQL {
		return false
	}
	if !isStatus(status.X, rsp) {
		return false
	}
	if lit, ok := status.Y.(*ast.BasicLit); !ok || lit.Kind != token.INT {
		return false
	}
	contains, ok := e.X.(*ast.CallExpr)
	if !ok || len(contains.Args) != 2 {
		return false
	}
	if fn, ok := contains.Fun.(*ast.SelectorExpr); !ok || fn.Sel.Name != "Contains" || !isIdent(fn.X, "strings") {
		return false
	}
	if _, ok := stringLit(contains.Args[1]); !ok {
		return false
	}
	get, ok := contains.Args[0].(*ast.CallExpr)
	if !ok {
		return false
	}
	method, arg, ok := headerLookup(get, rsp)
	name, isLit := stringLit(arg)
	return ok && method == "Get" && isLit && name == "Content-Type"
}

// isIdent reports whether e is the identifier name.
func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// baseTypeName is the name of a receiver type: T for T and *T.
func baseTypeName(x ast.Expr) string {
	if s, ok := x.(*ast.StarExpr); ok {
		x = s.X
	}
	if id, ok := x.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// namesMachinery reports whether a function's signature names a client machinery type.
func namesMachinery(ft *ast.FuncType) bool {
	return has(ft, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		return ok && clientMachinery[id.Name]
	})
}

// has reports whether a node in the tree under root is one that is.
func has(root ast.Node, is func(ast.Node) bool) bool {
	found := false
	ast.Inspect(root, func(n ast.Node) bool {
		found = found || is(n)
		return !found
	})
	return found
}

func unexport(name string) string {
	r := []rune(name)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// typeDoc is the doc comment trim gives a generated type that has none.
func typeDoc(name string) string {
	if op, ok := strings.CutSuffix(name, "Response"); ok {
		return fmt.Sprintf("// %s is what Client.%sWithResponse returns: the raw body, the HTTP\n// response, and the decoded body and headers of a status the OpenAPI fragment declares.\n", name, op)
	}
	return fmt.Sprintf("// %s is generated from the OpenAPI fragment.\n", name)
}
