// Package ecmaregexp compiles the regular expressions of OpenAPI documents,
// which are ECMAScript patterns (JSON Schema says so), for Go.
//
// A pattern that Go's regexp (RE2) accepts is compiled by it: RE2 matches in
// linear time and agrees with ECMAScript on the patterns both accept. A
// pattern RE2 refuses (a look-ahead such as ^(?!.*--), which MongoDB's
// published spec uses in 57 places, or a back-reference) is compiled by
// github.com/dlclark/regexp2 in ECMAScript mode, with a match timeout so
// that a backtracking pattern cannot hold a judgement.
package ecmaregexp

import (
	"fmt"
	"regexp"
	"time"

	"github.com/dlclark/regexp2/v2"
)

// MatchTimeout bounds one match of a pattern compiled by regexp2. A value
// that takes longer does not match.
const MatchTimeout = 100 * time.Millisecond

// Matcher is a compiled pattern. It is safe for concurrent use.
type Matcher interface {
	MatchString(s string) bool
}

// Compile compiles an ECMAScript pattern.
func Compile(expr string) (Matcher, error) {
	if re, err := regexp.Compile(expr); err == nil {
		return re, nil
	}
	re, err := regexp2.Compile(expr, regexp2.ECMAScript)
	if err != nil {
		return nil, fmt.Errorf("pattern %q is not an ECMAScript regular expression: %w", expr, err)
	}
	re.MatchTimeout = MatchTimeout
	return ecma{re}, nil
}

type ecma struct{ re *regexp2.Regexp }

// MatchString reports whether s matches; a match that errs (its timeout)
// is no match.
func (e ecma) MatchString(s string) bool {
	ok, err := e.re.MatchString(s)
	return err == nil && ok
}

// String returns the pattern.
func (e ecma) String() string { return e.re.String() }
