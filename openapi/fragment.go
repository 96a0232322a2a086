package openapi

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// Fragment is the committed fragment, fragment.yaml, as bytes.
//
//go:embed fragment.yaml
var Fragment []byte

// Overlay is the committed errata overlay, errata.overlay.yaml, as bytes.
//
//go:embed errata.overlay.yaml
var Overlay []byte

// Load parses and validates the embedded fragment with kin-openapi. Every
// call returns a new document that the caller may change.
func Load() (*openapi3.T, error) {
	return LoadData(Fragment, "openapi/fragment.yaml")
}

// LoadData parses and validates an OpenAPI 3.0 document, examples and
// patterns (ECMAScript, CompilePattern) included; name labels errors.
// External references are refused: a fragment is self-contained.
func LoadData(data []byte, name string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := doc.Validate(context.Background(), openapi3.SetRegexCompiler(CompilePattern)); err != nil {
		return nil, fmt.Errorf("%s: invalid OpenAPI document: %w", name, err)
	}
	return doc, nil
}
