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
	// Breaking says that Field is the name the generator builds method and
	// type names from, so importers of the generated client must change.
	Breaking bool
}

// String says what changed and what it means for generated code.
func (r Rename) String() string {
	if r.Breaking {
		return fmt.Sprintf("breaking: %s changed from %q to %q: the generated client names its methods and types after it, so they are renamed", r.Field, r.Old, r.New)
	}
	return fmt.Sprintf("non-breaking: %s changed from %q to %q: the generated client's names do not come from it", r.Field, r.Old, r.New)
}

// Renames compares the operationId and x-xgen-operation-id-override of two
// operations, such as those LoadOperation returns: oasdiff reports an
// operationId change as information only and does not compare extensions.
// namedAfter is the field the generator names methods and types after,
// "operationId" or OperationIDOverrideExtension; a change of it is breaking.
func Renames(oldOp, newOp *openapi3.Operation, namedAfter string) ([]Rename, error) {
	if namedAfter != "operationId" && namedAfter != OperationIDOverrideExtension {
		return nil, fmt.Errorf("generated names come from operationId or %s, not %q", OperationIDOverrideExtension, namedAfter)
	}
	oldOverride, _ := oldOp.Extensions[OperationIDOverrideExtension].(string)
	newOverride, _ := newOp.Extensions[OperationIDOverrideExtension].(string)
	all := []Rename{
		{Field: "operationId", Old: oldOp.OperationID, New: newOp.OperationID, Breaking: namedAfter == "operationId"},
		{Field: OperationIDOverrideExtension, Old: oldOverride, New: newOverride, Breaking: namedAfter == OperationIDOverrideExtension},
	}
	return slices.DeleteFunc(all, func(r Rename) bool { return r.Old == r.New }), nil
}

// LoadOperation parses and validates a fragment as Extract validates the
// fragments it writes, and returns its one operation; name labels errors.
// An example that does not match its schema (upstream's own, as in
// createGroupCluster's fragment) is a Warning, not an error, so every
// fragment Extract writes loads. A document with none or several operations
// is an error that lists them.
func LoadOperation(data []byte, name string) (*openapi3.Operation, []Warning, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	warnings, err := checkDocument(doc, name)
	if err != nil {
		return nil, nil, err
	}
	var found *openapi3.Operation
	names := []string{}
	paths := doc.Paths.Map() // validated: no path item is nil
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		ops := paths[path].Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			found = ops[method]
			names = append(names, method+" "+path)
		}
	}
	if len(names) != 1 {
		return nil, nil, fmt.Errorf("%s: expected a fragment with one operation, found %d %v", name, len(names), names)
	}
	return found, warnings, nil
}
