package contract

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

// junitProperty names what judged the run, in every suite.
type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	File      string         `xml:"file,attr,omitempty"`
	Line      int            `xml:"line,attr,omitempty"`
	Failures  []junitFailure `xml:"failure"`
	Skipped   *junitSkipped  `xml:"skipped"`
	SystemOut string         `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the report as JUnit XML: one test suite per recording
// file with one test case per interaction, failing with the findings at or
// above failOn (lower ones go to system-out; an interaction a target run did
// not send, and that fails nothing, is skipped), and a "coverage" suite with one
// test case per declared status and envelope mode, skipped when no
// interaction exercised it (failed instead when that is an error).
//
// It needs the report's Cases: run with Options.Cases. Control characters
// from recordings and file names are written escaped (\x1b), as in the text
// report; XML could not carry most of them anyway.
func WriteJUnit(w io.Writer, r *Report, failOn Severity) error {
	if len(r.Cases) != r.Interactions {
		return errors.New("contract: WriteJUnit needs a Case per interaction: run with Options.Cases")
	}
	out := junitSuites{Name: "contractcheck"}
	bySuite := map[string]int{}
	waived := map[string][]string{} // by file#index: the waived findings, kept as notes
	for _, w := range r.Waived {
		k := w.File + "#" + strconv.Itoa(w.Interaction)
		waived[k] = append(waived[k], fmt.Sprintf("waived (%s): %s", w.Reason, w.Finding))
	}
	for _, c := range r.Cases {
		i, ok := bySuite[c.File]
		if !ok {
			i = len(out.Suites)
			bySuite[c.File] = i
			out.Suites = append(out.Suites, junitSuite{Name: escapeControl(c.File)})
		}
		tc := junitCase{Name: escapeControl(caseName(c)), Classname: escapeControl(c.File), File: escapeControl(c.File), Line: c.Line}
		var notes []string
		notSent := ""
		for _, f := range r.CaseFindings(c) {
			if f.Rule == RuleNotSent {
				notSent = escapeControl(f.Message)
			}
			if f.Severity >= failOn {
				tc.Failures = append(tc.Failures, junitFailure{Message: escapeControl(f.Message), Type: escapeControl(string(f.Rule)), Text: escapeControl(f.String())})
			} else {
				notes = append(notes, escapeControl(f.String()))
			}
		}
		notes = append(notes, waived[c.File+"#"+strconv.Itoa(c.Index)]...)
		tc.SystemOut = strings.Join(notes, "\n")
		s := &out.Suites[i]
		s.Tests++
		switch {
		case len(tc.Failures) > 0:
			s.Failures++
		case notSent != "":
			tc.Skipped = &junitSkipped{Message: notSent}
			s.Skipped++
		}
		s.Cases = append(s.Cases, tc)
	}
	// Interactions outside the scope are skipped test cases of their file.
	for _, sk := range r.Skipped {
		i, ok := bySuite[sk.File]
		if !ok {
			i = len(out.Suites)
			bySuite[sk.File] = i
			out.Suites = append(out.Suites, junitSuite{Name: sk.File})
		}
		s := &out.Suites[i]
		s.Tests++
		s.Skipped++
		s.Cases = append(s.Cases, junitCase{
			Name: fmt.Sprintf("#%d %s %s", sk.Interaction, sk.Method, sk.Path), Classname: sk.File, File: sk.File, Line: sk.Line,
			Skipped: &junitSkipped{Message: sk.Reason},
		})
	}
	cov := junitSuite{Name: "coverage"}
	missing := map[string]Finding{}
	for _, f := range r.RunFindings() {
		if f.Rule == RuleCoverageMissing {
			missing[f.Message] = f
		}
	}
	for _, row := range r.Coverage {
		mode := "without envelope"
		if row.Envelope {
			mode = "with envelope=true"
		}
		tc := junitCase{Name: fmt.Sprintf("%s %d %s", row.Operation, row.Status, mode), Classname: "coverage"}
		if row.Interactions == 0 {
			msg := fmt.Sprintf("no interaction exercises %s status %d %s", row.Operation, row.Status, mode)
			if f, ok := missing[msg]; ok && f.Severity >= failOn {
				tc.Failures = append(tc.Failures, junitFailure{Message: msg, Type: string(RuleCoverageMissing), Text: f.String()})
				cov.Failures++
			} else {
				tc.Skipped = &junitSkipped{Message: msg}
				cov.Skipped++
			}
		} else {
			tc.SystemOut = plural(row.Interactions, "interaction")
		}
		cov.Tests++
		cov.Cases = append(cov.Cases, tc)
	}
	if cov.Tests > 0 {
		out.Suites = append(out.Suites, cov)
	}
	// The run's other findings (about waivers) are one suite of their own.
	run := junitSuite{Name: "run"}
	for _, f := range r.RunFindings() {
		if f.Rule == RuleCoverageMissing {
			continue
		}
		tc := junitCase{Name: string(f.Rule), Classname: "run", File: f.File, Line: f.Line}
		if f.Severity >= failOn {
			tc.Failures = append(tc.Failures, junitFailure{Message: f.Message, Type: string(f.Rule), Text: f.String()})
			run.Failures++
		} else {
			tc.SystemOut = f.String()
		}
		run.Tests++
		run.Cases = append(run.Cases, tc)
	}
	if run.Tests > 0 {
		out.Suites = append(out.Suites, run)
	}
	props := []junitProperty{
		{"tool", escapeControl(r.Tool.Name + " " + r.Tool.Version)},
		{"fragment", escapeControl(r.Fragment.Name)},
		{"fragment.sha256", r.Fragment.SHA256},
		{"recordings", escapeControl(r.Recordings.String())},
		{"mode", r.Mode},
	}
	for i := range out.Suites {
		out.Suites[i].Properties = props
	}
	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func caseName(c Case) string {
	name := fmt.Sprintf("#%d %s %s", c.Index, c.Method, c.Path)
	if c.Enveloped {
		name += "?envelope=true"
	}
	if c.Status != 0 {
		name += fmt.Sprintf(" -> %d", c.Status)
	}
	return name
}
