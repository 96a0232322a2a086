package report

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/internal/safetext"
)

// GitHub writes the report as GitHub Actions workflow commands: one
// ::error, ::warning or ::notice annotation per finding, on the recording's
// file and the interaction's line, titled with the rule, so each shows on
// the pull request's diff; waived findings, the skipped interactions and
// hints become ::notice. The summary line closes the output.
func GitHub(w io.Writer, r *contract.Report) error {
	// bufio.Writer keeps its first error; Flush returns it.
	bw := bufio.NewWriter(w)
	for _, f := range r.Findings {
		level := "error"
		switch {
		case f.Severity == contract.SeverityWarning:
			level = "warning"
		case f.Severity < contract.SeverityWarning:
			level = "notice"
		}
		var props []string
		if f.File != "" {
			props = append(props, "file="+githubProperty(filepath.ToSlash(relToWorkdir(f.File))))
			if f.Line > 0 {
				props = append(props, "line="+strconv.Itoa(f.Line))
			}
		}
		props = append(props, "title="+githubProperty(string(f.Rule)))
		msg := f.Message
		if f.Interaction >= 0 {
			msg = fmt.Sprintf("interaction #%d", f.Interaction)
			if f.Pointer != "" {
				msg += " at " + f.Pointer
			}
			msg += ": " + f.Message
		}
		_, _ = fmt.Fprintf(bw, "::%s %s::%s\n", level, strings.Join(props, ","), githubData(msg))
	}
	for _, w := range r.Waived {
		props := "file=" + githubProperty(filepath.ToSlash(relToWorkdir(w.File)))
		if w.Line > 0 {
			props += ",line=" + strconv.Itoa(w.Line)
		}
		_, _ = fmt.Fprintf(bw, "::notice %s,title=%s::%s\n", props, githubProperty("waived "+string(w.Rule)),
			githubData(fmt.Sprintf("interaction #%d: %s (waived: %s)", w.Interaction, w.Message, w.Reason)))
	}
	if r.SkippedTotal > 0 {
		_, _ = fmt.Fprintf(bw, "::notice title=contractcheck::%s\n", githubData(fmt.Sprintf("skipped %s outside the scope (%s)",
			plural(r.SkippedTotal, "interaction"), skipReasons(r))))
	}
	for _, h := range r.Hints {
		_, _ = fmt.Fprintf(bw, "::notice title=contractcheck::%s\n", githubData(h))
	}
	_, _ = fmt.Fprintf(bw, "contractcheck: %s; %s against %s, %s %s\n", githubData(summaryLine(r)),
		githubData(r.Recordings.String()), githubData(specText(r.Spec)), r.Tool.Name, githubData(r.Tool.Version))
	return bw.Flush()
}

// githubDataEscaper escapes a workflow command's message: %, CR and LF.
var githubDataEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")

// githubPropertyEscaper escapes a workflow command's property value: the
// message's escapes, and : and , which separate properties.
var githubPropertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")

// Control characters (a terminal escape in a file name) are written
// escaped first, as in every report.
func githubData(s string) string { return githubDataEscaper.Replace(safetext.EscapeControl(s)) }
func githubProperty(s string) string {
	return githubPropertyEscaper.Replace(safetext.EscapeControl(s))
}
