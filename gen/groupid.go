package atlas

import (
	"fmt"
	"regexp"
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
