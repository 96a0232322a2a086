// Package atlas is a client for one operation of the MongoDB Atlas
// Administration API v2: POST /api/atlas/v2/groups/{groupId}/maintenanceWindow/defer,
// "Defer One Maintenance Window for One Project".
//
// The *.gen.go files are generated from openapi/fragment.yaml (oapi-codegen
// for the models and the client, gen/internal/specconst for the facts the
// hand-written files use); the other files are written by hand around them:
// New and NewFromEnv (Service Account and API-key auth), the one-line
// Client.DeferMaintenanceWindow, the typed *Error, envelope unwrapping and
// opt-in 429 retries. Import it as
//
//	import atlas "github.com/atlascontract/deferwindow/gen"
package atlas
