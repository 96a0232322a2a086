package openapi

import (
	"fmt"
	"strings"
)

// OperationIDOverrideExtension is the extension MongoDB puts beside an
// operationId it renamed; MongoDB's own SDK and CLI name their methods after
// it.
const OperationIDOverrideExtension = "x-xgen-operation-id-override"

// opName is what the naming rule needs to know of an operation.
type opName struct {
	method, path string
	id, override string
}

// matchOperation applies Extract's naming rule: the operations whose
// operationId is name win; failing any, those whose
// x-xgen-operation-id-override is. It returns their indexes in ops, none,
// one, or several; several is an *AmbiguousOperationError.
func matchOperation(ops []opName, name string) (int, bool, error) {
	var byID, byOverride []int
	for i, o := range ops {
		if o.id == name {
			byID = append(byID, i)
		}
		if o.override == name {
			byOverride = append(byOverride, i)
		}
	}
	hits := byID
	if len(hits) == 0 {
		hits = byOverride
	}
	switch len(hits) {
	case 0:
		return 0, false, nil
	case 1:
		return hits[0], true, nil
	}
	err := &AmbiguousOperationError{OperationID: name}
	for _, i := range hits {
		err.Operations = append(err.Operations, strings.ToUpper(ops[i].method)+" "+ops[i].path)
	}
	return 0, false, err
}

// AmbiguousOperationError says that several operations carry the name asked
// for.
type AmbiguousOperationError struct {
	// OperationID is the operation asked for.
	OperationID string
	// Operations lists the candidates as "METHOD path".
	Operations []string
}

// Error lists the operations that carry the ID.
func (e *AmbiguousOperationError) Error() string {
	return fmt.Sprintf("operation %q is ambiguous: %s", e.OperationID, strings.Join(e.Operations, ", "))
}
