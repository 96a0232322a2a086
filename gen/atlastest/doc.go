// Package atlastest is a fake Atlas Administration API for the defer
// operation, for testing code that uses the client in package atlas, in the
// spirit of net/http/httptest:
//
//	srv := atlastest.NewServer(t, atlastest.WithProjects(atlastest.ScheduledProject(id)))
//	client := srv.Client()
//
// The fake keeps per-project maintenance state (a window defined or not, a
// maintenance scheduled or not, the deferrals used), authenticates as Atlas
// does (Service Account tokens from /api/oauth/token, API keys by HTTP
// Digest), resolves the versioned Accept header, can rate-limit per
// credential, wraps answers for envelope=true, and lets a test script the
// next answers of one project (a status, a proxy's HTML page, a delay, a
// dropped connection). Every answer it gives is judged against the
// fragment by the contract package's Checker; one that breaks it fails the
// test.
//
// The error codes and messages are Atlas's own; where each comes from is
// said beside it in errors.go.
package atlastest
