package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/internal/safetext"
)

// markdownFindingsListed bounds the findings the Markdown report lists; a
// job summary is for reading, the other reports have them all.
const markdownFindingsListed = 100

// Markdown writes the report as GitHub-flavoured Markdown, for a CI job's
// summary page (GitHub's $GITHUB_STEP_SUMMARY, a merge request comment): a
// headline with the counts, what was judged against what and the fail
// threshold, a table of findings (the first 100), the coverage table, and
// what was waived or skipped. Text from recordings is written in code spans,
// so that it renders as text: no image, link, mention or HTML of a
// recording's making.
func Markdown(w io.Writer, r *contract.Report) error {
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
	errata := errataText(r.Spec)
	if errata != "" {
		errata = ", " + errata
	}
	_, _ = fmt.Fprintf(bw, "%s. Recordings: %s; spec `%s` (sha256 `%s`%s); %s %s.",
		safetext.EscapeControl(summaryLine(r)), markdownText(r.Recordings.String()),
		markdownCode(r.Spec.Name), r.Spec.SHA256, errata, r.Tool.Name, markdownText(r.Tool.Version))
	if s.Skipped > 0 {
		_, _ = fmt.Fprintf(bw, " %s outside the scope skipped (%s).", plural(s.Skipped, "interaction"), markdownText(skipReasons(r)))
	}
	_, _ = bw.WriteString("\n\n")
	for _, h := range r.Hints {
		_, _ = fmt.Fprintf(bw, "> **Hint:** %s\n\n", markdownText(h))
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
			case f.Severity >= contract.SeverityError:
				sev = "❌"
			case f.Severity < contract.SeverityWarning:
				sev = "ℹ️"
			}
			where := "run"
			if f.File != "" {
				where = "`" + markdownCode(f.Location()) + "`"
			}
			if f.Pointer != "" {
				where += " `" + markdownCode(f.Pointer) + "`"
			}
			_, _ = fmt.Fprintf(bw, "| %s | `%s` | %s | %s |\n", sev, f.Rule, where, markdownText(f.Message))
		}
		_, _ = bw.WriteString("\n")
	}
	if len(r.Waived) > 0 {
		_, _ = bw.WriteString("<details><summary>Waived</summary>\n\n| Rule | Where | Reason |\n|---|---|---|\n")
		for _, wf := range r.Waived {
			_, _ = fmt.Fprintf(bw, "| `%s` | `%s` | %s |\n", wf.Rule, markdownCode(wf.Location()), markdownText(wf.Reason))
		}
		_, _ = bw.WriteString("\n</details>\n\n")
	}
	if len(r.Coverage) > 0 {
		_, _ = bw.WriteString("<details><summary>Coverage</summary>\n\n| Operation | Status | Envelope | Interactions |\n|---|---|---|---|\n")
		for _, c := range r.Coverage {
			_, _ = fmt.Fprintf(bw, "| %s | %d | %t | %d |\n", markdownText(c.Operation), c.Status, c.Envelope, c.Interactions)
		}
		_, _ = bw.WriteString("\n</details>\n")
	}
	return bw.Flush()
}

// markdownText writes text from a recording as a code span: GitHub
// interprets nothing inside one (no emphasis, link, image, HTML, mention or
// autolink, which it finds even in text written with character
// references), so recorded text renders as the text it is.
func markdownText(s string) string {
	if s == "" {
		return ""
	}
	return "`" + markdownCode(s) + "`"
}

// markdownCodeEscaper makes text safe inside a code span in a table cell,
// where Markdown is not interpreted: only the span's end and the cell's.
var markdownCodeEscaper = strings.NewReplacer("\r", " ", "\n", " ", "|", `\|`, "`", "'")

func markdownCode(s string) string { return markdownCodeEscaper.Replace(safetext.EscapeControl(s)) }
