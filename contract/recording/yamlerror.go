package recording

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// yaml.v4 messages that quote a value of the file. A value may be a secret
// (an Authorization header written as a scalar, a token in a mistyped
// field), so these are rewritten to name the value's kind and position only,
// as the HAR reader does.
var (
	// "cannot construct !!str `s3cretv...` into int64" (a value that does not
	// fit the Go type; yaml.v4 keeps its first 7 bytes) and "cannot construct
	// !!str `s3cretvalue` as a !!int" (an explicit tag that does not fit; the
	// whole value). The value may itself hold backticks: the last "` into "
	// or "` as a " ends it, since a Go type or a tag holds none.
	yamlConstructValue = regexp.MustCompile("(?s)^cannot construct (\\S+) `(.*)` (into|as a) ([^`]*)$")
	// "cannot use 'map[string]interface {}{...}' as a map key; ...".
	yamlMapKeyValue = regexp.MustCompile(`(?s)^cannot use '.*' as a map key`)
	// "unknown anchor 'name' referenced": an unquoted value that starts with
	// "*" (a password, say) is read as an alias, so the name may be a value.
	yamlUnknownAnchor = regexp.MustCompile(`(?s)^unknown anchor '.*' referenced$`)
	// "anchor 'name' value contains itself".
	yamlSelfAnchor = regexp.MustCompile(`(?s)^anchor '.*' value contains itself$`)
)

// yamlError turns a yaml.v4 error into an *Error that keeps the parser's line
// and what is wrong, but no value of the file: a value yaml.v4 quotes is
// replaced by its kind and position (see safeYAMLMessage), and the yaml error
// itself is not kept as Err, because its text still holds the value. node,
// when not nil, is the part of the file the error is about: it is searched
// for the position of a value the error names without one.
func yamlError(name string, index, line int, prefix string, node *yaml.Node, err error) *Error {
	e := &Error{File: name, Line: line, Index: index}
	var les *yaml.LoadErrors
	var le *yaml.LoadError
	var msg, context string
	var mark yaml.Mark
	more := 0
	switch {
	case errors.As(err, &les) && len(les.Errors) > 0:
		first := les.Errors[0]
		msg, mark, more = first.Message, first.Mark, len(les.Errors)-1
	case errors.As(err, &le):
		msg, mark, context = le.Message, le.Mark, le.ContextMsg
	default:
		msg = strings.TrimPrefix(err.Error(), "yaml: ")
	}
	msg, mark = safeYAMLMessage(msg, mark, node)
	if strings.Contains(msg, "no documents in stream") {
		msg = "the file holds no YAML document"
	}
	e.Msg = prefix + msg
	if context != "" {
		e.Msg += " (" + context + ")"
	}
	if more > 0 {
		e.Msg += fmt.Sprintf(" (and %d more problems)", more)
	}
	if mark.Line > 0 {
		e.Line = mark.Line
	}
	return e
}

// safeYAMLMessage rewrites a yaml.v4 message so that it holds no value of
// the file, and returns the position of the value when it can tell it. A
// value that yaml.v4 quotes without a position (an explicit tag that does not
// fit) is looked up in node. Messages it does not know are cut at the first
// backtick, which yaml.v4 uses only to quote values.
func safeYAMLMessage(msg string, mark yaml.Mark, node *yaml.Node) (string, yaml.Mark) {
	switch m := yamlConstructValue.FindStringSubmatch(msg); {
	case m != nil:
		tag, value, how, target := m[1], m[2], m[3], m[4]
		if mark.Line == 0 && how == "as a" {
			if n := findScalar(node, value, target, 0); n != nil {
				mark = yaml.Mark{Line: n.Line, Column: n.Column}
			}
		}
		msg = "cannot construct a " + tag + " value" + columnText(mark) + " " + how + " " + target
	case yamlMapKeyValue.MatchString(msg):
		msg = "cannot use a mapping or a sequence" + columnText(mark) + " as a map key"
	case yamlUnknownAnchor.MatchString(msg):
		msg = "unknown anchor referenced" + columnText(mark) + ": an unquoted value that starts with * is an alias; quote the value"
	case yamlSelfAnchor.MatchString(msg):
		msg = "an anchor's value contains itself" + columnText(mark)
	default:
		if i := strings.IndexByte(msg, '`'); i >= 0 {
			msg = strings.TrimSpace(msg[:i]) + " (value not shown)" + columnText(mark)
		}
	}
	return msg, mark
}

// columnText returns " (column N)" for a known column, or "".
func columnText(mark yaml.Mark) string {
	if mark.Line == 0 || mark.Column == 0 {
		return ""
	}
	return " (column " + strconv.Itoa(mark.Column) + ")"
}

// findScalar returns the first scalar under n, in file order, with the given
// value and tag, or nil. Aliases are not followed: their target is visited
// where it stands.
func findScalar(n *yaml.Node, value, tag string, depth int) *yaml.Node {
	if n == nil || depth > 10000 {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Value == value && n.Tag == tag {
		return n
	}
	for _, c := range n.Content {
		if found := findScalar(c, value, tag, depth+1); found != nil {
			return found
		}
	}
	return nil
}
