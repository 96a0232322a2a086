package openapi

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

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

// OperationNotFoundError says that one side of a comparison has no operation
// to compare.
type OperationNotFoundError struct {
	// Side is "old" or "new".
	Side string
	// OperationID is the operation asked for.
	OperationID string
	// Method and Path are the other side's operation, tried as a fallback;
	// empty when neither side has the operation.
	Method, Path string
}

// Error says which operation is missing and which fallback was tried.
func (e *OperationNotFoundError) Error() string {
	if e.Method == "" {
		return fmt.Sprintf("no operation has operationId or %s %q", OperationIDOverrideExtension, e.OperationID)
	}
	return fmt.Sprintf("no operation has operationId or %s %q, and there is no %s %s", OperationIDOverrideExtension, e.OperationID, e.Method, e.Path)
}

// Renames compares the names of the operation operationID in oldDoc and
// newDoc: its operationId and its x-xgen-operation-id-override. These are
// what a spec differ such as oasdiff does not weigh for a generated client:
// oasdiff reports an operationId change as information only, and does not
// compare extensions. namedAfter is the field the generator names methods
// and types after, "operationId" or OperationIDOverrideExtension; a change of
// that field is breaking.
//
// The operation is found on each side by its operationId or, failing that,
// by its override (see Extract); a side that has neither is paired by the
// other side's method and path, so a renamed operation is found by either
// name. Renames returns an *OperationNotFoundError or
// *AmbiguousOperationError when it cannot pair the operations.
func Renames(oldDoc, newDoc *openapi3.T, operationID, namedAfter string) ([]Rename, error) {
	if oldDoc == nil || newDoc == nil {
		return nil, errors.New("renames: a document is nil")
	}
	if namedAfter != "operationId" && namedAfter != OperationIDOverrideExtension {
		return nil, fmt.Errorf("renames: generated names come from operationId or %s, not %q", OperationIDOverrideExtension, namedAfter)
	}
	oldOp, err := lookupOperation(oldDoc, operationID, "old")
	if err != nil {
		return nil, err
	}
	newOp, err := lookupOperation(newDoc, operationID, "new")
	if err != nil {
		return nil, err
	}
	switch {
	case oldOp == nil && newOp == nil:
		return nil, &OperationNotFoundError{Side: "old", OperationID: operationID}
	case oldOp == nil:
		if oldOp = operationAt(oldDoc, newOp.method, newOp.path); oldOp == nil {
			return nil, &OperationNotFoundError{Side: "old", OperationID: operationID, Method: newOp.method, Path: newOp.path}
		}
	case newOp == nil:
		if newOp = operationAt(newDoc, oldOp.method, oldOp.path); newOp == nil {
			return nil, &OperationNotFoundError{Side: "new", OperationID: operationID, Method: oldOp.method, Path: oldOp.path}
		}
	}
	var out []Rename
	if oldOp.id != newOp.id {
		out = append(out, Rename{Field: "operationId", Old: oldOp.id, New: newOp.id, Breaking: namedAfter == "operationId"})
	}
	if oldOp.override != newOp.override {
		out = append(out, Rename{Field: OperationIDOverrideExtension, Old: oldOp.override, New: newOp.override, Breaking: namedAfter == OperationIDOverrideExtension})
	}
	return out, nil
}

// lookupOperation finds the operation named id (see matchOperation); nil
// when none has the name.
func lookupOperation(doc *openapi3.T, id, side string) (*opName, error) {
	all := operations(doc)
	i, ok, err := matchOperation(all, id)
	var amb *AmbiguousOperationError
	if errors.As(err, &amb) {
		amb.Side = side
	}
	if err != nil || !ok {
		return nil, err
	}
	return &all[i], nil
}

// operationAt returns the operation at method and path, or nil.
func operationAt(doc *openapi3.T, method, path string) *opName {
	for _, o := range operations(doc) {
		if o.method == method && o.path == path {
			return &o
		}
	}
	return nil
}

// operations lists the names of every operation of doc, sorted by path and
// method.
func operations(doc *openapi3.T) []opName {
	if doc.Paths == nil {
		return nil
	}
	var out []opName
	for path, item := range doc.Paths.Map() {
		if item == nil {
			continue
		}
		for method, op := range item.Operations() {
			if op == nil {
				continue
			}
			override, _ := op.Extensions[OperationIDOverrideExtension].(string)
			out = append(out, opName{method: method, path: path, id: op.OperationID, override: override})
		}
	}
	slices.SortFunc(out, func(a, b opName) int {
		return cmp.Or(strings.Compare(a.path, b.path), strings.Compare(a.method, b.method))
	})
	return out
}
