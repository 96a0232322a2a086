package openapi

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Change kinds: the stable IDs in Change.Kind. Whether a change is breaking
// depends on the kind and, for schema changes, on the side of the exchange
// (see Diff).
const (
	KindOperationIDChanged         = "operation-id-changed"
	KindOperationIDOverrideChanged = "operation-id-override-changed"
	KindOperationMethodChanged     = "operation-method-changed"
	KindOperationPathChanged       = "operation-path-changed"
	KindSummaryChanged             = "summary-changed"
	KindDescriptionChanged         = "description-changed"
	KindExampleChanged             = "example-changed"
	KindDeprecatedChanged          = "deprecated-changed"

	KindParameterAdded          = "parameter-added"
	KindRequiredParameterAdded  = "required-parameter-added"
	KindParameterRemoved        = "parameter-removed"
	KindParameterBecameRequired = "parameter-became-required"
	KindParameterBecameOptional = "parameter-became-optional"
	KindParameterStyleChanged   = "parameter-style-changed"

	KindRequestBodyAdded          = "request-body-added"
	KindRequiredRequestBodyAdded  = "required-request-body-added"
	KindRequestBodyRemoved        = "request-body-removed"
	KindRequestBodyBecameRequired = "request-body-became-required"
	KindRequestBodyBecameOptional = "request-body-became-optional"

	KindResponseStatusAdded          = "response-status-added"
	KindResponseStatusRemoved        = "response-status-removed"
	KindResponseHeaderAdded          = "response-header-added"
	KindResponseHeaderRemoved        = "response-header-removed"
	KindResponseHeaderBecameRequired = "response-header-became-required"
	KindResponseHeaderBecameOptional = "response-header-became-optional"

	KindMediaTypeAdded   = "media-type-added"
	KindMediaTypeRemoved = "media-type-removed"
	KindMediaTypeChanged = "media-type-changed"

	KindSchemaAdded             = "schema-added"
	KindSchemaRemoved           = "schema-removed"
	KindTypeChanged             = "type-changed"
	KindFormatChanged           = "format-changed"
	KindEnumNarrowed            = "enum-narrowed"
	KindEnumWidened             = "enum-widened"
	KindPatternAdded            = "pattern-added"
	KindPatternRemoved          = "pattern-removed"
	KindPatternChanged          = "pattern-changed"
	KindNullableAdded           = "nullable-added"
	KindNullableRemoved         = "nullable-removed"
	KindLimitNarrowed           = "limit-narrowed"
	KindLimitWidened            = "limit-widened"
	KindDefaultChanged          = "default-changed"
	KindPropertyAdded           = "property-added"
	KindRequiredPropertyAdded   = "required-property-added"
	KindPropertyRemoved         = "property-removed"
	KindPropertyBecameRequired  = "property-became-required"
	KindPropertyBecameOptional  = "property-became-optional"
	KindAdditionalPropsNarrowed = "additional-properties-narrowed"
	KindAdditionalPropsWidened  = "additional-properties-widened"
	KindCompositionChanged      = "composition-changed"
)

// Change is one difference in the operation between two documents.
type Change struct {
	// Kind is a stable ID for what changed, one of the Kind constants.
	Kind string `json:"kind"`
	// Breaking says whether a client or recording built against the old
	// document may fail against the new one.
	Breaking bool `json:"breaking"`
	// Location is a JSON-pointer-like path inside the operation, each segment
	// escaped as in a JSON pointer ("~" as "~0", "/" as "~1"), e.g.
	// "responses/400/content/application~1json/schema/properties/errorCode"
	// or "parameters/path/groupId/schema/pattern".
	Location string `json:"location"`
	// Message says what changed, old and new values included.
	Message string `json:"message"`
}

// DiffReport is what changed for one operation. Its JSON form (WriteJSON)
// has the fields "operation", "breaking" and "nonBreaking"; each change has
// "kind", "breaking", "location" and "message". Both lists are sorted by
// location, then kind, then message, and are empty lists, never null.
type DiffReport struct {
	// Operation is the operation compared, as it was asked for.
	Operation string `json:"operation"`
	// Breaking holds the changes that may break a client or a recording.
	Breaking []Change `json:"breaking"`
	// NonBreaking holds the rest: additions and text-only changes.
	NonBreaking []Change `json:"nonBreaking"`
}

// HasBreaking reports whether any change is breaking.
func (r *DiffReport) HasBreaking() bool { return len(r.Breaking) > 0 }

// OperationNotFoundError says that one side of a diff has no operation to
// compare.
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

// Diff compares the operation operationID of oldDoc and newDoc.
//
// The operation is found on each side by its operationId or, failing that,
// by its x-xgen-operation-id-override; a side that has neither is matched by
// the other side's method and path, so a renamed operation is compared and
// its rename reported rather than missed. Path-level parameters count as the
// operation's. $refs are followed through kin-openapi's resolved values, and
// a schema that refers to itself is compared once per location.
//
// A change is breaking when something that worked against oldDoc may fail
// against newDoc:
//
//   - Anywhere: an operationId, method or path change (a client generated
//     from the operationId renames its methods), a removed status, media type,
//     parameter, header or property, a type, format, default or pattern
//     change, a narrowed enum.
//   - Requests (parameters, request body): a change that narrows what is
//     valid, such as a new required parameter or property, an added pattern
//     or enum, a tighter limit. Widening a request is not breaking.
//   - Responses: widening and narrowing both. A client may read what it was
//     not built for (a new enum value, a null, an absent property); a
//     recording that was valid against oldDoc may fail the contract harness
//     against newDoc. Two widenings are exempt: a new optional property, and
//     nullable added to a property that was already optional, which a Go
//     client reads as the absent value it already handles.
//
// New statuses, new optional parameters, headers and properties, and changes
// to descriptions, summaries, examples and deprecation are non-breaking.
// Security requirements, servers, tags, links, callbacks, readOnly and
// writeOnly, discriminators and extensions other than
// x-xgen-operation-id-override are not compared.
//
// Diff returns an *OperationNotFoundError or *AmbiguousOperationError when
// it cannot pair the operations.
func Diff(oldDoc, newDoc *openapi3.T, operationID string) (*DiffReport, error) {
	if oldDoc == nil || newDoc == nil {
		return nil, errors.New("diff: a document is nil")
	}
	if operationID == "" {
		return nil, errors.New("diff: no operation given")
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

	d := newDiffer()
	d.operation(oldOp, newOp)
	return d.report(operationID), nil
}

// located is an operation with where it lives.
type located struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
}

// lookupOperation finds the operation named id (see matchOperation); nil
// when none has the name.
func lookupOperation(doc *openapi3.T, id, side string) (*located, error) {
	all := operations(doc)
	names := make([]opName, len(all))
	for i, l := range all {
		override, _ := l.op.Extensions[OperationIDOverrideExtension].(string)
		names[i] = opName{method: l.method, path: l.path, id: l.op.OperationID, override: override}
	}
	i, ok, err := matchOperation(names, id)
	var amb *AmbiguousOperationError
	if errors.As(err, &amb) {
		amb.Side = side
	}
	if err != nil || !ok {
		return nil, err
	}
	return all[i], nil
}

// operationAt returns the operation at method and path, or nil.
func operationAt(doc *openapi3.T, method, path string) *located {
	for _, l := range operations(doc) {
		if l.method == method && l.path == path {
			return l
		}
	}
	return nil
}

// operations lists every operation of doc, sorted by path and method.
func operations(doc *openapi3.T) []*located {
	if doc.Paths == nil {
		return nil
	}
	var out []*located
	paths := doc.Paths.Map()
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		item := paths[p]
		if item == nil {
			continue
		}
		ops := item.Operations()
		for _, m := range slices.Sorted(maps.Keys(ops)) {
			if ops[m] != nil {
				out = append(out, &located{method: m, path: p, item: item, op: ops[m]})
			}
		}
	}
	return out
}

// differ collects changes.
type differ struct {
	changes []Change
	// memo holds the changes found under a pair of schemas compared in one
	// context, relative to the pair's location; onStack holds the pairs being
	// compared, so a schema that refers to itself stops there.
	memo    map[schemaKey][]Change
	onStack map[schemaKey]bool
}

func newDiffer() *differ {
	return &differ{memo: map[schemaKey][]Change{}, onStack: map[schemaKey]bool{}}
}

func (d *differ) add(c Change) { d.changes = append(d.changes, c) }

func (d *differ) report(operationID string) *DiffReport {
	slices.SortFunc(d.changes, func(a, b Change) int {
		return cmp.Or(strings.Compare(a.Location, b.Location), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Message, b.Message))
	})
	r := &DiffReport{Operation: operationID, Breaking: []Change{}, NonBreaking: []Change{}}
	for _, c := range slices.Compact(d.changes) {
		if c.Breaking {
			r.Breaking = append(r.Breaking, c)
		} else {
			r.NonBreaking = append(r.NonBreaking, c)
		}
	}
	return r
}

// loc joins location segments, escaping each as a JSON pointer token.
func loc(segments ...string) string {
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	var parts []string
	for _, s := range segments {
		if s != "" {
			parts = append(parts, esc.Replace(s))
		}
	}
	return strings.Join(parts, "/")
}

// join appends an already escaped relative location to an escaped prefix.
func join(prefix, rel string) string {
	switch {
	case prefix == "":
		return rel
	case rel == "":
		return prefix
	}
	return prefix + "/" + rel
}
