// Package contract judges recorded HTTP interactions with the Atlas
// Administration API v2 against an OpenAPI description: the fragment of the
// defer-maintenance-window operation this module ships (DefaultSpec), or
// MongoDB's whole published spec with our errata (AtlasSpec,
// LoadPublishedSpec).
//
// One interaction travels like this: package recording reads it from a
// go-vcr cassette or a HAR file into a recording.Interaction; in replay mode
// (the default) the request is re-sent through the generated client, whose
// transport answers in memory with the recorded response (the operation's
// requests through its typed call, any other through Client.Do);
// Checker.Check routes it to its operation by path (the host never matters)
// and returns a Judgement: the request's Problems as data, and Findings,
// each with a stable Rule, a Severity, the file and line (the body's line
// for a finding about the body), the interaction's index and, where it
// applies, a JSON pointer into the body. Run does all of that for a set of
// recordings, one interaction at a time, and returns a Report; package
// contract/report prints it (text, JSON, JUnit, GitHub annotations,
// Markdown, SARIF), and package contract/serve serves recordings and judges
// a handler's answers.
//
// Around the judgement, Options scope a run to the spec's paths (a recorded
// session holds much else), waive findings for a stated reason, and require
// coverage cells; the contractcheck command reads them from
// contractcheck.yaml.
//
// Options.Source says where responses come from. Against a Target, only the
// requests that route to the defer operation are ever sent (every other
// interaction is a not-sent finding), and a Target is loopback only when its
// host resolves only to loopback addresses: it is then dialled at those
// addresses, never through a proxy; any other needs Live.
//
// The rules are listed in rules.go; docs/rules.md is the same text (a test
// holds them equal).
package contract
