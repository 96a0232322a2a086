package openapi

import (
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/internal/ecmaregexp"
)

// patterns memoizes CompilePattern: the published spec writes its 1,151
// patterns with 45 distinct expressions, and kin-openapi, given a compiler
// of its own, compiles a pattern at every schema that holds it.
var patterns sync.Map // expression -> openapi3.RegexMatcher

// CompilePattern compiles a schema's pattern as the ECMAScript regular
// expression OpenAPI says it is (internal/ecmaregexp: Go's regexp when it
// accepts the pattern, regexp2 for look-aheads and back-references). It is
// an openapi3.RegexCompilerFunc, and remembers what it compiled.
//
// LoadAtlas and LoadPublished validate documents with it. kin-openapi
// caches compiled patterns by expression, so a document loaded by them
// matches with these; a judge should still pass it to request validation
// (openapi3filter.Options.RegexCompiler) and to response validation, which
// ignores that field (Options.SchemaValidationOptions:
// openapi3.SetSchemaRegexCompiler(openapi.CompilePattern)), so that a
// pattern no validation compiled before is not handed to Go's regexp.
func CompilePattern(expr string) (openapi3.RegexMatcher, error) {
	if m, ok := patterns.Load(expr); ok {
		return m.(openapi3.RegexMatcher), nil
	}
	m, err := ecmaregexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	patterns.Store(expr, m)
	return m, nil
}
