// Package openapi holds the OpenAPI 3.0 fragment for the one Atlas
// Administration API v2 operation this module covers, POST
// /api/atlas/v2/groups/{groupId}/maintenanceWindow/defer, the tool that
// extracts it from MongoDB's published spec, and that whole published spec,
// embedded at the same upstream revision (LoadAtlas).
//
// The fragment (fragment.yaml) is the single source of everything this
// module knows about the endpoint: gen/ is generated from it, and the
// contract harness judges traffic against it. It is produced by Extract from
// the upstream spec plus errata.overlay.yaml, an OpenAPI Overlay 1.0 document
// whose every action says which upstream erratum it fixes, and is never
// edited by hand.
//
// LoadAtlas loads the embedded published spec and LoadPublished a copy of
// it, with the errata overlay unless told not to, as it is: patterns as
// ECMAScript (CompilePattern), and what upstream gets wrong without making
// the spec unusable (an example that breaks its schema, two path templates
// that differ only in a parameter name) reported as Warning values.
//
// Renames compares the names of the operation in two fragments (each read
// with LoadOperation), the one change a spec differ does not weigh although
// it renames generated methods. Breaking and non-breaking changes of the
// operation itself are oasdiff's job, run as a tool by `make spec-update`
// (see docs/spec-update.md).
package openapi
