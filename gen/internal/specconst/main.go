// Command specconst writes the facts about the one operation of an OpenAPI
// fragment that the hand-written client needs and oapi-codegen does not emit
// (the versioned media type, the groupId pattern, the default server, the
// OAuth token path) as Go constants, so that the fragment stays their only
// source. With -trim it also takes oapi-codegen's unconfigured client out of
// the file oapi-codegen generated into the same package (see trim). It runs
// from gen/generate.go.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/format"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/getkin/kin-openapi/openapi3"
)

func main() {
	spec := flag.String("spec", "", "OpenAPI fragment `file` holding exactly one operation")
	out := flag.String("o", "", "output Go `file`")
	pkg := flag.String("package", "atlas", "Go package name")
	trimFile := flag.String("trim", "", "Go `file` oapi-codegen generated into the package, to take its unconfigured client out of (rewritten in place)")
	flag.Parse()
	if *spec == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: specconst -spec FILE -o FILE [-package NAME] [-trim FILE]")
		os.Exit(2)
	}
	if err := run(*spec, *out, *pkg, *trimFile); err != nil {
		fmt.Fprintf(os.Stderr, "specconst: %v\n", err)
		os.Exit(1)
	}
}

func run(spec, out, pkg, trimFile string) error {
	src, err := generate(spec, pkg)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		return err
	}
	if trimFile == "" {
		return nil
	}
	if src, err = os.ReadFile(trimFile); err != nil {
		return err
	}
	if src, err = trim(trimFile, src); err != nil {
		return err
	}
	return os.WriteFile(trimFile, src, 0o644)
}

type facts struct {
	Package, Spec                        string
	Method, Path, OperationID, MediaType string
	GroupIDPattern, ServerURL, TokenPath string
	IntegerHeaders                       []string
}

var vendorMediaType = regexp.MustCompile(`^application/vnd\.atlas\.\d{4}-\d{2}-\d{2}\+json$`)

func generate(specPath, pkg string) ([]byte, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", specPath, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("%s: %w", specPath, err)
	}
	f := facts{Package: pkg, Spec: specPath}

	var ops int
	var op *openapi3.Operation
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			ops++
			f.Path, f.Method, op = path, method, o
		}
	}
	if ops != 1 {
		return nil, fmt.Errorf("%s: want exactly one operation, found %d", specPath, ops)
	}
	f.OperationID = op.OperationID

	// The newest versioned media type among the success responses.
	var types []string
	for code, resp := range op.Responses.Map() {
		if !strings.HasPrefix(code, "2") || resp.Value == nil {
			continue
		}
		for mt := range resp.Value.Content {
			if vendorMediaType.MatchString(mt) {
				types = append(types, mt)
			}
		}
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("%s: no 2xx response declares an application/vnd.atlas.YYYY-MM-DD+json media type", specPath)
	}
	f.MediaType = slices.Max(types)

	// The response headers declared as integers, in canonical form.
	for _, resp := range op.Responses.Map() {
		if resp.Value == nil {
			continue
		}
		for name, h := range resp.Value.Headers {
			if h.Value != nil && h.Value.Schema != nil && h.Value.Schema.Value != nil && h.Value.Schema.Value.Type.Is("integer") {
				f.IntegerHeaders = append(f.IntegerHeaders, http.CanonicalHeaderKey(name))
			}
		}
	}
	slices.Sort(f.IntegerHeaders)
	f.IntegerHeaders = slices.Compact(f.IntegerHeaders)

	params := op.Parameters
	if item := doc.Paths.Value(f.Path); item != nil {
		params = append(slices.Clone(item.Parameters), params...)
	}
	if p := params.GetByInAndName(openapi3.ParameterInPath, "groupId"); p != nil && p.Schema != nil && p.Schema.Value != nil {
		f.GroupIDPattern = p.Schema.Value.Pattern
	}
	if f.GroupIDPattern == "" {
		return nil, fmt.Errorf("%s: the groupId path parameter has no pattern", specPath)
	}
	if _, err := regexp.Compile(f.GroupIDPattern); err != nil {
		return nil, fmt.Errorf("%s: the groupId pattern %q is not a Go regular expression: %w", specPath, f.GroupIDPattern, err)
	}

	if len(doc.Servers) == 0 {
		return nil, fmt.Errorf("%s: no servers", specPath)
	}
	f.ServerURL = doc.Servers[0].URL

	sa := doc.Components.SecuritySchemes["ServiceAccounts"]
	if sa == nil || sa.Value == nil || sa.Value.Flows == nil || sa.Value.Flows.ClientCredentials == nil {
		return nil, fmt.Errorf("%s: no ServiceAccounts client-credentials security scheme", specPath)
	}
	tok, err := url.Parse(sa.Value.Flows.ClientCredentials.TokenURL)
	if err != nil || tok.Path == "" {
		return nil, fmt.Errorf("%s: ServiceAccounts tokenUrl %q has no path", specPath, sa.Value.Flows.ClientCredentials.TokenURL)
	}
	f.TokenPath = tok.Path

	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, f); err != nil {
		return nil, err
	}
	return format.Source(buf.Bytes())
}

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{"q": strconv.Quote, "raw": func(s string) string {
	if strings.Contains(s, "`") {
		return strconv.Quote(s)
	}
	return "`" + s + "`"
}}).Parse(`// Code generated by gen/internal/specconst from {{.Spec}}; DO NOT EDIT.

package {{.Package}}

// Facts about the operation, taken from the OpenAPI fragment at generation time.
const (
	// OperationID is the operation's operationId.
	OperationID = {{q .OperationID}}
	// OperationMethod is the operation's HTTP method.
	OperationMethod = {{q .Method}}
	// OperationPath is the operation's path template, below the server URL.
	OperationPath = {{q .Path}}
	// MediaType is the versioned media type the client sends in Accept: the
	// newest one the fragment declares for a success response.
	MediaType = {{q .MediaType}}
	// GroupIDPattern is the pattern a groupId must match.
	GroupIDPattern = {{raw .GroupIDPattern}}
	// DefaultServerURL is the fragment's first server.
	DefaultServerURL = {{q .ServerURL}}
	// TokenPath is the path, below the server URL, of the Service Account
	// OAuth 2.0 token endpoint.
	TokenPath = {{q .TokenPath}}
)

// integerHeaders are the response headers the fragment declares as
// integers, in canonical form.
var integerHeaders = [...]string{ {{- range $i, $h := .IntegerHeaders}}{{if $i}}, {{end}}{{q $h}}{{end -}} }
`))
