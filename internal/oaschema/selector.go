package oaschema

import (
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// selectorOf finds, for the branches of a oneOf or anyOf, the property that
// most of them restrict to an enum of strings (eventTypeName, typeName, …),
// with each branch's values and whether it requires the property. A branch
// whose values exclude an object's value of the property cannot hold for
// it, so only the others need evaluating: the verdict is that of the full
// oneOf or anyOf. It returns nil when fewer than two branches restrict a
// common property. writeOnly names the properties the context of the
// branches declares writeOnly, which they do not require.
func selectorOf(branches openapi3.SchemaRefs, writeOnly map[string]bool) map[string]any {
	per := make([]map[string][]any, len(branches))
	counts := map[string]int{}
	for i, sr := range branches {
		per[i] = map[string][]any{}
		enumProperties(sr.Value, per[i], nil)
		for name := range per[i] {
			counts[name]++
		}
	}
	best := ""
	for name, n := range counts {
		if n >= 2 && (n > counts[best] || n == counts[best] && name < best) {
			best = name
		}
	}
	if best == "" {
		return nil
	}
	values := make([]any, len(branches))
	required := make([]any, len(branches))
	for i, sr := range branches {
		if vs, ok := per[i][best]; ok {
			values[i] = vs
		}
		required[i] = !writeOnly[best] && requires(sr.Value, best)
	}
	return map[string]any{"property": best, "values": values, "required": required}
}

// enumProperties adds to out the properties that s (or its allOf
// subschemas) restricts to an enum of strings, with a superset of the
// values it allows (null included when it is nullable).
func enumProperties(s *openapi3.Schema, out map[string][]any, seen []*openapi3.Schema) {
	if s == nil || slices.Contains(seen, s) {
		return
	}
	seen = append(seen, s)
	for name, sr := range s.Properties {
		if _, done := out[name]; done || sr.Value == nil {
			continue
		}
		if vs, ok := allowedValues(sr.Value, nil); ok {
			out[name] = vs
		}
	}
	for _, sr := range s.AllOf {
		enumProperties(sr.Value, out, seen)
	}
}

// allowedValues returns a superset of the values s allows, when it is a
// finite set of strings (and null): an enum, or a oneOf or anyOf of such.
func allowedValues(s *openapi3.Schema, seen []*openapi3.Schema) ([]any, bool) {
	if s == nil || slices.Contains(seen, s) {
		return nil, false
	}
	seen = append(seen, s)
	var vs []any
	switch {
	case len(s.Enum) > 0:
		for _, v := range s.Enum {
			if _, ok := v.(string); !ok && v != nil {
				return nil, false
			}
			vs = append(vs, v)
		}
	case len(s.OneOf)+len(s.AnyOf) > 0:
		for _, sr := range append(slices.Clip(s.OneOf), s.AnyOf...) {
			sub, ok := allowedValues(sr.Value, seen)
			if !ok {
				return nil, false
			}
			vs = append(vs, sub...)
		}
	case len(s.AllOf) > 0:
		found := false
		for _, sr := range s.AllOf {
			if sub, ok := allowedValues(sr.Value, seen); ok {
				vs, found = sub, true
				break
			}
		}
		if !found {
			return nil, false
		}
	default:
		return nil, false
	}
	if s.Nullable && !slices.Contains(vs, nil) {
		vs = append(vs, nil)
	}
	return vs, true
}

// requires reports whether s (or its allOf subschemas) requires the
// property in a response, where a writeOnly property is not required.
func requires(s *openapi3.Schema, name string) bool {
	if s == nil {
		return false
	}
	writeOnly := map[string]bool{}
	writeOnlyNames(s, writeOnly, nil)
	if writeOnly[name] {
		return false
	}
	var walk func(*openapi3.Schema, []*openapi3.Schema) bool
	walk = func(s *openapi3.Schema, seen []*openapi3.Schema) bool {
		if s == nil || slices.Contains(seen, s) {
			return false
		}
		if slices.Contains(s.Required, name) {
			return true
		}
		seen = append(seen, s)
		for _, sr := range s.AllOf {
			if walk(sr.Value, seen) {
				return true
			}
		}
		return false
	}
	return walk(s, nil)
}
