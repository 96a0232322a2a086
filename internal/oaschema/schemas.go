package oaschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schemas compiles the schemas of one OpenAPI 3.0 document into validators
// of response values. Each schema is compiled on first use and kept. A
// Schemas is safe for concurrent use; it reads the document while it
// compiles, so the document must not change after New.
type Schemas struct {
	doc *openapi3.T

	mu       sync.Mutex // guards the fields below it, and compiling
	t        *translator
	compiler *jsonschema.Compiler

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
	s := &Schemas{doc: doc, t: newTranslator(doc, false)}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for _, f := range formats() {
		c.RegisterFormat(f)
	}
	c.UseRegexpEngine(regexpEngine())
	c.AssertVocabs()
	c.RegisterVocabulary(vocabulary())
	c.UseLoader(defLoader{s.t})
	s.compiler = c
	return s, nil
}

// defLoader hands the compiler the translation of a def when it first
// needs it.
type defLoader struct{ t *translator }

func (l defLoader) Load(u string) (any, error) {
	key, ok := strings.CutPrefix(u, defBase)
	if !ok {
		return nil, fmt.Errorf("%s is outside the document", u)
	}
	key, err := url.PathUnescape(key)
	if err != nil {
		return nil, err
	}
	return l.t.translate(key)
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
	key := s.t.key(def{schema: schema})
	sch, err := s.compiler.Compile(defBase + url.PathEscape(key))
	if err != nil {
		return nil, fmt.Errorf("oaschema: compiling schema %s: %w", key, err)
	}
	return &Validator{schema: sch, name: key}, nil
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
				return nil, fmt.Errorf("oaschema: %w", err)
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
	schema *jsonschema.Schema
	name   string
}

// Validate returns the violations of value, a JSON value as encoding/json
// decodes it into an any (float64 numbers, map[string]any, []any), sorted
// by pointer; none when it is valid. It validates as a response: a writeOnly
// property must be absent, and need not be present when required.
func (v *Validator) Validate(value any) []Violation {
	err := v.schema.Validate(value)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Violation{{Reason: err.Error()}}
	}
	var f flattener
	f.flatten(ve)
	return finish(f.out)
}

// String names the schema: its component name, or the name it was given
// when it has none.
func (v *Validator) String() string { return v.name }
