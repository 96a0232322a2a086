package openapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// LoadForDiff parses an OpenAPI 3.0 document, a fragment or a whole upstream
// spec, for Renames; name labels errors. $refs are resolved (external ones are
// refused) but the document is deliberately not validated: MongoDB's
// upstream spec carries regular expressions with look-aheads that Go cannot
// compile, among other things kin-openapi's Validate rejects even with
// openapi3.DisableSchemaPatternValidation, and Renames needs only the
// structure. Use LoadData for a fragment that must be valid.
func LoadForDiff(data []byte, name string) (*openapi3.T, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, fmt.Errorf("%s: empty file; expected an OpenAPI 3.0.x document", name)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not a loadable OpenAPI document: %w", name, err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		v := doc.OpenAPI
		if v == "" {
			v = "no openapi field"
		}
		return nil, fmt.Errorf("%s: expected an OpenAPI 3.0.x document (top-level openapi: 3.0.x), found %s", name, v)
	}
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		return nil, errors.New(name + ": the document has no paths")
	}
	return doc, nil
}
