package atlas

// The client and models, from the fragment, by the oapi-codegen version go.mod pins, into internal/oapi.
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.yaml ../openapi/fragment.yaml

// The facts about the operation that the hand-written files need, from the
// same fragment, and the aliases that export the generated models here.
//go:generate go run ./internal/specconst -spec ../openapi/fragment.yaml -o spec.gen.go -aliases-from internal/oapi/client.gen.go -aliases-import github.com/atlascontract/deferwindow/gen/internal/oapi -aliases-o models.gen.go
