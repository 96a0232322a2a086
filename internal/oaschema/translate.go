package oaschema

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The keywords this package adds to JSON Schema (see engine.go). They appear
// only in the translation for its own evaluator; the portable translation
// states the same meaning in plain JSON Schema.
const (
	kwDiscriminator = "x-oas-discriminator"
	kwWriteOnly     = "x-oas-writeOnly"
	kwOneOf         = "x-oas-oneOf"
	kwAnyOf         = "x-oas-anyOf"
)

// defsPrefix begins the $ref of a translated schema: "#/$defs/" and its
// key, escaped as a JSON pointer token.
const defsPrefix = "#/$defs/"

// nonNullTypes is the type of a schema that states no type and is not
// nullable: OpenAPI 3.0 allows null only where nullable says so.
var nonNullTypes = []any{"array", "boolean", "number", "object", "string"}

// def is one translated schema: an OpenAPI schema object, or (base) the same
// without the oneOf/anyOf its discriminator selects from, which is what a
// branch that inherits its parent through allOf applies.
type def struct {
	schema *openapi3.Schema
	base   bool
}

// dispatch is a discriminator that selects one branch of a oneOf or anyOf.
type dispatch struct {
	property string
	keyword  string   // "oneOf" or "anyOf": the keyword it replaces
	values   []string // the accepted values: explicit mapping, then implicit names
	targets  map[string]*openapi3.Schema
	isTarget map[*openapi3.Schema]bool
}

// translator turns OpenAPI 3.0 schema objects into JSON Schema 2020-12,
// one def at a time. It is not safe for concurrent use.
type translator struct {
	doc *openapi3.T
	// portable selects plain JSON Schema (discriminator as AJV reads it,
	// writeOnly as a type) over this package's own keywords.
	portable bool

	names      map[*openapi3.Schema]string // component names
	keys       map[def]string
	defs       map[string]def
	dispatches map[*openapi3.Schema]*dispatch
	inline     []*openapi3.Schema // the inline schemas being translated
	// writeOnly holds the properties that the schemas applying to the same
	// value as the inline schema being translated declare writeOnly.
	writeOnly map[string]bool
}

func newTranslator(doc *openapi3.T, portable bool) *translator {
	t := &translator{
		doc:        doc,
		portable:   portable,
		names:      map[*openapi3.Schema]string{},
		keys:       map[def]string{},
		defs:       map[string]def{},
		dispatches: map[*openapi3.Schema]*dispatch{},
	}
	if doc.Components != nil {
		for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
			if sr := doc.Components.Schemas[name]; sr != nil && sr.Value != nil {
				if _, dup := t.names[sr.Value]; !dup {
					t.names[sr.Value] = name
				}
			}
		}
	}
	return t
}

// key returns the name of d among the translated defs: its component name
// when it has one.
func (t *translator) key(d def) string {
	if k, ok := t.keys[d]; ok {
		return k
	}
	name, ok := t.names[d.schema]
	if !ok {
		name = "schema-" + strconv.Itoa(len(t.keys)+1)
	}
	if d.base {
		name += "-base"
	}
	k := name
	for i := 2; ; i++ {
		if _, taken := t.defs[k]; !taken {
			break
		}
		k = name + "-" + strconv.Itoa(i)
	}
	t.keys[d] = k
	t.defs[k] = d
	return k
}

// ref returns the $ref that reaches d.
func (t *translator) ref(d def) string {
	return defsPrefix + escapeToken(t.key(d))
}

// label names a schema in reasons: its component name, else its def key.
func (t *translator) label(s *openapi3.Schema) string {
	if name, ok := t.names[s]; ok {
		return name
	}
	return t.key(def{schema: s})
}

// translate returns the JSON Schema of the def named key.
func (t *translator) translate(key string) (any, error) {
	d, ok := t.defs[key]
	if !ok {
		return nil, fmt.Errorf("no schema is named %q", key)
	}
	return t.schema(d.schema, d.base)
}

func (t *translator) schemaRef(sr *openapi3.SchemaRef) (any, error) {
	if sr.Value == nil {
		return nil, fmt.Errorf("unresolved reference %q", sr.Ref)
	}
	if sr.Ref != "" || slices.Contains(t.inline, sr.Value) {
		// $ref siblings are ignored, as OpenAPI 3.0 says.
		return map[string]any{"$ref": t.ref(def{schema: sr.Value})}, nil
	}
	return t.schema(sr.Value, false)
}

// schema translates s; base leaves out the oneOf/anyOf its discriminator
// selects from.
func (t *translator) schema(s *openapi3.Schema, base bool) (any, error) {
	if s.Always != nil {
		return *s.Always, nil
	}
	t.inline = append(t.inline, s)
	defer func() { t.inline = t.inline[:len(t.inline)-1] }()

	disp, err := t.dispatchOf(s)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}

	// A property that s, its allOf subschemas or the schemas it is inline
	// in for the same value declare writeOnly is not required of a
	// response, as kin-openapi judges.
	inherited := t.writeOnly
	defer func() { t.writeOnly = inherited }()
	writeOnly := maps.Clone(inherited)
	if writeOnly == nil {
		writeOnly = map[string]bool{}
	}
	writeOnlyNames(s, writeOnly, nil)
	t.writeOnly = writeOnly

	// Composition.
	if len(s.AllOf) > 0 {
		list := make([]any, 0, len(s.AllOf))
		for _, sr := range s.AllOf {
			if d, _ := t.dispatchOf(sr.Value); d != nil && d.isTarget[s] {
				// A branch inherits its parent's own keywords; the
				// parent's dispatch has already chosen it.
				list = append(list, map[string]any{"$ref": t.ref(def{schema: sr.Value, base: true})})
				continue
			}
			x, err := t.schemaRef(sr)
			if err != nil {
				return nil, err
			}
			list = append(list, x)
		}
		m["allOf"] = list
	}
	for _, kw := range []string{"oneOf", "anyOf"} {
		srs := s.OneOf
		if kw == "anyOf" {
			srs = s.AnyOf
		}
		if len(srs) == 0 || (disp != nil && disp.keyword == kw) {
			continue
		}
		list, err := t.schemaRefs(srs)
		if err != nil {
			return nil, err
		}
		if t.portable {
			m[kw] = list
			continue
		}
		c := map[string]any{"branches": list, "labels": t.labels(srs)}
		if sel := selectorOf(srs, writeOnly); sel != nil {
			c["selector"] = sel
		}
		m[map[string]string{"oneOf": kwOneOf, "anyOf": kwAnyOf}[kw]] = c
	}
	if disp != nil && !base {
		t.emitDispatch(m, disp)
	}
	if s.Not != nil {
		x, err := t.schemaRef(s.Not)
		if err != nil {
			return nil, err
		}
		m["not"] = x
	}
	t.writeOnly = nil // the subschemas below apply to other values
	_, composite := m["allOf"]
	for _, kw := range []string{"oneOf", "anyOf", kwOneOf, kwAnyOf, kwDiscriminator} {
		if _, ok := m[kw]; ok {
			composite = true
		}
	}

	// Null: allowed by nullable alone. A nullable schema that composes
	// others accepts null before them (the if/else below); a schema that
	// states no type and composes nothing rejects it by type.
	wrapNull := s.Nullable && (composite || s.Not != nil)
	var types []any
	if s.Type != nil {
		for _, ty := range *s.Type {
			types = append(types, ty)
		}
	}
	switch {
	case s.Nullable && !wrapNull && types != nil:
		types = append(types, "null")
	case !s.Nullable && types == nil && !composite:
		types = nonNullTypes
	}
	if len(types) == 1 {
		m["type"] = types[0]
	} else if types != nil {
		m["type"] = types
	}
	if len(s.Enum) > 0 {
		enum, err := jsonValues(s.Enum)
		if err != nil {
			return nil, fmt.Errorf("enum: %w", err)
		}
		if s.Nullable && !wrapNull && !slices.Contains(enum, nil) {
			enum = append(enum, nil)
		}
		m["enum"] = enum
	}

	// Formats: those kin-openapi validates by default, where it does.
	switch s.Format {
	case "byte", "date", "date-time":
		if s.Type.Permits(openapi3.TypeString) {
			m["format"] = s.Format
		}
	case "int32", "int64":
		if s.Type.Permits(openapi3.TypeInteger) && !s.Type.Permits(openapi3.TypeNumber) {
			m["format"] = s.Format
		}
	}

	// Numbers.
	if s.Min != nil {
		m["minimum"] = *s.Min
	}
	if s.Max != nil {
		m["maximum"] = *s.Max
	}
	if b := s.ExclusiveMin; b.Value != nil {
		m["exclusiveMinimum"] = *b.Value
	} else if b.Bool != nil && *b.Bool && s.Min != nil {
		m["exclusiveMinimum"] = *s.Min
		delete(m, "minimum")
	}
	if b := s.ExclusiveMax; b.Value != nil {
		m["exclusiveMaximum"] = *b.Value
	} else if b.Bool != nil && *b.Bool && s.Max != nil {
		m["exclusiveMaximum"] = *s.Max
		delete(m, "maximum")
	}
	if s.MultipleOf != nil {
		m["multipleOf"] = *s.MultipleOf
	}

	// Strings.
	if s.MinLength > 0 {
		m["minLength"] = s.MinLength
	}
	if s.MaxLength != nil {
		m["maxLength"] = *s.MaxLength
	}
	if s.Pattern != "" {
		m["pattern"] = s.Pattern
	}

	// Arrays.
	if s.MinItems > 0 {
		m["minItems"] = s.MinItems
	}
	if s.MaxItems != nil {
		m["maxItems"] = *s.MaxItems
	}
	if s.UniqueItems {
		m["uniqueItems"] = true
	}
	if s.Items != nil {
		x, err := t.schemaRef(s.Items)
		if err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
		m["items"] = x
	}

	// Objects.
	if len(s.Properties) > 0 {
		props := make(map[string]any, len(s.Properties))
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) { // names new defs in a stable order
			sr := s.Properties[name]
			x, err := t.schemaRef(sr)
			if err != nil {
				return nil, fmt.Errorf("property %s: %w", name, err)
			}
			if sr.Value.WriteOnly {
				x = t.markWriteOnly(x)
			}
			props[name] = x
		}
		m["properties"] = props
	}
	if len(s.Required) > 0 {
		var required []any
		for _, name := range s.Required {
			// A writeOnly property is never sent in a response, so it
			// cannot be required of one.
			if !writeOnly[name] {
				required = append(required, name)
			}
		}
		if required != nil {
			m["required"] = required
		}
	}
	if s.MinProps > 0 {
		m["minProperties"] = s.MinProps
	}
	if s.MaxProps != nil {
		m["maxProperties"] = *s.MaxProps
	}
	if ap := s.AdditionalProperties; ap.Has != nil && !*ap.Has {
		m["additionalProperties"] = false
	} else if ap.Schema != nil {
		x, err := t.schemaRef(ap.Schema)
		if err != nil {
			return nil, fmt.Errorf("additionalProperties: %w", err)
		}
		m["additionalProperties"] = x
	}

	if wrapNull {
		return map[string]any{"if": map[string]any{"type": "null"}, "else": m}, nil
	}
	return m, nil
}

// labels names the branches of a oneOf or anyOf for reasons: a branch's
// component name, or "" for an inline one.
func (t *translator) labels(srs openapi3.SchemaRefs) []any {
	out := make([]any, len(srs))
	for i, sr := range srs {
		out[i] = ""
		if sr.Ref != "" && sr.Value != nil {
			out[i] = t.label(sr.Value)
		}
	}
	return out
}

func (t *translator) schemaRefs(srs openapi3.SchemaRefs) ([]any, error) {
	list := make([]any, 0, len(srs))
	for _, sr := range srs {
		x, err := t.schemaRef(sr)
		if err != nil {
			return nil, err
		}
		list = append(list, x)
	}
	return list, nil
}

// markWriteOnly marks the schema of a writeOnly property: in a response it may
// only be absent or null (and null must still satisfy the schema).
func (t *translator) markWriteOnly(x any) any {
	if t.portable {
		return map[string]any{"type": "null", "allOf": []any{x}}
	}
	// Beside the schema rather than in it, so that a value of the wrong
	// type is reported for both.
	return map[string]any{"allOf": []any{x}, kwWriteOnly: true}
}

// writeOnlyNames adds to names the properties that s or its allOf
// subschemas declare writeOnly.
func writeOnlyNames(s *openapi3.Schema, names map[string]bool, seen []*openapi3.Schema) {
	if s == nil || slices.Contains(seen, s) {
		return
	}
	seen = append(seen, s)
	for name, sr := range s.Properties {
		if sr.Value != nil && sr.Value.WriteOnly {
			names[name] = true
		}
	}
	for _, sr := range s.AllOf {
		writeOnlyNames(sr.Value, names, seen)
	}
}

func (t *translator) emitDispatch(m map[string]any, d *dispatch) {
	if !t.portable {
		mapping := make(map[string]any, len(d.values))
		values := make([]any, len(d.values))
		for i, v := range d.values {
			mapping[v] = map[string]any{"$ref": t.ref(def{schema: d.targets[v]})}
			values[i] = v
		}
		m[kwDiscriminator] = map[string]any{"propertyName": d.property, "mapping": mapping, "values": values}
		return
	}
	// AJV's discriminator: a oneOf whose branches each name their values
	// of the property in an enum. The values are disjoint, so this is also
	// plain JSON Schema with the same meaning.
	var order []*openapi3.Schema
	byTarget := map[*openapi3.Schema][]any{}
	for _, v := range d.values {
		target := d.targets[v]
		if _, ok := byTarget[target]; !ok {
			order = append(order, target)
		}
		byTarget[target] = append(byTarget[target], v)
	}
	branches := make([]any, 0, len(order))
	for _, target := range order {
		branches = append(branches, map[string]any{
			"$ref":       t.ref(def{schema: target}),
			"properties": map[string]any{d.property: map[string]any{"enum": byTarget[target]}},
			"required":   []any{d.property},
		})
	}
	m["oneOf"] = branches
	m["discriminator"] = map[string]any{"propertyName": d.property}
}

// dispatchOf returns the dispatch of s's discriminator, or nil when s has
// no discriminator over a oneOf or anyOf (a discriminator without them
// selects nothing, for kin-openapi and AJV alike, and is ignored).
func (t *translator) dispatchOf(s *openapi3.Schema) (*dispatch, error) {
	if s == nil || s.Discriminator == nil || s.Discriminator.PropertyName == "" || len(s.OneOf)+len(s.AnyOf) == 0 {
		return nil, nil
	}
	if d, ok := t.dispatches[s]; ok {
		return d, nil
	}
	d := &dispatch{property: s.Discriminator.PropertyName, keyword: "oneOf", targets: map[string]*openapi3.Schema{}, isTarget: map[*openapi3.Schema]bool{}}
	branches := s.OneOf
	if len(branches) == 0 {
		d.keyword, branches = "anyOf", s.AnyOf
	}
	for _, value := range slices.Sorted(maps.Keys(s.Discriminator.Mapping)) {
		mr := s.Discriminator.Mapping[value]
		target := mr.Value
		if target == nil {
			target = t.mappingTarget(branches, mr.Ref)
		}
		if target == nil {
			return nil, fmt.Errorf("discriminator mapping %s: %q is no schema of the document", value, mr.Ref)
		}
		d.values = append(d.values, value)
		d.targets[value] = target
	}
	// Implicit mapping: a branch's schema name is a value too.
	for _, sr := range branches {
		name, ok := strings.CutPrefix(sr.Ref, "#/components/schemas/")
		if !ok || strings.Contains(name, "/") || sr.Value == nil {
			continue
		}
		if _, taken := d.targets[name]; !taken {
			d.values = append(d.values, name)
			d.targets[name] = sr.Value
		}
	}
	for _, target := range d.targets {
		d.isTarget[target] = true
	}
	t.dispatches[s] = d
	return d, nil
}

// mappingTarget resolves a discriminator mapping value: a branch with that
// $ref, or a component schema named by it.
func (t *translator) mappingTarget(branches openapi3.SchemaRefs, ref string) *openapi3.Schema {
	for _, sr := range branches {
		if sr.Ref == ref && sr.Value != nil {
			return sr.Value
		}
	}
	name := strings.TrimPrefix(ref, "#/components/schemas/")
	if strings.Contains(name, "/") || t.doc.Components == nil {
		return nil
	}
	if sr := t.doc.Components.Schemas[name]; sr != nil {
		return sr.Value
	}
	return nil
}

// jsonValues returns vs as encoding/json would decode them.
func jsonValues(vs []any) ([]any, error) {
	b, err := json.Marshal(vs)
	if err != nil {
		return nil, err
	}
	var out []any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func escapeToken(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}
