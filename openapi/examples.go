package openapi

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// exampleWarnings checks every example of a validated document against its
// schema, as kin-openapi's document validation would (a request's examples
// as a request: readOnly properties refused; a response's as a response;
// a schema's own example with neither), and returns a WarnInvalidExample
// for each one that does not match: upstream's examples are documentation,
// and one of them being wrong is no reason to refuse the spec.
//
// A component is checked once, under its own pointer; the operations are
// visited in path and method order, so the warnings come in a stable order.
func exampleWarnings(doc *openapi3.T) []Warning {
	w := exampleWalker{seen: map[string]bool{}, schemas: map[*openapi3.Schema]bool{}}
	paths := doc.Paths.Map()
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item := paths[path]
		base := root.at("paths").at(path)
		for i, p := range item.Parameters {
			w.parameter(p, base.at("parameters").index(i), "")
		}
		for _, method := range methodsOf(item) {
			op := item.GetOperation(method)
			at := base.at(strings.ToLower(method))
			for i, p := range op.Parameters {
				w.parameter(p, at.at("parameters").index(i), op.OperationID)
			}
			if rb := op.RequestBody; rb != nil {
				w.requestBody(rb, at.at("requestBody"), op.OperationID)
			}
			if op.Responses != nil {
				responses := op.Responses.Map()
				for _, code := range slices.Sorted(maps.Keys(responses)) {
					w.response(responses[code], at.at("responses").at(code), op.OperationID)
				}
			}
		}
	}
	if c := doc.Components; c != nil {
		// Each component once: those the operations reference were checked
		// under their own pointer already.
		at := root.at("components")
		for _, name := range slices.Sorted(maps.Keys(c.Parameters)) {
			v := c.Parameters[name]
			w.parameter(&openapi3.ParameterRef{Ref: componentRef("parameters", name, v.Ref), Value: v.Value}, at.at("parameters").at(name), "")
		}
		for _, name := range slices.Sorted(maps.Keys(c.RequestBodies)) {
			v := c.RequestBodies[name]
			w.requestBody(&openapi3.RequestBodyRef{Ref: componentRef("requestBodies", name, v.Ref), Value: v.Value}, at.at("requestBodies").at(name), "")
		}
		for _, name := range slices.Sorted(maps.Keys(c.Responses)) {
			v := c.Responses[name]
			w.response(&openapi3.ResponseRef{Ref: componentRef("responses", name, v.Ref), Value: v.Value}, at.at("responses").at(name), "")
		}
		for _, name := range slices.Sorted(maps.Keys(c.Headers)) {
			v := c.Headers[name]
			w.header(&openapi3.HeaderRef{Ref: componentRef("headers", name, v.Ref), Value: v.Value}, at.at("headers").at(name), "")
		}
		for _, name := range slices.Sorted(maps.Keys(c.Schemas)) {
			w.schema(c.Schemas[name], at.at("schemas").at(name))
		}
	}
	return w.warnings
}

// componentRef is the reference to components.<kind>.<name>, or ref when
// that component is itself a reference.
func componentRef(kind, name, ref string) string {
	if ref != "" {
		return ref
	}
	return "#/components/" + kind + "/" + escapePointer(name)
}

// pointer is a JSON pointer built a token at a time and written out only
// for a warning: the walk visits tens of thousands of places.
type pointer struct {
	parent *pointer
	token  string
}

// root is the empty pointer, the whole document.
var root *pointer

func (p *pointer) at(token string) *pointer { return &pointer{parent: p, token: token} }

func (p *pointer) index(i int) *pointer { return p.at(strconv.Itoa(i)) }

// String writes the pointer out, its tokens escaped (RFC 6901).
func (p *pointer) String() string {
	var tokens []string
	for q := p; q != nil; q = q.parent {
		tokens = append(tokens, q.token)
	}
	var b strings.Builder
	for i := len(tokens) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(escapePointer(tokens[i]))
	}
	return b.String()
}

// refPointer is the pointer a local reference ("#/components/...") names,
// nil for another reference.
func refPointer(ref string) *pointer {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var p *pointer
	for _, token := range strings.Split(rest, "/") {
		p = p.at(pointerUnescaper.Replace(token))
	}
	return p
}

// direction says how an example is visited: as a request, a response, or
// (a schema's own example) neither.
type direction int

const (
	neither direction = iota
	asRequest
	asResponse
)

type exampleWalker struct {
	warnings []Warning
	// seen holds the references of the components checked; schemas the
	// schemas walked (schemas nest and recurse).
	seen    map[string]bool
	schemas map[*openapi3.Schema]bool
}

// component returns the pointer to check a referenced component under and
// the operation to name (none for a component, which operations share),
// and false when it was checked already.
func (w *exampleWalker) component(ref string, at *pointer, op string) (*pointer, string, bool) {
	if ref != "" {
		op = ""
	}
	ptr := refPointer(ref)
	if ptr == nil {
		return at, op, true
	}
	if w.seen[ref] {
		return ptr, op, false
	}
	w.seen[ref] = true
	return ptr, op, true
}

func (w *exampleWalker) parameter(ref *openapi3.ParameterRef, at *pointer, op string) {
	at, op, ok := w.component(ref.Ref, at, op)
	if !ok || ref.Value == nil {
		return
	}
	w.examples(&ref.Value.Example, ref.Value.Examples, ref.Value.Schema, at, op, asRequest)
	w.content(ref.Value.Content, at, op, asRequest)
}

func (w *exampleWalker) header(ref *openapi3.HeaderRef, at *pointer, op string) {
	at, op, ok := w.component(ref.Ref, at, op)
	if !ok || ref.Value == nil {
		return
	}
	w.examples(&ref.Value.Example, ref.Value.Examples, ref.Value.Schema, at, op, asResponse)
	w.content(ref.Value.Content, at, op, asResponse)
}

func (w *exampleWalker) requestBody(ref *openapi3.RequestBodyRef, at *pointer, op string) {
	at, op, ok := w.component(ref.Ref, at, op)
	if !ok || ref.Value == nil {
		return
	}
	w.content(ref.Value.Content, at, op, asRequest)
}

func (w *exampleWalker) response(ref *openapi3.ResponseRef, at *pointer, op string) {
	at, op, ok := w.component(ref.Ref, at, op)
	if !ok || ref.Value == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(ref.Value.Headers)) {
		w.header(ref.Value.Headers[name], at.at("headers").at(name), op)
	}
	w.content(ref.Value.Content, at, op, asResponse)
}

func (w *exampleWalker) content(c openapi3.Content, at *pointer, op string, dir direction) {
	for _, mt := range slices.Sorted(maps.Keys(c)) {
		if media := c[mt]; media != nil {
			w.examples(&media.Example, media.Examples, media.Schema, at.at("content").at(mt), op, dir)
		}
	}
}

// examples checks an example and the named examples against a schema, and
// walks the schema for examples of its own.
func (w *exampleWalker) examples(example *any, named openapi3.Examples, schema *openapi3.SchemaRef, at *pointer, op string, dir direction) {
	if schema == nil || schema.Value == nil {
		return
	}
	if *example != nil {
		w.check(*example, schema.Value, at.at("example"), "the example", op, dir)
	}
	for _, name := range slices.Sorted(maps.Keys(named)) {
		if ex := named[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			w.check(ex.Value.Value, schema.Value, at.at("examples").at(name), fmt.Sprintf("example %q", name), op, dir)
		}
	}
	w.schema(schema, at.at("schema"))
}

// schema checks the examples of a schema and of the schemas in it.
func (w *exampleWalker) schema(ref *openapi3.SchemaRef, at *pointer) {
	if ref == nil || ref.Value == nil || w.schemas[ref.Value] {
		return
	}
	w.schemas[ref.Value] = true
	if ptr := refPointer(ref.Ref); ptr != nil {
		at = ptr
	}
	s := ref.Value
	if s.Example != nil {
		w.check(s.Example, s, at.at("example"), "the example", "", neither)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		w.schema(s.Properties[name], at.at("properties").at(name))
	}
	w.schema(s.Items, at.at("items"))
	w.schema(s.Not, at.at("not"))
	w.schema(s.AdditionalProperties.Schema, at.at("additionalProperties"))
	for _, list := range []struct {
		field string
		refs  openapi3.SchemaRefs
	}{{"allOf", s.AllOf}, {"anyOf", s.AnyOf}, {"oneOf", s.OneOf}} {
		for i, sub := range list.refs {
			w.schema(sub, at.at(list.field).index(i))
		}
	}
}

func (w *exampleWalker) check(value any, schema *openapi3.Schema, at *pointer, what, op string, dir direction) {
	opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors()}
	switch dir {
	case asRequest:
		opts = append(opts, openapi3.VisitAsRequest())
	case asResponse:
		opts = append(opts, openapi3.VisitAsResponse())
	}
	err := schema.VisitJSON(value, opts...)
	if err == nil {
		return
	}
	problems := schemaProblems(err, "")
	msg := what + " does not match its schema: " + strings.Join(problems[:min(len(problems), 3)], "; ")
	if len(problems) > 3 {
		msg += fmt.Sprintf(" (and %d more)", len(problems)-3)
	}
	w.warnings = append(w.warnings, Warning{Code: WarnInvalidExample, Pointer: at.String(), Operation: op, Message: msg})
}

// schemaProblems lists the innermost reasons of a schema validation error,
// each after the JSON pointer of the value it concerns (below prefix).
// kin-openapi's SchemaError.Error would print the schema and the value.
func schemaProblems(err error, prefix string) []string {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var out []string
		for _, e := range multi {
			out = append(out, schemaProblems(e, prefix)...)
		}
		return out
	}
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return []string{prefix + ": " + err.Error()}
	}
	at := prefix
	for _, p := range se.JSONPointer() {
		at += "/" + escapePointer(p)
	}
	if se.Origin != nil {
		if inner := schemaProblems(se.Origin, at); len(inner) > 0 {
			return inner
		}
	}
	if at == "" {
		at = "/"
	}
	return []string{at + ": " + se.Reason}
}

// methodsOf returns the methods of a path item's operations in a fixed
// order.
func methodsOf(item *openapi3.PathItem) []string {
	return slices.Sorted(maps.Keys(item.Operations()))
}

var (
	pointerEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// escapePointer escapes a JSON pointer token (RFC 6901).
func escapePointer(s string) string { return pointerEscaper.Replace(s) }
