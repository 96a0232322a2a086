//go:build tools

// Package tools pins the code generator in go.mod, so `go run` in
// gen/generate.go uses exactly the version the module graph names and nothing
// is installed globally.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
