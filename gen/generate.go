package atlas

// The models and the client, from the fragment, by the oapi-codegen version go.mod pins, into this package;
// then the unconfigured client taken out of that file, and the facts about the operation that the
// hand-written files need, from the same fragment.
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.yaml ../openapi/fragment.yaml
//go:generate go run ./internal/specconst -spec ../openapi/fragment.yaml -o spec.gen.go -trim oapi.gen.go
