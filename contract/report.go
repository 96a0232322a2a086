package contract

import "strings"

// Report is the outcome of a run.
type Report struct {
	// Tool and Spec say what judged the run.
	Tool ToolInfo
	Spec SpecInfo
	// FailOn is the lowest severity that fails the run.
	FailOn Severity
	// Recordings says where the recordings came from.
	Recordings RecordingsInfo
	// Mode is how the responses were obtained: "replay", "offline" or "target".
	Mode string
	// Files are the recordings read, in order.
	Files []string
	// Interactions is how many interactions were judged.
	Interactions int
	// Cases are the interactions judged, in order, when Options.Cases asked
	// for them (WriteJUnit needs them); without them a run's memory does not
	// grow with its interactions.
	Cases []Case
	// Findings are every finding, the run-level coverage ones last.
	Findings []Finding
	// Waived are the findings a waiver accepted; they do not fail a run.
	Waived []WaivedFinding
	// Skipped lists the first MaxSkippedListed interactions outside the
	// scope; SkippedTotal counts them all, and SkippedReasons all of them
	// by reason.
	Skipped        []Skipped
	SkippedTotal   int
	SkippedReasons map[string]int
	// RequestsNotRecorded counts the interactions judged without a
	// recorded request (see Judgement.RequestNotRecorded).
	RequestsNotRecorded int
	// Hints are suggestions about the run itself, such as a --mount that
	// would make the missed paths route.
	Hints []string
	// Coverage has a row per declared status and envelope mode of each
	// operation judged or required.
	Coverage []CoverageRow
}

// Case is one judged interaction.
type Case struct {
	File  string
	Index int
	Line  int
	// Method and Path (escaped, without the query) are the recorded
	// request's, cut past 96 bytes as findings quote recorded values.
	Method    string
	Path      string
	Status    int  // the status the response meant (see Judgement.Status)
	Enveloped bool // the request asked for envelope=true
	// first and count locate the case's findings in Report.Findings.
	first, count int
}

// Summary counts a report.
type Summary struct {
	Interactions int `json:"interactions"`
	Files        int `json:"files"`
	Errors       int `json:"errors"`
	Warnings     int `json:"warnings"`
	// Notes counts the info findings: checks that passed and are worth
	// knowing, such as an invalid request refused as it should be.
	Notes   int `json:"notes"`
	Skipped int `json:"skipped"`
	Waived  int `json:"waived"`
	// NotSent counts the interactions a target run did not send (the
	// not-sent findings); always 0 in the other modes.
	NotSent int `json:"notSent"`
	// RequestsNotRecorded counts the interactions whose recording holds no
	// request headers: the rules about the request were skipped for them.
	RequestsNotRecorded int `json:"requestsNotRecorded"`
	// Deprecated counts the answers of a version Atlas deprecated and will
	// retire (the version-deprecated findings).
	Deprecated int `json:"deprecated"`
}

// RecordingsInfo says where a run's recordings came from.
type RecordingsInfo struct {
	// Kind is "shipped" (the recordings embedded in the module), "files"
	// or "fs" (an fs.FS given to Run).
	Kind string `json:"kind"`
	// Paths are the files and folders given, as given.
	Paths []string `json:"paths"`
	// Config is the configuration file the run was set up from, if any.
	Config string `json:"config,omitempty"`
}

// String describes the recordings in a few words.
func (s RecordingsInfo) String() string {
	var out string
	switch s.Kind {
	case "shipped":
		out = "the recordings shipped in contractcheck"
	default:
		out = strings.Join(s.Paths, " ")
	}
	if s.Config != "" {
		out += " (from " + s.Config + ")"
	}
	return out
}

// Summary counts the report's interactions and findings by severity.
func (r *Report) Summary() Summary {
	s := Summary{Interactions: r.Interactions, Files: len(r.Files), Skipped: r.SkippedTotal, Waived: len(r.Waived), RequestsNotRecorded: r.RequestsNotRecorded}
	for _, f := range r.Findings {
		switch f.Severity {
		case SeverityError:
			s.Errors++
		case SeverityWarning:
			s.Warnings++
		case SeverityInfo:
			s.Notes++
		}
		switch f.Rule {
		case RuleNotSent:
			s.NotSent++
		case RuleVersionDeprecated:
			s.Deprecated++
		}
	}
	return s
}

// Failed tells whether any finding is at or above the report's FailOn.
func (r *Report) Failed() bool {
	for _, f := range r.Findings {
		if f.Severity >= r.FailOn {
			return true
		}
	}
	return false
}

// Unfailing counts the findings at or above error severity that do not fail
// the run because of its FailOn ("none" in a pull request's configuration
// turns errors into a passing run: every report says so).
func (r *Report) Unfailing() int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= SeverityError && f.Severity < r.FailOn {
			n++
		}
	}
	return n
}

// CaseFindings returns the findings of one case.
func (r *Report) CaseFindings(c Case) []Finding {
	return r.Findings[c.first : c.first+c.count]
}

// RunFindings returns the findings about the whole run (coverage,
// waivers): those of no interaction.
func (r *Report) RunFindings() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Interaction < 0 {
			out = append(out, f)
		}
	}
	return out
}
