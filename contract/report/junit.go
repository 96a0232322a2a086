package report

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/internal/safetext"
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

// JUnit writes the report as JUnit XML: one test suite per recording file
// with one test case per interaction, failing with the findings at or above
// the report's FailOn (lower ones go to system-out; an interaction a target
// run did not send, and that fails nothing, is skipped), a "coverage" suite
// with one test case per coverage row (skipped when no interaction
// exercised it), and a "run" suite for the findings about the whole run
// (required coverage that is missing, waivers).
//
// It needs the report's Cases: run with Options.Cases. Every string from a
// recording or a file name is written with control and bidirectional
// characters escaped (\x1b, \u202e), as in the text report.
func JUnit(w io.Writer, r *contract.Report) error {
	if len(r.Cases) != r.Interactions {
		return errors.New("report: JUnit needs a Case per interaction: run with Options.Cases")
	}
	esc := safetext.EscapeControl
	failOn := r.FailOn
	out := junitSuites{Name: "contractcheck"}
	bySuite := map[string]int{}
	suite := func(file string) *junitSuite {
		i, ok := bySuite[file]
		if !ok {
			i = len(out.Suites)
			bySuite[file] = i
			out.Suites = append(out.Suites, junitSuite{Name: esc(file)})
		}
		return &out.Suites[i]
	}
	waived := map[string][]string{} // by file#index: the waived findings, kept as notes
	for _, w := range r.Waived {
		k := w.File + "#" + strconv.Itoa(w.Interaction)
		waived[k] = append(waived[k], esc(fmt.Sprintf("waived (%s): %s", w.Reason, w.Finding)))
	}
	for _, c := range r.Cases {
		tc := junitCase{Name: esc(caseName(c)), Classname: esc(c.File), File: esc(c.File), Line: c.Line}
		var notes []string
		notSent := ""
		for _, f := range r.CaseFindings(c) {
			if f.Rule == contract.RuleNotSent {
				notSent = esc(f.Message)
			}
			if f.Severity >= failOn {
				tc.Failures = append(tc.Failures, junitFailure{Message: esc(f.Message), Type: string(f.Rule), Text: esc(f.String())})
			} else {
				notes = append(notes, esc(f.String()))
			}
		}
		notes = append(notes, waived[c.File+"#"+strconv.Itoa(c.Index)]...)
		tc.SystemOut = strings.Join(notes, "\n")
		s := suite(c.File)
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
	// Interactions outside the scope are skipped test cases of their file
	// (the first contract.MaxSkippedListed; the rest are counted in a suite
	// of their own).
	for _, sk := range r.Skipped {
		s := suite(sk.File)
		s.Tests++
		s.Skipped++
		s.Cases = append(s.Cases, junitCase{
			Name: esc(fmt.Sprintf("#%d %s %s", sk.Interaction, sk.Method, sk.Path)), Classname: esc(sk.File), File: esc(sk.File), Line: sk.Line,
			Skipped: &junitSkipped{Message: sk.Reason},
		})
	}
	if more := r.SkippedTotal - len(r.Skipped); more > 0 {
		msg := fmt.Sprintf("%s outside the scope past the first %d listed: %s in all (%s)",
			plural(more, "more interaction"), len(r.Skipped), plural(r.SkippedTotal, "interaction"), skipReasons(r))
		out.Suites = append(out.Suites, junitSuite{Name: "outside the scope", Tests: 1, Skipped: 1,
			Cases: []junitCase{{Name: esc(plural(more, "more interaction") + " skipped"), Classname: "outside the scope", Skipped: &junitSkipped{Message: esc(msg)}}}})
	}
	cov := junitSuite{Name: "coverage"}
	for _, row := range r.Coverage {
		mode := "without envelope"
		if row.Envelope {
			mode = "with envelope=true"
		}
		tc := junitCase{Name: esc(fmt.Sprintf("%s %d %s", row.Operation, row.Status, mode)), Classname: "coverage"}
		if row.Interactions == 0 {
			tc.Skipped = &junitSkipped{Message: "no interaction exercises it"}
			cov.Skipped++
		} else {
			tc.SystemOut = plural(row.Interactions, "interaction")
		}
		cov.Tests++
		cov.Cases = append(cov.Cases, tc)
	}
	if cov.Tests > 0 {
		out.Suites = append(out.Suites, cov)
	}
	// The run's own findings (required coverage missing, waivers) are one
	// suite of their own.
	run := junitSuite{Name: "run"}
	for _, f := range r.RunFindings() {
		tc := junitCase{Name: string(f.Rule), Classname: "run", File: esc(f.File), Line: f.Line}
		if f.Severity >= failOn {
			tc.Failures = append(tc.Failures, junitFailure{Message: esc(f.Message), Type: string(f.Rule), Text: esc(f.String())})
			run.Failures++
		} else {
			tc.SystemOut = esc(f.String())
		}
		run.Tests++
		run.Cases = append(run.Cases, tc)
	}
	if run.Tests > 0 {
		out.Suites = append(out.Suites, run)
	}
	s := r.Summary()
	props := []junitProperty{
		{"tool", esc(r.Tool.Name + " " + r.Tool.Version)},
		{"spec", esc(r.Spec.Name)},
		{"spec.sha256", r.Spec.SHA256},
		{"recordings", esc(r.Recordings.String())},
		{"mode", r.Mode},
		{"fail-on", r.FailOn.String()},
		{"waived", strconv.Itoa(s.Waived)},
		{"unfailing-errors", strconv.Itoa(r.Unfailing())},
	}
	if e := errataText(r.Spec); e != "" {
		props = append(props, junitProperty{"spec.errata", e})
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

func caseName(c contract.Case) string {
	name := fmt.Sprintf("#%d %s %s", c.Index, c.Method, c.Path)
	if c.Enveloped {
		name += "?envelope=true"
	}
	if c.Status != 0 {
		name += fmt.Sprintf(" -> %d", c.Status)
	}
	return name
}
