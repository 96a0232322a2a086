package contract

import (
	"fmt"
	"strconv"
	"strings"
)

// Severity says how much a finding matters.
type Severity int

// Severities, in increasing order.
const (
	// SeverityInfo marks a finding that passes: something worth knowing
	// that is what the fragment expects (an invalid request that was
	// refused). It never fails a run and is not a warning.
	SeverityInfo Severity = iota + 1
	SeverityWarning
	SeverityError
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	if s == FailNever {
		return "none"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity parses "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "info":
		return SeverityInfo, nil
	case "warning":
		return SeverityWarning, nil
	case "error":
		return SeverityError, nil
	}
	return 0, fmt.Errorf("unknown severity %q: want info, warning or error", s)
}

// MarshalText writes the severity by name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity by name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Finding is one way an interaction disagrees with the fragment. Findings
// are plain data: an operational failure (an unreadable file) is an error,
// never a Finding.
type Finding struct {
	Rule     Rule     `json:"rule"`
	Severity Severity `json:"severity"`
	// File is the recording the interaction came from; empty for findings
	// about the whole run (coverage). A finding about a waiver names the
	// configuration file.
	File string `json:"file,omitempty"`
	// Line is the 1-based line in File where the interaction (or the
	// waiver) starts; 0 when unknown.
	Line int `json:"line,omitempty"`
	// Interaction is the interaction's 0-based index in File, -1 for
	// findings about the whole run.
	Interaction int `json:"interaction"`
	// Pointer is a JSON pointer (RFC 6901) into the response body where the
	// finding applies, empty when it applies to no part of the body.
	Pointer string `json:"pointer,omitempty"`
	// Message says what is wrong and what was expected. It is built from the
	// reason, never from a dump of the offending value.
	Message string `json:"message"`
}

// String formats the finding on one line:
// file:line #index pointer: severity rule: message.
func (f Finding) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.Location())
		if f.Pointer != "" {
			b.WriteString(" " + f.Pointer)
		}
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s %s: %s", f.Severity, f.Rule, f.Message)
	return b.String()
}

// Location is where the finding points: "file:line #index", with the parts
// that are known ("file#index" without a line, "file:line" for a finding
// about a waiver).
func (f Finding) Location() string {
	loc := f.File
	if f.Line > 0 {
		loc += ":" + strconv.Itoa(f.Line)
	}
	if f.Interaction >= 0 {
		if f.Line > 0 {
			loc += " "
		}
		loc += "#" + strconv.Itoa(f.Interaction)
	}
	return loc
}

// FailNever is the fail threshold "none": no finding fails the run, for a
// job that only reports while a team adopts the check.
const FailNever = SeverityError + 1

// ParseFailOn parses a fail threshold: "error", "warning", or "none"
// (FailNever).
func ParseFailOn(s string) (Severity, error) {
	if strings.EqualFold(s, "none") {
		return FailNever, nil
	}
	sev, err := ParseSeverity(s)
	if err != nil || sev < SeverityWarning {
		return 0, fmt.Errorf("unknown threshold %q: want error, warning or none", s)
	}
	return sev, nil
}
