package contract

// Report is the outcome of a run.
type Report struct {
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
	// Coverage has a row per operation, declared status and envelope mode.
	Coverage []CoverageRow
}

// Case is one judged interaction.
type Case struct {
	File      string
	Index     int
	Line      int
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
	// NotSent counts the interactions a target run did not send (the
	// not-sent findings); always 0 in the other modes.
	NotSent int `json:"notSent"`
}

// Summary counts the report's interactions and findings by severity.
func (r *Report) Summary() Summary {
	s := Summary{Interactions: r.Interactions, Files: len(r.Files)}
	for _, f := range r.Findings {
		switch f.Severity {
		case SeverityError:
			s.Errors++
		case SeverityWarning:
			s.Warnings++
		}
		if f.Rule == RuleNotSent {
			s.NotSent++
		}
	}
	return s
}

// Failed tells whether any finding is at or above failOn.
func (r *Report) Failed(failOn Severity) bool {
	for _, f := range r.Findings {
		if f.Severity >= failOn {
			return true
		}
	}
	return false
}

// CaseFindings returns the findings of one case.
func (r *Report) CaseFindings(c Case) []Finding {
	return r.Findings[c.first : c.first+c.count]
}

// runFindings returns the findings about the whole run (coverage).
func (r *Report) runFindings() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.File == "" {
			out = append(out, f)
		}
	}
	return out
}
