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

// WriteText writes the report for people: findings grouped by file, one
// line per finding, then the run's own findings, then a summary line.
// Control characters from recordings and file names are written escaped
// (\x1b), so a report cannot drive the terminal that shows it.
func WriteText(w io.Writer, r *Report, opts TextOptions) error {
	// bufio.Writer keeps its first error; Flush returns it.
	bw := bufio.NewWriter(w)
	paint := func(sev Severity) string {
		s := sev.String()
		if !opts.Color {
			return s
		}
		if sev == SeverityError {
			return "\x1b[31m" + s + "\x1b[0m"
		}
		return "\x1b[33m" + s + "\x1b[0m"
	}
	file := ""
	for _, f := range r.Findings {
		if f.File == "" {
			continue
		}
		if f.File != file {
			file = f.File
			_, _ = fmt.Fprintf(bw, "%s\n", escapeControl(file))
		}
		loc := fmt.Sprintf("#%d", f.Interaction)
		if f.Pointer != "" {
			loc += " " + f.Pointer
		}
		_, _ = fmt.Fprintf(bw, "  %s: %s %s: %s\n", escapeControl(loc), paint(f.Severity), escapeControl(string(f.Rule)), escapeControl(f.Message))
	}
	if run := r.runFindings(); len(run) > 0 {
		_, _ = fmt.Fprintln(bw, "run")
		for _, f := range run {
			_, _ = fmt.Fprintf(bw, "  %s %s: %s\n", paint(f.Severity), escapeControl(string(f.Rule)), escapeControl(f.Message))
		}
	}
	s := r.Summary()
	notSent := ""
	if r.Mode == "target" {
		notSent = fmt.Sprintf(", %d not sent", s.NotSent)
	}
	_, _ = fmt.Fprintf(bw, "%s: %s in %s (%s): %s, %s%s\n", "contractcheck",
		plural(s.Interactions, "interaction"), plural(s.Files, "file"), escapeControl(r.Mode),
		plural(s.Errors, "error"), plural(s.Warnings, "warning"), notSent)
	return bw.Flush()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, strings.TrimSuffix(word, "s"))
}
