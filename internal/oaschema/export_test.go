package oaschema

import "github.com/getkin/kin-openapi/openapi3"

// LookupForTest finds the schema a JSON pointer into the document names.
func LookupForTest(s *Schemas, ptr string) (*openapi3.SchemaRef, error) { return lookup(s.doc, ptr) }

// FormatsForTest returns the format checks.
func FormatsForTest() map[string]func(any) bool { return formats }
