package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v4"

	"github.com/atlascontract/deferwindow/internal/safetext"
	"github.com/atlascontract/deferwindow/internal/yamlbound"
)

// The bounds of a settings file (contractcheck.yaml, a --state file): far
// above what a real one holds (a thousand waivers), far below what would
// take the YAML library seconds or gigabytes.
const (
	maxSettingsBytes = 1 << 20
	maxSettingsNodes = 50_000
)

var settingsShape = yamlbound.Shape{MaxKeys: 1000, MaxDepth: 20}

// yamlFile reads a settings file by walking its nodes, and reports every
// problem at once, each with the file and the line: unknown keys (with the
// nearest known one), keys given twice, values of the wrong type.
type yamlFile struct {
	name string
	errs []lineError
	// lines maps a field path (projects[1].deferrals) to its line.
	lines map[string]int
}

type lineError struct {
	line int // 0: no line; -1: msg names its file and line itself
	msg  string
}

// readYAMLFile reads and parses a settings file within the bounds, and
// returns its root node (nil for an empty file).
func readYAMLFile(path, what string) (*yaml.Node, *yamlFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = f.Close() }() // opened for reading
	data, err := io.ReadAll(io.LimitReader(f, maxSettingsBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return parseYAMLFile(path, what, data)
}

func parseYAMLFile(name, what string, data []byte) (*yaml.Node, *yamlFile, error) {
	if len(data) > maxSettingsBytes {
		return nil, nil, fmt.Errorf("%s: the %s is larger than %d MiB, the limit for one", name, what, maxSettingsBytes>>20)
	}
	switch b := yamlbound.Count(data, maxSettingsNodes, maxSettingsBytes); {
	case b.NodesLine > 0:
		return nil, nil, fmt.Errorf("%s:%d: the %s holds more than %d YAML keys and values by this line, the limit for one", name, b.NodesLine, what, maxSettingsNodes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, yamlSyntaxError(name, err)
	}
	if n, msg := settingsShape.Check(&doc); n != nil {
		return nil, nil, fmt.Errorf("%s:%d: %s, the limit for a %s", name, n.Line, msg, what)
	}
	yf := &yamlFile{name: name, lines: map[string]int{}}
	if len(doc.Content) == 0 {
		return nil, yf, nil
	}
	return doc.Content[0], yf, nil
}

// yamlSyntaxError writes the YAML library's errors as file:line: message.
func yamlSyntaxError(file string, err error) error {
	var le *yaml.LoadErrors
	if errors.As(err, &le) {
		var errs []error
		for _, e := range le.Errors {
			msg := e.Message
			if msg == "" {
				if inner := e.Unwrap(); inner != nil {
					msg = inner.Error()
				}
			}
			errs = append(errs, fmt.Errorf("%s:%d: %s", file, e.Mark.Line, msg))
		}
		return errors.Join(errs...)
	}
	var single *yaml.LoadError
	if errors.As(err, &single) {
		return fmt.Errorf("%s:%d: %s", file, single.Mark.Line, single.Message)
	}
	return fmt.Errorf("%s: %w", file, err)
}

func (yf *yamlFile) add(line int, format string, args ...any) {
	yf.errs = append(yf.errs, lineError{line, fmt.Sprintf(format, args...)})
}

// err returns every problem, in file order, or nil.
func (yf *yamlFile) err() error {
	if len(yf.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(yf.errs, func(a, b lineError) int { return a.line - b.line })
	errs := make([]error, len(yf.errs))
	for i, e := range yf.errs {
		switch {
		case e.line < 0:
			errs[i] = errors.New(e.msg)
		case e.line > 0:
			errs[i] = fmt.Errorf("%s:%d: %s", yf.name, e.line, e.msg)
		default:
			errs[i] = fmt.Errorf("%s: %s", yf.name, e.msg)
		}
	}
	return errors.Join(errs...)
}

// lineOf finds the line of a field path, or of its nearest parent.
func (yf *yamlFile) lineOf(field string) int {
	for f := field; f != ""; {
		if l, ok := yf.lines[f]; ok {
			return l
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return 0
}

// mapping walks a mapping node's keys, refusing unknown and repeated ones;
// it reports whether n is a mapping.
func (yf *yamlFile) mapping(n *yaml.Node, path string, known []string, each func(key string, v *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		yf.add(n.Line, "%s: want a mapping with the keys %s", strings.TrimSuffix(path, "."), strings.Join(known, ", "))
		return false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch first, dup := seen[k.Value]; {
		case !slices.Contains(known, k.Value):
			msg := fmt.Sprintf("unknown key %s", strconv.Quote(capText(k.Value)))
			if s := suggest(k.Value, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += "; want " + strings.Join(known, ", ")
			}
			yf.add(k.Line, "%s", msg)
		case dup:
			yf.add(k.Line, "%s%s is given twice (first on line %d)", path, k.Value, first)
		default:
			seen[k.Value] = k.Line
			yf.lines[path+k.Value] = k.Line
			each(k.Value, v)
		}
	}
	return true
}

func (yf *yamlFile) boolean(n *yaml.Node, field string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b, true
		}
	}
	yf.add(n.Line, "%s: want true or false", field)
	return false, false
}

func (yf *yamlFile) integer(n *yaml.Node, field string) (int64, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i, true
		}
	}
	yf.add(n.Line, "%s: want a whole number", field)
	return 0, false
}

func (yf *yamlFile) duration(n *yaml.Node, field string) (time.Duration, bool) {
	if n.Kind == yaml.ScalarNode {
		if d, err := time.ParseDuration(n.Value); err == nil {
			return d, true
		}
	}
	yf.add(n.Line, "%s: want a duration such as 1h or 60s", field)
	return 0, false
}

// str reads a string; a number or a boolean written bare is taken as its
// text, the way a YAML user means it.
func (yf *yamlFile) str(n *yaml.Node, field string) (string, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return n.Value, true
	}
	yf.add(n.Line, "%s: want a string", field)
	return "", false
}

// strs reads a list of strings, or one string as a list of one.
func (yf *yamlFile) strs(n *yaml.Node, field string) ([]string, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}, true
	}
	if n.Kind != yaml.SequenceNode {
		yf.add(n.Line, "%s: want a list of strings", field)
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for i, item := range n.Content {
		s, good := yf.str(item, fmt.Sprintf("%s[%d]", field, i))
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// suggest returns the candidate a mistyped name most likely meant: one a
// short edit away, or one it starts, by cobra's own measure (as for
// commands), or "".
func suggest(name string, candidates []string) string {
	if len(name) < 2 {
		return ""
	}
	probe := &cobra.Command{SuggestionsMinimumDistance: 2}
	for _, c := range candidates {
		// Only runnable commands are candidates.
		probe.AddCommand(&cobra.Command{Use: c, Run: func(*cobra.Command, []string) {}})
	}
	if s := probe.SuggestionsFor(name); len(s) > 0 {
		return s[0]
	}
	return ""
}

// capText cuts a key from a file to a length fit for an error line, its
// control characters escaped.
func capText(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return safetext.EscapeControl(s)
}
