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

	"go.yaml.in/yaml/v4"

	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// maxStateFileBytes caps a --state file: a state of the most projects a
// fake holds is well under it.
const maxStateFileBytes = 4 << 20

// stateFile reads a `serve --fake --state` YAML file into an
// atlastest.State, and reports every problem at once, each with the file
// and the line: unknown keys (with the nearest known one), values of the
// wrong type, keys given twice, and the values atlastest.State.Check
// refuses.
type stateFile struct {
	name string
	errs []lineError
	// lines maps a State.Check field path (projects[1].deferrals) to its line.
	lines map[string]int
}

type lineError struct {
	line int
	msg  string
}

// The keys of a state file, per level.
var (
	stateKeys     = []string{"projects", "tokenLifetime", "rateLimit", "envelopeStatusOK"}
	projectKeys   = []string{"id", "windowDefined", "maintenanceScheduled", "deferrals"}
	rateLimitKeys = []string{"limit", "per"}
)

// loadFakeState reads and checks a state file.
func loadFakeState(path string) (atlastest.State, error) {
	f, err := os.Open(path)
	if err != nil {
		return atlastest.State{}, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, maxStateFileBytes+1))
	if err != nil {
		return atlastest.State{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxStateFileBytes {
		return atlastest.State{}, fmt.Errorf("%s: the state file is larger than %d MiB", path, maxStateFileBytes>>20)
	}
	return parseFakeState(path, data)
}

func parseFakeState(name string, data []byte) (atlastest.State, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return atlastest.State{}, fmt.Errorf("%s: %w", name, err)
	}
	sf := &stateFile{name: name, lines: map[string]int{}}
	var st atlastest.State
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
				return st, nil
			}
			return st, fmt.Errorf("%s:%d: want a mapping with the keys %s", name, root.Line, strings.Join(stateKeys, ", "))
		}
		sf.mapping(root, "", stateKeys, func(key string, v *yaml.Node) {
			switch key {
			case "projects":
				st.Projects = sf.projects(v)
			case "tokenLifetime":
				if d, ok := sf.duration(v, key); ok {
					st.TokenLifetime = d
					if d == 0 {
						sf.add(v.Line, "tokenLifetime: 0s; want a positive duration such as 1h (leave the key out for Atlas's 1h)")
					}
				}
			case "rateLimit":
				rl := &atlastest.RateLimit{}
				if sf.mapping(v, key+".", rateLimitKeys, func(k string, v *yaml.Node) {
					switch k {
					case "limit":
						rl.Limit, _ = sf.integer(v, "rateLimit.limit")
					case "per":
						rl.Per, _ = sf.duration(v, "rateLimit.per")
					}
				}) {
					st.RateLimit = rl
				}
			case "envelopeStatusOK":
				st.EnvelopeStatusOK, _ = sf.boolean(v, key)
			}
		})
	}
	if err := st.Check(); err != nil {
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			var fe *atlastest.FieldError
			if errors.As(e, &fe) {
				sf.add(sf.lineOf(fe.Field), "%s", fe.Error())
			} else {
				sf.add(0, "%s", e.Error())
			}
		}
	}
	if len(sf.errs) > 0 {
		slices.SortStableFunc(sf.errs, func(a, b lineError) int { return a.line - b.line })
		errs := make([]error, len(sf.errs))
		for i, e := range sf.errs {
			if e.line > 0 {
				errs[i] = fmt.Errorf("%s:%d: %s", name, e.line, e.msg)
			} else {
				errs[i] = fmt.Errorf("%s: %s", name, e.msg)
			}
		}
		return atlastest.State{}, errors.Join(errs...)
	}
	return st, nil
}

func (sf *stateFile) add(line int, format string, args ...any) {
	sf.errs = append(sf.errs, lineError{line, fmt.Sprintf(format, args...)})
}

// lineOf finds the line of a field path, or of its nearest parent.
func (sf *stateFile) lineOf(field string) int {
	for f := field; f != ""; {
		if l, ok := sf.lines[f]; ok {
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
func (sf *stateFile) mapping(n *yaml.Node, path string, known []string, each func(key string, v *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		sf.add(n.Line, "%s: want a mapping with the keys %s", strings.TrimSuffix(path, "."), strings.Join(known, ", "))
		return false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch first, dup := seen[k.Value]; {
		case !slices.Contains(known, k.Value):
			msg := fmt.Sprintf("unknown key %s", strconv.Quote(capText(k.Value)))
			if s := nearest(k.Value, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += "; want " + strings.Join(known, ", ")
			}
			sf.add(k.Line, "%s", msg)
		case dup:
			sf.add(k.Line, "%s%s is given twice (first on line %d)", path, k.Value, first)
		default:
			seen[k.Value] = k.Line
			sf.lines[path+k.Value] = k.Line
			each(k.Value, v)
		}
	}
	return true
}

func (sf *stateFile) projects(n *yaml.Node) []atlastest.Project {
	if n.Kind != yaml.SequenceNode {
		if n.Tag == "!!null" {
			return nil
		}
		sf.add(n.Line, "projects: want a list of projects, each with id, windowDefined, maintenanceScheduled and deferrals")
		return nil
	}
	out := make([]atlastest.Project, 0, len(n.Content))
	for i, item := range n.Content {
		at := fmt.Sprintf("projects[%d]", i)
		sf.lines[at] = item.Line
		var p atlastest.Project
		sf.mapping(item, at+".", projectKeys, func(key string, v *yaml.Node) {
			switch key {
			case "id":
				if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
					sf.add(v.Line, "%s.id: want a project id such as 32b6e34b3d91647abb20e7b8", at)
					return
				}
				p.ID = v.Value
			case "windowDefined":
				p.WindowDefined, _ = sf.boolean(v, at+".windowDefined")
			case "maintenanceScheduled":
				p.Scheduled, _ = sf.boolean(v, at+".maintenanceScheduled")
			case "deferrals":
				p.Deferrals, _ = sf.integer(v, at+".deferrals")
			}
		})
		out = append(out, p)
	}
	return out
}

func (sf *stateFile) boolean(n *yaml.Node, field string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		b, err := strconv.ParseBool(n.Value)
		if err == nil {
			return b, true
		}
	}
	sf.add(n.Line, "%s: want true or false", field)
	return false, false
}

func (sf *stateFile) integer(n *yaml.Node, field string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if i, err := strconv.Atoi(n.Value); err == nil {
			return i, true
		}
	}
	sf.add(n.Line, "%s: want a whole number", field)
	return 0, false
}

func (sf *stateFile) duration(n *yaml.Node, field string) (time.Duration, bool) {
	if n.Kind == yaml.ScalarNode {
		if d, err := time.ParseDuration(n.Value); err == nil {
			return d, true
		}
	}
	sf.add(n.Line, "%s: want a duration such as 1h or 60s", field)
	return 0, false
}

// nearest is the known key closest to s, within two edits (one for short
// keys), or "".
func nearest(s string, known []string) string {
	maxD := 2
	if len(s) <= 3 {
		maxD = 1
	}
	best, bestD := "", maxD+1
	for _, k := range known {
		if d := levenshtein(strings.ToLower(s), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64 // too far apart to suggest anything, and bounded work
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// capText cuts a key from the file to a length fit for an error line.
func capText(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
