package openapi

import (
	"fmt"
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// Rename is a change of one of the names that generated code is built from.
type Rename struct {
	// Field is "operationId" or OperationIDOverrideExtension.
	Field string
	// Old and New are the names; "" is an absent name.
	Old, New string
	// Breaking says whether importers of the generated client must change
	// their code: Field is the name the generator builds method and type
	// names from, so they are renamed.
	Breaking bool
}

// String says what changed and what it means for generated code.
func (r Rename) String() string {
	what := "the generated client's names do not come from it"
	switch {
	case r.Breaking:
		what = "the generated client names its methods and types after it, so they are renamed"
	case r.Field == OperationIDOverrideExtension:
		what = "MongoDB's SDK and CLI name their methods after it; " + what
	}
	return fmt.Sprintf("%s changed from %s to %s: %s", r.Field, quoteOrNone(r.Old), quoteOrNone(r.New), what)
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", s)
}

// Renames compares the names of the one operation of two fragments: its
// operationId and its x-xgen-operation-id-override. These are what a spec
// differ such as oasdiff does not weigh for a generated client: oasdiff
// reports an operationId change as information only and does not compare
// extensions. namedAfter is the field the generator names methods and types
// after, "operationId" or OperationIDOverrideExtension; a change of that field
// is breaking. Each document must hold exactly one operation, as a fragment
// from Extract does, so the two are paired whatever their names.
func Renames(oldDoc, newDoc *openapi3.T, namedAfter string) ([]Rename, error) {
	if namedAfter != "operationId" && namedAfter != OperationIDOverrideExtension {
		return nil, fmt.Errorf("generated names come from operationId or %s, not %q", OperationIDOverrideExtension, namedAfter)
	}
	oldOp, err := onlyOperation(oldDoc, "old")
	if err != nil {
		return nil, err
	}
	newOp, err := onlyOperation(newDoc, "new")
	if err != nil {
		return nil, err
	}
	var out []Rename
	if oldOp.OperationID != newOp.OperationID {
		out = append(out, Rename{Field: "operationId", Old: oldOp.OperationID, New: newOp.OperationID, Breaking: namedAfter == "operationId"})
	}
	oldOverride, _ := oldOp.Extensions[OperationIDOverrideExtension].(string)
	newOverride, _ := newOp.Extensions[OperationIDOverrideExtension].(string)
	if oldOverride != newOverride {
		out = append(out, Rename{Field: OperationIDOverrideExtension, Old: oldOverride, New: newOverride, Breaking: namedAfter == OperationIDOverrideExtension})
	}
	return out, nil
}

// NotAFragmentError says that a document compared by Renames does not hold
// exactly one operation.
type NotAFragmentError struct {
	// Side is "old" or "new".
	Side string
	// Operations lists the document's operations as "METHOD path".
	Operations []string
}

// Error says how many operations the document holds.
func (e *NotAFragmentError) Error() string {
	return fmt.Sprintf("expected a fragment with one operation, found %d %v", len(e.Operations), e.Operations)
}

// onlyOperation returns the one operation of doc.
func onlyOperation(doc *openapi3.T, side string) (*openapi3.Operation, error) {
	if doc == nil {
		return nil, fmt.Errorf("the %s document is nil", side)
	}
	var found *openapi3.Operation
	names := []string{}
	if doc.Paths != nil {
		paths := doc.Paths.Map()
		for _, path := range slices.Sorted(maps.Keys(paths)) {
			if paths[path] == nil {
				continue
			}
			ops := paths[path].Operations()
			for _, method := range slices.Sorted(maps.Keys(ops)) {
				found = ops[method]
				names = append(names, method+" "+path)
			}
		}
	}
	if len(names) != 1 {
		return nil, &NotAFragmentError{Side: side, Operations: names}
	}
	return found, nil
}
