package oaschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Schemas compiles the schemas of one OpenAPI 3.0 document into validators
// of response values. Each schema is compiled on first use and kept. A
// Schemas is safe for concurrent use; it reads the document while it
// compiles, so the document must not change after New.
type Schemas struct {
	doc *openapi3.T

	mu       sync.Mutex // guards compiler
	compiler *compiler

	validators sync.Map // *openapi3.Schema → compiled
}

type compiled struct {
	v   *Validator
	err error
}

// New prepares the schemas of doc, an OpenAPI 3.0 document as kin-openapi
// loads it (validated or not). It compiles nothing yet.
func New(doc *openapi3.T) (*Schemas, error) {
	if doc == nil {
		return nil, errors.New("oaschema: no document")
	}
	if !doc.IsOpenAPI30() {
		return nil, fmt.Errorf("oaschema: the document is OpenAPI %q; only 3.0 is supported", doc.OpenAPI)
	}
	return &Schemas{doc: doc, compiler: newCompiler(newTranslator(doc, false))}, nil
}

// Validator returns the validator of the schema ref holds (its Value; a
// $ref's siblings are ignored).
func (s *Schemas) Validator(ref *openapi3.SchemaRef) (*Validator, error) {
	if ref == nil || ref.Value == nil {
		return nil, errors.New("oaschema: no schema")
	}
	if c, ok := s.validators.Load(ref.Value); ok {
		return c.(compiled).v, c.(compiled).err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.validators.Load(ref.Value); ok {
		return c.(compiled).v, c.(compiled).err
	}
	v, err := s.compile(ref.Value)
	s.validators.Store(ref.Value, compiled{v, err})
	return v, err
}

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

func (s *Schemas) compile(schema *openapi3.Schema) (*Validator, error) {
	key := s.compiler.t.key(def{schema: schema})
	n, err := s.compiler.root(key)
	if err != nil {
		return nil, fmt.Errorf("oaschema: %w", err)
	}
	return &Validator{root: n}, nil
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

// Validator validates values against one compiled schema. It is safe for
// concurrent use.
type Validator struct {
	root *node
}

// Validate returns the violations of value, a JSON value as encoding/json
// decodes it into an any (float64 numbers, map[string]any, []any), sorted
// by pointer; none when it is valid. It validates as a response: a writeOnly
// property must be absent, and need not be present when required.
func (v *Validator) Validate(value any) []Violation {
	var st state
	v.root.validate(&st, value)
	return finish(st.out)
}
