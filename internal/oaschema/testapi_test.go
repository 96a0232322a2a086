package oaschema

// The API only the tests use: validators by JSON pointer, and the
// translation as plain JSON Schema for the validators the oracle tests
// compare with.

import (
	"encoding/json"
	"fmt"
)

// ValidatorAt returns the validator of the schema a JSON pointer into the
// document names, such as "#/components/schemas/ApiError" or
// "#/paths/~1api~1atlas~1v2~1groups/get/responses/200/content/application~1vnd.atlas.2023-01-01+json/schema".
func (s *Schemas) ValidatorAt(pointer string) (*Validator, error) {
	ref, err := lookup(s.doc, pointer)
	if err != nil {
		return nil, fmt.Errorf("oaschema: %w", err)
	}
	return s.Validator(ref)
}

// JSONSchema returns the translation of the schemas that pointers name as
// one JSON Schema 2020-12 document in plain JSON Schema, for other
// validators: the schemas are under "$defs", and "x-roots" maps each
// pointer to the "$ref" of its schema. A discriminator becomes a oneOf whose
// branches each require their values of the property, with the
// "discriminator" keyword as AJV reads it (its discriminator option); a
// writeOnly property a schema of type null.
func (s *Schemas) JSONSchema(pointers ...string) ([]byte, error) {
	t := newTranslator(s.doc, true)
	roots := map[string]any{}
	for _, p := range pointers {
		ref, err := lookup(s.doc, p)
		if err != nil {
			return nil, fmt.Errorf("oaschema: %w", err)
		}
		roots[p] = t.ref(def{schema: ref.Value})
	}
	defs := map[string]any{}
	for {
		var todo []string
		for k := range t.defs {
			if _, done := defs[k]; !done {
				todo = append(todo, k)
			}
		}
		if len(todo) == 0 {
			break
		}
		for _, k := range todo {
			v, err := t.translate(k)
			if err != nil {
				return nil, fmt.Errorf("oaschema: schema %s: %w", k, err)
			}
			defs[k] = v
		}
	}
	return json.MarshalIndent(map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$defs":   defs,
		"x-roots": roots,
	}, "", " ")
}
