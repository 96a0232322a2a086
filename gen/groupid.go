package atlas

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// groupIDRegexp compiles the generated GroupIDPattern once. A pattern Go
// cannot compile is reported by New and ValidateGroupID, never by a panic.
var groupIDRegexp = sync.OnceValues(func() (*regexp.Regexp, error) {
	re, err := regexp.Compile(GroupIDPattern)
	if err != nil {
		return nil, fmt.Errorf("atlas: the generated GroupIDPattern %s does not compile: %w", GroupIDPattern, err)
	}
	return re, nil
})

// groupIDRun is the fast matcher of GroupIDPattern when the pattern has its
// present shape (see classRunOf), or nil.
var groupIDRun = sync.OnceValue(func() *classRun { return classRunOf(GroupIDPattern) })

// classRun matches what a pattern of the shape ^[class]{n}$ matches, for a
// class of ASCII characters: n bytes, each one the class admits.
type classRun struct {
	admit [utf8.RuneSelf]bool
	n     int
}

// classRunOf returns a classRun for a pattern of the shape ^[class]{n}$
// (in a capture group or not) whose class admits ASCII characters only, as
// Atlas's ids are, and nil for a pattern of any other shape. It decides as
// the regexp does, in a tenth of the time: the id is checked on every call.
func classRunOf(pattern string) *classRun {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) != 3 ||
		re.Sub[0].Op != syntax.OpBeginText || re.Sub[2].Op != syntax.OpEndText {
		return nil
	}
	body := re.Sub[1]
	if body.Op == syntax.OpCapture {
		body = body.Sub[0]
	}
	if body.Op != syntax.OpRepeat || body.Min != body.Max || body.Min < 1 || body.Sub[0].Op != syntax.OpCharClass {
		return nil
	}
	run := &classRun{n: body.Min}
	ranges := body.Sub[0].Rune
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i+1] >= utf8.RuneSelf {
			return nil
		}
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			run.admit[r] = true
		}
	}
	return run
}

// match reports whether s is n bytes the class admits. A byte of a
// multi-byte character is never admitted, as the character is not.
func (m *classRun) match(s string) bool {
	if len(s) != m.n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || !m.admit[s[i]] {
			return false
		}
	}
	return true
}

// GroupIDError reports a groupId that does not match GroupIDPattern. The
// request it was meant for was not sent.
type GroupIDError struct {
	// GroupID is the value given.
	GroupID string
	// Problem says what is wrong with it, when something more precise than
	// "does not match" can be said, or is empty.
	Problem string
}

// Error implements error.
func (e *GroupIDError) Error() string {
	if e.GroupID == "" {
		return "atlas: groupId is empty; it must match " + GroupIDPattern
	}
	msg := "atlas: groupId " + quoteCapped(e.GroupID, 64) + " (" + strconv.Itoa(utf8.RuneCountInString(e.GroupID)) +
		" characters) does not match " + GroupIDPattern
	if e.Problem != "" {
		msg += ": " + e.Problem
	}
	return msg
}

// ValidateGroupID returns a *GroupIDError if groupID does not match the
// pattern the OpenAPI fragment declares for the groupId path parameter
// (GroupIDPattern), and nil if it does.
func ValidateGroupID(groupID string) error {
	if run := groupIDRun(); run != nil && run.match(groupID) {
		return nil
	}
	re, err := groupIDRegexp()
	if err != nil {
		return err
	}
	if re.MatchString(groupID) {
		return nil
	}
	return &GroupIDError{GroupID: groupID, Problem: groupIDProblem(re, groupID)}
}

// groupIDProblem names a likely cause, judged by the pattern itself.
func groupIDProblem(re *regexp.Regexp, v string) string {
	switch {
	case v == "":
		return ""
	case re.MatchString(strings.TrimSpace(v)):
		return "it has leading or trailing white space"
	case re.MatchString(strings.ToLower(v)):
		return "it has upper-case letters"
	case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }):
		return "it contains white space or control characters"
	case strings.ContainsAny(v, "/?#%"):
		return "it contains URL syntax (/, ?, # or %): pass the bare groupId, not a path or URL"
	default:
		return ""
	}
}

// quoteCapped quotes s, keeping at most max bytes of it.
func quoteCapped(s string, max int) string {
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
