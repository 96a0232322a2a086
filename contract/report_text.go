package contract

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// TextOptions configure WriteText.
type TextOptions struct {
	// Color paints severities with ANSI colours; callers set it only on a
	// terminal and never when NO_COLOR is set.
	Color bool
}

// WriteText writes the report for people: one line per finding starting
// with file:line (so terminals and editors can open it), grouped by file,
// then the run's own findings, what was waived and skipped, hints, and a
// summary naming what was judged against what. Control characters from
// recordings and file names are written escaped (\x1b), so a report cannot
// drive the terminal that shows it.
func WriteText(w io.Writer, r *Report, opts TextOptions) error {
	// bufio.Writer keeps its first error; Flush returns it.
	bw := bufio.NewWriter(w)
	paint := func(sev Severity) string {
		s := sev.String()
		if !opts.Color {
			return s
		}
		switch sev {
		case SeverityError:
			return "\x1b[31m" + s + "\x1b[0m"
		case SeverityInfo:
			return "\x1b[36m" + s + "\x1b[0m"
		}
		return "\x1b[33m" + s + "\x1b[0m"
	}
	for _, f := range r.Findings {
		if f.Interaction < 0 {
			continue
		}
		loc := f.Location()
		if f.Pointer != "" {
			loc += " " + f.Pointer
		}
		_, _ = fmt.Fprintf(bw, "%s: %s %s: %s\n", escapeControl(loc), paint(f.Severity), escapeControl(string(f.Rule)), escapeControl(f.Message))
	}
	if run := r.RunFindings(); len(run) > 0 {
		for _, f := range run {
			loc := "run"
			if f.File != "" {
				loc = f.Location()
			}
			_, _ = fmt.Fprintf(bw, "%s: %s %s: %s\n", escapeControl(loc), paint(f.Severity), escapeControl(string(f.Rule)), escapeControl(f.Message))
		}
	}
	for _, w := range r.Waived {
		_, _ = fmt.Fprintf(bw, "%s: waived %s: %s (waiver at %s:%d: %s)\n", escapeControl(w.Location()), w.Rule, escapeControl(w.Message), escapeControl(w.WaiverSource), w.WaiverLine, escapeControl(w.Reason))
	}
	if r.SkippedTotal > 0 {
		_, _ = fmt.Fprintf(bw, "skipped %s outside the scope (%s):\n", plural(r.SkippedTotal, "interaction"), skipReasons(r.Skipped))
		for i, sk := range r.Skipped {
			if i == textSkippedListed {
				_, _ = fmt.Fprintf(bw, "  ... and %d more (the JSON report lists up to %d)\n", r.SkippedTotal-i, MaxSkippedListed)
				break
			}
			loc := sk.File
			if sk.Line > 0 {
				loc += fmt.Sprintf(":%d", sk.Line)
			}
			_, _ = fmt.Fprintf(bw, "  %s #%d: %s %s: %s\n", escapeControl(loc), sk.Interaction, escapeControl(sk.Method), escapeControl(sk.Path), escapeControl(sk.Reason))
		}
	}
	for _, h := range r.Hints {
		_, _ = fmt.Fprintf(bw, "hint: %s\n", escapeControl(h))
	}
	s := r.Summary()
	_, _ = fmt.Fprintf(bw, "%s: %s in %s (%s): %s, %s", "contractcheck",
		plural(s.Interactions, "interaction"), plural(s.Files, "file"), escapeControl(r.Mode),
		plural(s.Errors, "error"), plural(s.Warnings, "warning"))
	if s.Notes > 0 {
		_, _ = fmt.Fprintf(bw, ", %s", plural(s.Notes, "negative case")+" refused as expected")
	}
	if r.Mode == "target" {
		_, _ = fmt.Fprintf(bw, ", %d not sent", s.NotSent)
	}
	if s.Skipped > 0 {
		_, _ = fmt.Fprintf(bw, ", %d skipped", s.Skipped)
	}
	if s.Waived > 0 {
		_, _ = fmt.Fprintf(bw, ", %d waived", s.Waived)
	}
	_, _ = fmt.Fprintf(bw, "\n%s: judged %s against %s (sha256 %s) with %s %s\n", "contractcheck",
		escapeControl(r.Recordings.String()), escapeControl(r.Fragment.Name), r.Fragment.SHA256, r.Tool.Name, escapeControl(r.Tool.Version))
	return bw.Flush()
}

// textSkippedListed bounds the skipped interactions the text report lists.
const textSkippedListed = 10

// skipReasons counts the listed skipped interactions by reason, in a
// stable order.
func skipReasons(list []Skipped) string {
	counts := map[string]int{}
	var order []string
	for _, sk := range list {
		if counts[sk.Reason] == 0 {
			order = append(order, sk.Reason)
		}
		counts[sk.Reason]++
	}
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
