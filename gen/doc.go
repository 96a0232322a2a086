// Package atlas is a client for one operation of the MongoDB Atlas
// Administration API v2: POST /api/atlas/v2/groups/{groupId}/maintenanceWindow/defer,
// "Defer One Maintenance Window for One Project".
//
// Build a Client with New or NewFromEnv and Options (Service Account or
// API-key auth, server, timeout, envelope, 429 retries), then call
// Client.DeferMaintenanceWindow: nil, a *GroupIDError, an *Error for any
// non-2xx answer, or the transport's error. For the generated response type,
// call Client.DeferMaintenanceWindowWithResponse: it goes through the same
// configuration (credentials, Accept, User-Agent, the groupId check).
//
// The *.gen.go files are generated from openapi/fragment.yaml: oapi-codegen
// writes the models, the response type, the request builder and the
// response parser into this package (oapi.gen.go, from which
// gen/internal/specconst takes oapi-codegen's unconfigured client out), and
// gen/internal/specconst writes the facts the hand-written files use
// (spec.gen.go). Import it as
//
//	import atlas "github.com/atlascontract/deferwindow/gen"
package atlas
