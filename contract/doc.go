// Package contract judges recorded HTTP interactions with the Atlas
// defer-maintenance-window endpoint against the OpenAPI fragment in
// openapi/, with kin-openapi doing the schema work.
//
// One interaction travels like this: package recording reads it from a
// go-vcr cassette or a HAR file into a recording.Interaction; in replay mode
// (the default) the request is re-sent through the generated client to a
// ReplayServer that answers with the recorded response; Checker.Check routes
// it to its operation by path (the host never matters) and returns Findings,
// each with a stable Rule, a Severity, the file, the interaction's line and
// index and, where it applies, a JSON pointer into the body. Run does all of
// that for a set of recordings and returns a Report, which WriteText,
// WriteJSON, WriteJUnit, WriteGitHub and WriteSARIF print.
//
// Around the judgement, CIOptions scope a run to the fragment's paths (a
// recorded session holds much else), waive findings for a stated reason,
// and require coverage cells; Config reads them from contractcheck.yaml.
//
// Options.Source says where responses come from. Against a Target, only the
// requests that route to the operation are ever sent (every other
// interaction is a not-sent finding), and a Target is loopback only when its
// host resolves only to loopback addresses: it is then dialled at those
// addresses, never through a proxy; any other needs Live.
//
// The rules are listed in rules.go; the README's rule table is the same text.
package contract
