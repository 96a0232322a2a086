package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/internal/safetext"
)

// TextOptions configure Text.
type TextOptions struct {
	// Color paints severities with ANSI colours; callers set it only on a
	// terminal and never when NO_COLOR is set.
	Color bool
}

// Text writes the report for people: one line per finding starting with
// file:line (so terminals and editors can open it), then the run's own
// findings, what was waived and skipped, hints, the coverage table, and a
// summary naming what was judged against what and the fail threshold.
// Control characters from recordings and file names are written escaped
// (\x1b), so a report cannot drive the terminal that shows it.
func Text(w io.Writer, r *contract.Report, opts TextOptions) error {
	// bufio.Writer keeps its first error; Flush returns it.
	bw := bufio.NewWriter(w)
	esc := safetext.EscapeControl
	paint := func(sev contract.Severity) string {
		s := sev.String()
		if !opts.Color {
			return s
		}
		switch sev {
		case contract.SeverityError:
			return "\x1b[31m" + s + "\x1b[0m"
		case contract.SeverityInfo:
			return "\x1b[36m" + s + "\x1b[0m"
		}
		return "\x1b[33m" + s + "\x1b[0m"
	}
	line := func(f contract.Finding) {
		loc := "run"
		if f.File != "" {
			loc = f.Location()
		}
		if f.Pointer != "" {
			loc += " " + f.Pointer
		}
		_, _ = fmt.Fprintf(bw, "%s: %s %s: %s\n", esc(loc), paint(f.Severity), f.Rule, esc(f.Message))
	}
	for _, f := range r.Findings {
		if f.Interaction >= 0 {
			line(f)
		}
	}
	for _, f := range r.RunFindings() {
		line(f)
	}
	for _, w := range r.Waived {
		_, _ = fmt.Fprintf(bw, "%s: waived %s: %s (waiver at %s:%d: %s)\n", esc(w.Location()), w.Rule, esc(w.Message), esc(w.WaiverSource), w.WaiverLine, esc(w.Reason))
	}
	if r.SkippedTotal > 0 {
		_, _ = fmt.Fprintf(bw, "skipped %s outside the scope (%s):\n", plural(r.SkippedTotal, "interaction"), skipReasons(r))
		for i, sk := range r.Skipped {
			if i == textSkippedListed {
				_, _ = fmt.Fprintf(bw, "  ... and %d more (the JSON report lists up to %d)\n", r.SkippedTotal-i, contract.MaxSkippedListed)
				break
			}
			loc := sk.File
			if sk.Line > 0 {
				loc += ":" + strconv.Itoa(sk.Line)
			}
			_, _ = fmt.Fprintf(bw, "  %s #%d: %s %s: %s\n", esc(loc), sk.Interaction, esc(sk.Method), esc(sk.Path), esc(sk.Reason))
		}
	}
	for _, h := range r.Hints {
		_, _ = fmt.Fprintf(bw, "hint: %s\n", esc(h))
	}
	writeCoverageTable(bw, r.Coverage)
	_, _ = fmt.Fprintf(bw, "contractcheck: %s\n", esc(summaryLine(r)))
	_, _ = fmt.Fprintf(bw, "contractcheck: judged %s against %s with %s %s\n",
		esc(r.Recordings.String()), specText(r.Spec), r.Tool.Name, esc(r.Tool.Version))
	return bw.Flush()
}

// specText names the spec a run was judged against, with its digest and,
// for a published spec, its errataText.
func specText(s contract.SpecInfo) string {
	if e := errataText(s); e != "" {
		return fmt.Sprintf("%s (sha256 %s, %s)", safetext.EscapeControl(s.Name), s.SHA256, e)
	}
	return fmt.Sprintf("%s (sha256 %s)", safetext.EscapeControl(s.Name), s.SHA256)
}

// errataText says whether our errata were applied to a published spec:
// "errata" and the overlay's digest, shortened, or "no errata"
// (--no-errata); "" for a fragment, which carries its errata.
func errataText(s contract.SpecInfo) string {
	switch {
	case s.Errata != "":
		return "errata " + s.Errata[:min(12, len(s.Errata))]
	case s.Revision != "":
		return "no errata"
	}
	return ""
}

// textSkippedListed bounds the skipped interactions the text report lists.
const textSkippedListed = 10

// summaryLine counts the run for people: what was judged, in which mode,
// the errors and warnings, and what did not fail the run and why.
func summaryLine(r *contract.Report) string {
	s := r.Summary()
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %s (%s): %s, %s", plural(s.Interactions, "interaction"), plural(s.Files, "file"), r.Mode,
		plural(s.Errors, "error"), plural(s.Warnings, "warning"))
	if s.Notes > 0 {
		fmt.Fprintf(&b, ", %s refused as expected", plural(s.Notes, "negative case"))
	}
	if r.Mode == "target" {
		fmt.Fprintf(&b, ", %d not sent", s.NotSent)
	}
	if s.Skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", s.Skipped)
	}
	if s.Deprecated > 0 {
		fmt.Fprintf(&b, ", %s of a deprecated version", plural(s.Deprecated, "answer"))
	}
	if s.RequestsNotRecorded > 0 {
		fmt.Fprintf(&b, ", %s without a recorded request (request rules skipped)", plural(s.RequestsNotRecorded, "interaction"))
	}
	fmt.Fprintf(&b, ", %d waived; fail-on: %s", s.Waived, r.FailOn)
	if n := r.Unfailing(); n > 0 {
		fmt.Fprintf(&b, " (%s not failing the run)", plural(n, "error"))
	}
	return b.String()
}

// writeCoverageTable writes the coverage of each operation judged as a
// small table: one column per declared status, one line per envelope mode,
// the number of interactions in each cell ("-" for none).
func writeCoverageTable(w io.Writer, rows []contract.CoverageRow) {
	for i := 0; i < len(rows); {
		op := rows[i].Operation
		j := i
		for j < len(rows) && rows[j].Operation == op {
			j++
		}
		var statuses []int
		counts := map[[2]int]int{}
		modes := []bool{false}
		for _, row := range rows[i:j] {
			if len(statuses) == 0 || statuses[len(statuses)-1] != row.Status {
				statuses = append(statuses, row.Status)
			}
			env := 0
			if row.Envelope {
				env, modes = 1, []bool{false, true}
			}
			counts[[2]int{row.Status, env}] = row.Interactions
		}
		_, _ = fmt.Fprintf(w, "coverage of %s (interactions per declared status):\n", safetext.EscapeControl(op))
		_, _ = fmt.Fprintf(w, "  %-14s", "status")
		for _, s := range statuses {
			_, _ = fmt.Fprintf(w, " %4d", s)
		}
		_, _ = fmt.Fprintln(w)
		for _, env := range modes {
			label, k := "plain", 0
			if env {
				label, k = "envelope=true", 1
			}
			_, _ = fmt.Fprintf(w, "  %-14s", label)
			for _, s := range statuses {
				if n := counts[[2]int{s, k}]; n > 0 {
					_, _ = fmt.Fprintf(w, " %4d", n)
				} else {
					_, _ = fmt.Fprintf(w, " %4s", "-")
				}
			}
			_, _ = fmt.Fprintln(w)
		}
		i = j
	}
}

// skipReasons counts the listed skipped interactions by reason, in a
// stable order.
func skipReasons(r *contract.Report) string {
	counts, listed := r.SkippedReasons, map[string]int{}
	var order []string
	for _, sk := range r.Skipped {
		if listed[sk.Reason] == 0 {
			order = append(order, sk.Reason)
		}
		listed[sk.Reason]++
	}
	if counts == nil {
		counts = listed // a report built without the run's counts
	}
	var more []string // reasons only of interactions past the list
	for reason := range counts {
		if listed[reason] == 0 {
			more = append(more, reason)
		}
	}
	slices.Sort(more)
	order = append(order, more...)
	parts := make([]string, len(order))
	for i, reason := range order {
		parts[i] = fmt.Sprintf("%d %s", counts[reason], reason)
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, strings.TrimSuffix(word, "s"))
}
