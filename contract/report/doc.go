// Package report writes a contract.Report in the formats CI tools read:
// Text for people, JSON (a versioned schema, report.schema.json), JUnit
// XML, GitHub Actions workflow commands, Markdown for a job summary, and
// SARIF for code scanning. Each format is one function. Every string that
// comes from a recording, a file name or a server is written escaped, so a
// report cannot drive the terminal, the CI runner or the page that shows
// it.
package report
