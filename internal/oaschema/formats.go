package oaschema

import (
	"math"
	"regexp"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/internal/ecmaregexp"
)

// The formats kin-openapi v0.153.0 validates by default, with its rules:
// byte, date and date-time for strings (its regular expressions, and a
// day that exists in its month), int32 and int64 for integers.
var (
	reByte     = regexp.MustCompile(openapi3.FormatOfStringByte)
	reDate     = regexp.MustCompile(openapi3.FormatOfStringDate)
	reDateTime = regexp.MustCompile(openapi3.FormatOfStringDateTime)
)

// formats checks a value of the format its name says; a value of another
// JSON type passes.
var formats = map[string]func(any) bool{
	"byte":      stringFormat(reByte, false),
	"date":      stringFormat(reDate, true),
	"date-time": stringFormat(reDateTime, true),
	"int32":     integerFormat(math.MinInt32, math.MaxInt32),
	"int64":     integerFormat(math.MinInt64, math.MaxInt64),
}

func stringFormat(re *regexp.Regexp, date bool) func(any) bool {
	return func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return true
		}
		if !re.MatchString(s) {
			return false
		}
		if date {
			if _, err := time.Parse(time.DateOnly, s[:len(time.DateOnly)]); err != nil {
				return false
			}
		}
		return true
	}
}

// integerFormat checks the range as kin-openapi does: the float64 is
// converted to an int64 first, so 2^63 counts as math.MaxInt64.
func integerFormat(lo, hi int64) func(any) bool {
	return func(v any) bool {
		f, ok := number(v)
		if !ok {
			return true
		}
		var i int64
		switch {
		case f == float64(math.MaxInt64):
			i = math.MaxInt64
		case f >= float64(math.MinInt64) && f < float64(math.MaxInt64):
			i = int64(f)
		default:
			return false
		}
		return lo <= i && i <= hi
	}
}

// patterns compiles ECMAScript patterns, once per distinct pattern. It is
// used only while compiling, under Schemas.mu.
type patterns map[string]ecmaregexp.Matcher

func (p patterns) compile(expr string) (ecmaregexp.Matcher, error) {
	if m, ok := p[expr]; ok {
		return m, nil
	}
	m, err := ecmaregexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	p[expr] = m
	return m, nil
}
