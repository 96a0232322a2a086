// Package openapi holds the OpenAPI 3.0 fragment for the one Atlas
// Administration API v2 operation this module covers, POST
// /api/atlas/v2/groups/{groupId}/maintenanceWindow/defer, and the tool that
// extracts it from MongoDB's published spec.
//
// The fragment (fragment.yaml) is the single source of everything this
// module knows about the endpoint: gen/ is generated from it, and the
// contract harness judges traffic against it. It is produced by Extract from
// the upstream spec plus errata.overlay.yaml, an OpenAPI Overlay 1.0 document
// whose every action says which upstream erratum it fixes, and is never
// edited by hand.
//
// Diff compares one operation between two OpenAPI 3.0 documents
// (fragments or whole upstream specs) and says which changes break clients
// and recordings built against the older one. It is written on kin-openapi
// rather than on oasdiff, the well-kept Go library for this job, because no
// oasdiff release fits this module's graph: those since v1.18 need go 1.26
// (the newest a go1.27 toolchain), which would force this module's go
// directive above 1.25 and lock out importers one Go release behind, and
// those that accept go 1.25 (v1.11.x) do not compile against kin-openapi
// v0.153, which this module needs (openapi3.ExclusiveBound changed).
// It covers what this project needs and no more: the operation's identity,
// its parameters, request body and responses (status codes, media types,
// headers and the structure of every schema), following $refs through
// kin-openapi's resolved values.
package openapi
