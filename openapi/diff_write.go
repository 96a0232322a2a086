package openapi

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for people: a header line naming the
// operation and the two documents, a "breaking" and a "non-breaking"
// section with one line per change (kind, location, message), and a
// summary line.
func (r *DiffReport) WriteText(w io.Writer, oldName, newName string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "diff of operation %s: %s -> %s\n", r.Operation, oldName, newName)
	section := func(title string, cs []Change) {
		fmt.Fprintf(&b, "%s (%d):\n", title, len(cs))
		if len(cs) == 0 {
			b.WriteString("  none\n")
		}
		for _, c := range cs {
			fmt.Fprintf(&b, "  %s  %s: %s\n", c.Kind, c.Location, c.Message)
		}
	}
	section("breaking", r.Breaking)
	section("non-breaking", r.NonBreaking)
	switch {
	case len(r.Breaking)+len(r.NonBreaking) == 0:
		b.WriteString("summary: no changes\n")
	default:
		fmt.Fprintf(&b, "summary: %d breaking, %d non-breaking\n", len(r.Breaking), len(r.NonBreaking))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as one indented JSON object: {"operation":
// string, "breaking": [change], "nonBreaking": [change]}, where a change is
// {"kind", "breaking", "location", "message"} (see Change). The lists are
// never null.
func (r *DiffReport) WriteJSON(w io.Writer) error {
	out := *r
	if out.Breaking == nil {
		out.Breaking = []Change{}
	}
	if out.NonBreaking == nil {
		out.NonBreaking = []Change{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
