package contract

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// markdownFindingsListed bounds the findings the Markdown report lists; a
// job summary is for reading, the other reports have them all.
const markdownFindingsListed = 100

// WriteMarkdown writes the report as GitHub-flavoured Markdown, for a CI
// job's summary page (GitHub's $GITHUB_STEP_SUMMARY, a merge request
// comment): a headline with the counts, what was judged against what, a
// table of findings (the first 100), the coverage table, and what was
// waived or skipped.
func WriteMarkdown(w io.Writer, r *Report) error {
	// bufio.Writer keeps its first error; Flush returns it.
	bw := bufio.NewWriter(w)
	s := r.Summary()
	mark := "✅"
	if s.Errors > 0 {
		mark = "❌"
	} else if s.Warnings > 0 {
		mark = "⚠️"
	}
	_, _ = fmt.Fprintf(bw, "### %s contractcheck: %s, %s\n\n", mark, plural(s.Errors, "error"), plural(s.Warnings, "warning"))
	_, _ = fmt.Fprintf(bw, "%s in %s (%s) from %s, against `%s` (sha256 `%s`), %s %s.",
		plural(s.Interactions, "interaction"), plural(s.Files, "file"), r.Mode, markdownCell(r.Recordings.String()),
		markdownCell(r.Fragment.Name), r.Fragment.SHA256, r.Tool.Name, r.Tool.Version)
	if s.Skipped > 0 {
		_, _ = fmt.Fprintf(bw, " %s outside the scope skipped (%s).", plural(s.Skipped, "interaction"), skipReasons(r.Skipped))
	}
	if s.Waived > 0 {
		_, _ = fmt.Fprintf(bw, " %s waived.", plural(s.Waived, "finding"))
	}
	_, _ = bw.WriteString("\n\n")
	for _, h := range r.Hints {
		_, _ = fmt.Fprintf(bw, "> **Hint:** %s\n\n", markdownCell(h))
	}
	if len(r.Findings) > 0 {
		_, _ = bw.WriteString("| | Rule | Where | Message |\n|---|---|---|---|\n")
		for i, f := range r.Findings {
			if i == markdownFindingsListed {
				_, _ = fmt.Fprintf(bw, "\n… and %d more: see the JSON, JUnit or SARIF report.\n", len(r.Findings)-i)
				break
			}
			sev := "⚠️"
			switch {
			case f.Severity >= SeverityError:
				sev = "❌"
			case f.Severity < SeverityWarning:
				sev = "ℹ️"
			}
			where := "run"
			if f.File != "" {
				where = "`" + markdownCode(f.Location()) + "`"
			}
			if f.Pointer != "" {
				where += " `" + markdownCode(f.Pointer) + "`"
			}
			_, _ = fmt.Fprintf(bw, "| %s | `%s` | %s | %s |\n", sev, f.Rule, where, markdownCell(f.Message))
		}
		_, _ = bw.WriteString("\n")
	}
	if len(r.Waived) > 0 {
		_, _ = bw.WriteString("<details><summary>Waived</summary>\n\n| Rule | Where | Reason |\n|---|---|---|\n")
		for _, wf := range r.Waived {
			_, _ = fmt.Fprintf(bw, "| `%s` | `%s` | %s |\n", wf.Rule, markdownCode(wf.Location()), markdownCell(wf.Reason))
		}
		_, _ = bw.WriteString("\n</details>\n\n")
	}
	if len(r.Coverage) > 0 {
		_, _ = bw.WriteString("<details><summary>Coverage</summary>\n\n| Operation | Status | Envelope | Interactions |\n|---|---|---|---|\n")
		for _, c := range r.Coverage {
			_, _ = fmt.Fprintf(bw, "| %s | %d | %t | %d |\n", markdownCell(c.Operation), c.Status, c.Envelope, c.Interactions)
		}
		_, _ = bw.WriteString("\n</details>\n")
	}
	return bw.Flush()
}

// markdownCell makes text safe in a table cell: no line breaks, pipes
// escaped, and HTML markup shown as text.
var markdownCellEscaper = strings.NewReplacer("\r", " ", "\n", " ", "|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;")

func markdownCell(s string) string { return markdownCellEscaper.Replace(escapeControl(s)) }

// markdownCode makes text safe inside a code span in a table cell.
var markdownCodeEscaper = strings.NewReplacer("\r", " ", "\n", " ", "|", `\|`, "`", "'")

func markdownCode(s string) string { return markdownCodeEscaper.Replace(escapeControl(s)) }
