package contract

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Waiver accepts the findings of one rule in some recordings, for a stated
// reason and, optionally, until a date. A waiver that matches nothing, or
// whose date has passed, is itself reported (waiver-unused,
// waiver-expired), so waivers cannot outlive their reason silently.
type Waiver struct {
	// Rule is the rule whose findings are waived (required).
	Rule Rule
	// File is a glob over the recording's path with forward slashes: "*"
	// and "?" stay within one path segment, "**" crosses segments. A glob
	// without a slash matches the file's base name too; an absolute path
	// given to the run also matches relative to the working directory
	// ("../recordings/*.yaml" for a folder beside it).
	// Empty matches every file.
	File string
	// Interaction, when set, limits the waiver to one interaction (its
	// 0-based index in the file).
	Interaction *int
	// Pointer, when set, limits the waiver to findings at this JSON pointer
	// or below it.
	Pointer string
	// Reason says why the finding is accepted (required).
	Reason string
	// Expires, when set, is the last day the waiver applies (UTC); nil
	// means no expiry.
	Expires *time.Time
	// Source and Line locate the waiver in its configuration file; reports
	// about the waiver point there.
	Source string
	Line   int
}

// WaivedFinding is a finding a waiver accepted.
type WaivedFinding struct {
	Finding
	// Reason is the waiver's reason.
	Reason string `json:"reason"`
	// WaiverSource and WaiverLine locate the waiver.
	WaiverSource string `json:"waiverSource,omitempty"`
	WaiverLine   int    `json:"waiverLine,omitempty"`
}

// waiverSet is the run's waivers compiled once: globs as regular
// expressions, and for the file being judged, which waivers can apply.
type waiverSet struct {
	list    []compiledWaiver
	used    []int
	file    string // the file forFile was last computed for
	forFile []int  // indexes into list of the active waivers matching file
	// mode is how the run obtains its responses ("replay", "offline",
	// "target"): a waiver of a rule the mode cannot produce is not unused.
	mode string
}

type compiledWaiver struct {
	Waiver
	glob     *regexp.Regexp
	baseOnly bool // the glob has no slash: the base name may match too
	expired  bool
	judged   bool // a file it matches was judged
}

// CheckWaivers checks waivers as Run will compile them: a known rule that
// can be waived, a reason, a JSON pointer, a valid file glob. The error
// names each waiver's file and line.
func CheckWaivers(ws []Waiver) error {
	_, err := compileWaivers(ws, time.Now())
	return err
}

func compileWaivers(ws []Waiver, now time.Time) (*waiverSet, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	set := &waiverSet{used: make([]int, len(ws))}
	today := now.UTC().Truncate(24 * time.Hour)
	var errs []error
	for _, w := range ws {
		at := waiverLocation(w)
		if w.Rule == "" {
			errs = append(errs, fmt.Errorf("%s: a waiver needs a rule", at))
		} else if _, ok := w.Rule.Info(); !ok {
			errs = append(errs, fmt.Errorf("%s: unknown rule %q", at, w.Rule))
		} else if w.Rule == RuleCoverageMissing || w.Rule == RuleWaiverExpired || w.Rule == RuleWaiverUnused {
			errs = append(errs, fmt.Errorf("%s: %s is about the whole run and cannot be waived; require only the coverage you need (require-coverage), or remove the waiver", at, w.Rule))
		}
		if strings.TrimSpace(w.Reason) == "" {
			errs = append(errs, fmt.Errorf("%s: a waiver needs a reason", at))
		}
		if w.Pointer != "" && !strings.HasPrefix(w.Pointer, "/") {
			errs = append(errs, fmt.Errorf("%s: pointer %q is not a JSON pointer (it starts with /)", at, w.Pointer))
		}
		cw := compiledWaiver{Waiver: w, expired: w.Expires != nil && w.Expires.UTC().Before(today)}
		if w.File != "" {
			glob := path.Clean(filepath.ToSlash(w.File))
			re, err := globRegexp(glob)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: file %q: %w", at, w.File, err))
			}
			cw.glob, cw.baseOnly = re, !strings.Contains(glob, "/")
		}
		set.list = append(set.list, cw)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return set, nil
}

func waiverLocation(w Waiver) string {
	switch {
	case w.Source != "" && w.Line > 0:
		return fmt.Sprintf("%s:%d: waiver", w.Source, w.Line)
	case w.Source != "":
		return w.Source + ": waiver"
	}
	return "waiver"
}

// globRegexp compiles a file glob: "**" matches across slashes, "*" and
// "?" within one segment; everything else is literal.
func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; c {
		case '*':
			if i+1 < len(glob) && glob[i+1] == '*' {
				i++
				if i+1 < len(glob) && glob[i+1] == '/' {
					i++
					b.WriteString("(?:.*/)?") // "**/" matches zero or more folders
				} else {
					b.WriteString(".*")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[', ']':
			return nil, errors.New("character classes are not supported; use * and ?")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// judge notes that an interaction of file was judged, and finds the
// waivers that apply to its findings; computed once per file.
func (s *waiverSet) judge(file string) {
	if s == nil || file == s.file {
		return
	}
	s.file = file
	s.forFile = s.forFile[:0]
	clean := path.Clean(filepath.ToSlash(file))
	rel := clean // an absolute path also matches relative to the working directory
	if filepath.IsAbs(file) {
		if wd, err := os.Getwd(); err == nil {
			if r, err := filepath.Rel(wd, file); err == nil {
				rel = filepath.ToSlash(r)
			}
		}
	}
	base := path.Base(clean)
	for i, w := range s.list {
		if w.expired {
			continue
		}
		if w.glob == nil || w.glob.MatchString(clean) || w.glob.MatchString(rel) || (w.baseOnly && w.glob.MatchString(base)) {
			s.forFile = append(s.forFile, i)
			s.list[i].judged = true
		}
	}
}

// apply splits the findings of an interaction of the file judge was last
// told of into those that stay and those a waiver accepts.
func (s *waiverSet) apply(findings []Finding, waived *[]WaivedFinding) []Finding {
	if s == nil || len(findings) == 0 || len(s.forFile) == 0 {
		return findings
	}
	kept := findings[:0]
	for _, f := range findings {
		if i, ok := s.match(f); ok {
			s.used[i]++
			w := s.list[i]
			*waived = append(*waived, WaivedFinding{Finding: f, Reason: w.Reason, WaiverSource: w.Source, WaiverLine: w.Line})
			continue
		}
		kept = append(kept, f)
	}
	return kept
}

func (s *waiverSet) match(f Finding) (int, bool) {
	for _, i := range s.forFile {
		w := &s.list[i]
		if w.Rule != f.Rule {
			continue
		}
		if w.Interaction != nil && *w.Interaction != f.Interaction {
			continue
		}
		if w.Pointer != "" && f.Pointer != w.Pointer && !strings.HasPrefix(f.Pointer, w.Pointer+"/") {
			continue
		}
		return i, true
	}
	return 0, false
}

// ruleInMode tells whether a run in mode can produce findings of rule:
// only a replay or a target run decodes with the client or fails to
// replay, only a target run leaves interactions unsent.
func ruleInMode(rule Rule, mode string) bool {
	switch rule {
	case RuleClientDecode, RuleReplayFailed:
		return mode != "offline"
	case RuleNotSent:
		return mode == "target"
	}
	return true
}

// findings reports the waivers that expired, and those that matched no
// finding although a file they name was judged in a mode that can produce
// their rule.
func (s *waiverSet) findings() []Finding {
	if s == nil {
		return nil
	}
	var out []Finding
	for i, w := range s.list {
		f := Finding{Severity: SeverityWarning, File: w.Source, Line: w.Line, Interaction: -1}
		switch {
		case w.expired:
			f.Rule = RuleWaiverExpired
			f.Message = fmt.Sprintf("the waiver of %s (%s) expired on %s; its findings are reported again", w.Rule, w.Reason, w.Expires.Format(time.DateOnly))
		case s.used[i] == 0 && w.judged && ruleInMode(w.Rule, s.mode):
			f.Rule = RuleWaiverUnused
			f.Message = fmt.Sprintf("the waiver of %s (%s) matched no finding; remove it", w.Rule, w.Reason)
		default:
			continue
		}
		out = append(out, f)
	}
	return out
}
