package openapi

import (
	"context"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// Warning codes: what loading a published spec worked around.
const (
	// WarnInvalidExample: an example does not match its schema. Examples
	// are not validated at load; each invalid one is a warning.
	WarnInvalidExample = "invalid-example"
	// WarnPathConflict: two path templates differ only in their parameter
	// names, which OpenAPI forbids; the operations of the later one (in
	// byte order) are moved under the first.
	WarnPathConflict = "path-conflict"
	// WarnErrataUnmatched: an errata action matches nothing in the spec
	// (written for another revision of it), so it changes nothing.
	WarnErrataUnmatched = "errata-unmatched"
)

// Warning is something wrong in a spec that loading worked around: it does
// not stop the load. Warnings are data, in a stable order.
type Warning struct {
	// Code is one of the Warn* constants.
	Code string
	// Pointer is a JSON pointer (RFC 6901) into the document to what the
	// warning is about; "" when it is about the errata overlay.
	Pointer string
	// Operation is the operationId of the operation concerned; "" when the
	// warning is not about one operation.
	Operation string
	// Message says what is wrong and what loading did about it.
	Message string
}

// String is the warning on one line.
func (w Warning) String() string {
	where := w.Pointer
	if w.Operation != "" {
		where = w.Operation + " " + where
	}
	if where == "" {
		return w.Code + ": " + w.Message
	}
	return w.Code + " " + where + ": " + w.Message
}

// checkDocument validates a loaded document with kin-openapi, patterns as
// ECMAScript (CompilePattern), after resolving its path conflicts, and
// checks its examples apart: what upstream gets wrong without making the
// spec unusable is a Warning, anything else an error that names the
// document.
func checkDocument(doc *openapi3.T, name string) ([]Warning, error) {
	warnings := resolvePathConflicts(doc)
	err := doc.Validate(context.Background(),
		openapi3.DisableExamplesValidation(),
		openapi3.SetRegexCompiler(CompilePattern))
	if err != nil {
		return nil, fmt.Errorf("%s: invalid OpenAPI document: %w", name, err)
	}
	return append(warnings, exampleWarnings(doc)...), nil
}
