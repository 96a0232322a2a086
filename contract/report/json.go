package report

import (
	"encoding/json"
	"io"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/internal/safetext"
)

// JSONVersion is the version of the JSON report's schema. It changes only
// when a field changes meaning or goes away; new fields may be added. The
// schema is published as contract/report/report.schema.json.
const JSONVersion = 2

// jsonReport is the JSON report: report.schema.json is its schema and
// docs/report-schema.md describes each field. Strings from recordings are
// written with control and bidirectional characters escaped (\u202e), as in
// every report.
type jsonReport struct {
	Version    int                      `json:"version"`
	Tool       contract.ToolInfo        `json:"tool"`
	Spec       contract.SpecInfo        `json:"spec"`
	Recordings contract.RecordingsInfo  `json:"recordings"`
	Mode       string                   `json:"mode"`
	FailOn     contract.Severity        `json:"failOn"`
	Summary    jsonSummary              `json:"summary"`
	Findings   []contract.Finding       `json:"findings"`
	Waived     []contract.WaivedFinding `json:"waived"`
	Skipped    []contract.Skipped       `json:"skipped"`
	Hints      []string                 `json:"hints"`
	Coverage   []contract.CoverageRow   `json:"coverage"`
	Files      []string                 `json:"files"`
}

type jsonSummary struct {
	contract.Summary
	// Unfailing counts the errors that do not fail the run (failOn none).
	Unfailing int `json:"unfailing"`
}

// JSON writes the report as JSON; see jsonReport for the schema.
func JSON(w io.Writer, r *contract.Report) error {
	esc := safetext.EscapeControl
	out := jsonReport{
		Version: JSONVersion, Tool: r.Tool, Spec: r.Spec, Recordings: r.Recordings, Mode: r.Mode, FailOn: r.FailOn,
		Summary:  jsonSummary{Summary: r.Summary(), Unfailing: r.Unfailing()},
		Findings: make([]contract.Finding, len(r.Findings)), Waived: make([]contract.WaivedFinding, len(r.Waived)),
		Skipped: make([]contract.Skipped, len(r.Skipped)), Hints: make([]string, len(r.Hints)),
		Coverage: nonNil(r.Coverage), Files: make([]string, len(r.Files)),
	}
	out.Recordings = escapeRecordings(r.Recordings)
	for i, f := range r.Findings {
		out.Findings[i] = escapeFinding(f)
	}
	for i, wf := range r.Waived {
		wf.Finding, wf.Reason, wf.WaiverSource = escapeFinding(wf.Finding), esc(wf.Reason), esc(wf.WaiverSource)
		out.Waived[i] = wf
	}
	for i, sk := range r.Skipped {
		sk.File, sk.Method, sk.Path = esc(sk.File), esc(sk.Method), esc(sk.Path)
		out.Skipped[i] = sk
	}
	for i, h := range r.Hints {
		out.Hints[i] = esc(h)
	}
	for i, f := range r.Files {
		out.Files[i] = esc(f)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// escapeFinding escapes the strings of a finding that can come from a
// recording: its file, pointer and message.
func escapeFinding(f contract.Finding) contract.Finding {
	f.File, f.Pointer, f.Message = safetext.EscapeControl(f.File), safetext.EscapeControl(f.Pointer), safetext.EscapeControl(f.Message)
	return f
}

// escapeRecordings escapes what a run was given: paths and the
// configuration file's name.
func escapeRecordings(in contract.RecordingsInfo) contract.RecordingsInfo {
	out := contract.RecordingsInfo{Kind: in.Kind, Config: safetext.EscapeControl(in.Config), Paths: make([]string, len(in.Paths))}
	for i, p := range in.Paths {
		out.Paths[i] = safetext.EscapeControl(p)
	}
	return out
}

// nonNil makes an absent list an empty one, so the JSON has [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
