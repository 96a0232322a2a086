package contract

import (
	"encoding/json"
	"io"
)

// JSONReportVersion is the version of the JSON report's schema. It changes
// only when a field changes meaning or goes away; new fields may be added.
const JSONReportVersion = 1

// jsonReport is the JSON report's schema:
//
//	{
//	  "version": 1,
//	  "mode": "replay" | "offline" | "target",
//	  "summary": {"interactions": int, "files": int, "errors": int, "warnings": int,
//	              "notSent": int (interactions a target run did not send)},
//	  "findings": [{"rule": string, "severity": "error" | "warning",
//	                "file": string (absent for run findings),
//	                "interaction": int (0-based index in file; -1 for run findings),
//	                "pointer": string (JSON pointer into the body; absent when none),
//	                "message": string}],
//	  "coverage": [{"operation": string, "status": int, "envelope": bool, "interactions": int}],
//	  "files": [string]
//	}
type jsonReport struct {
	Version  int           `json:"version"`
	Mode     string        `json:"mode"`
	Summary  Summary       `json:"summary"`
	Findings []Finding     `json:"findings"`
	Coverage []CoverageRow `json:"coverage"`
	Files    []string      `json:"files"`
}

// WriteJSON writes the report as JSON; see jsonReport for the schema.
func WriteJSON(w io.Writer, r *Report) error {
	out := jsonReport{
		Version: JSONReportVersion, Mode: r.Mode, Summary: r.Summary(),
		Findings: r.Findings, Coverage: r.Coverage, Files: r.Files,
	}
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
