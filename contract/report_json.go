package contract

import (
	"encoding/json"
	"io"
)

// JSONReportVersion is the version of the JSON report's schema. It changes
// only when a field changes meaning or goes away; new fields may be added.
// The schema is published as contract/schema/report.schema.json.
const JSONReportVersion = 1

// jsonReport is the JSON report's schema:
//
//	{
//	  "version": 1,
//	  "tool": {"name": "contractcheck", "version": string},
//	  "fragment": {"name": string, "sha256": string},
//	  "recordings": {"kind": "shipped" | "files" | "fs", "paths": [string], "config": string (absent when none)},
//	  "mode": "replay" | "offline" | "target",
//	  "summary": {"interactions": int, "files": int, "errors": int, "warnings": int, "notes": int, "skipped": int, "waived": int,
//	              "notSent": int (interactions a target run did not send)},
//	  "findings": [{"rule": string, "severity": "error" | "warning",
//	                "file": string (absent for run findings),
//	                "line": int (1-based line of the interaction in file; absent when unknown),
//	                "interaction": int (0-based index in file; -1 for run findings),
//	                "pointer": string (JSON pointer into the body; absent when none),
//	                "message": string}],
//	  "waived": [finding + {"reason": string, "waiverSource": string, "waiverLine": int}],
//	  "skipped": [{"file", "interaction", "line", "method", "path", "reason"}] (the first 1000),
//	  "hints": [string],
//	  "coverage": [{"operation": string, "status": int, "envelope": bool, "interactions": int}],
//	  "files": [string]
//	}
type jsonReport struct {
	Version    int             `json:"version"`
	Tool       ToolInfo        `json:"tool"`
	Fragment   FragmentInfo    `json:"fragment"`
	Recordings RecordingsInfo  `json:"recordings"`
	Mode       string          `json:"mode"`
	Summary    Summary         `json:"summary"`
	Findings   []Finding       `json:"findings"`
	Waived     []WaivedFinding `json:"waived"`
	Skipped    []Skipped       `json:"skipped"`
	Hints      []string        `json:"hints"`
	Coverage   []CoverageRow   `json:"coverage"`
	Files      []string        `json:"files"`
}

// WriteJSON writes the report as JSON; see jsonReport for the schema.
func WriteJSON(w io.Writer, r *Report) error {
	out := jsonReport{
		Version: JSONReportVersion, Tool: r.Tool, Fragment: r.Fragment, Recordings: r.Recordings,
		Mode: r.Mode, Summary: r.Summary(),
		Findings: r.Findings, Waived: r.Waived, Skipped: r.Skipped, Hints: r.Hints,
		Coverage: r.Coverage, Files: r.Files,
	}
	out.Recordings.Paths = nonNil(out.Recordings.Paths)
	out.Waived = nonNil(out.Waived)
	out.Skipped = nonNil(out.Skipped)
	out.Hints = nonNil(out.Hints)
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	if out.Coverage == nil {
		out.Coverage = []CoverageRow{}
	}
	if out.Files == nil {
		out.Files = []string{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// nonNil makes an absent list an empty one, so the JSON has [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
