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
// Digest), resolves the versioned Accept header, reports and optionally
// enforces a rate limit per credential, wraps answers for envelope=true,
// and lets a test script the next answers of one project (a status, a
// proxy's HTML page, a delay, a dropped connection).
//
// It is built on net/http alone: a test that imports it compiles the
// client and the standard library, nothing more. That its answers keep to
// the fragment is proven outside it: its own tests judge every answer they
// get with contractcheck's checker, and `contractcheck serve --fake` judges
// every answer it serves, reporting any that breaks the fragment.
//
// The error codes and messages are Atlas's own; where each comes from is
// said beside it in answers.go and in internal/atlaswire.
package atlastest
