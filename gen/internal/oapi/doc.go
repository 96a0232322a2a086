// Package oapi is the client and models that oapi-codegen generates from
// openapi/fragment.yaml (gen/oapi-codegen.yaml). Package atlas re-exports the
// models and calls this client through its configured transport; nothing
// outside gen/ imports this package.
package oapi
