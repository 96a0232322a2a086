package main

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// stateFile reads a `serve --fake --state` YAML file into an
// atlastest.State, and reports every problem at once, each with the file
// and the line: unknown keys (with the nearest known one), values of the
// wrong type, keys given twice, and the values atlastest.State.Check
// refuses.
type stateFile struct{ *yamlFile }

// The keys of a state file, per level.
var (
	stateKeys     = []string{"projects", "tokenLifetime", "rateLimit", "envelopeStatusOK"}
	projectKeys   = []string{"id", "windowDefined", "maintenanceScheduled", "deferrals"}
	rateLimitKeys = []string{"limit", "per"}
)

// loadFakeState reads and checks a state file.
func loadFakeState(path string) (atlastest.State, error) {
	root, yf, err := readYAMLFile(path, "state file")
	if err != nil {
		return atlastest.State{}, err
	}
	return stateFile{yf}.read(root)
}

func parseFakeState(name string, data []byte) (atlastest.State, error) {
	root, yf, err := parseYAMLFile(name, "state file", data)
	if err != nil {
		return atlastest.State{}, err
	}
	return stateFile{yf}.read(root)
}

func (sf stateFile) read(root *yaml.Node) (atlastest.State, error) {
	var st atlastest.State
	if root != nil {
		if root.Kind != yaml.MappingNode {
			if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
				return st, nil
			}
			return st, fmt.Errorf("%s:%d: want a mapping with the keys %s", sf.name, root.Line, strings.Join(stateKeys, ", "))
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
						n, _ := sf.integer(v, "rateLimit.limit")
						rl.Limit = int(n)
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
	if err := sf.err(); err != nil {
		return atlastest.State{}, err
	}
	return st, nil
}

func (sf stateFile) projects(n *yaml.Node) []atlastest.Project {
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
				n, _ := sf.integer(v, at+".deferrals")
				p.Deferrals = int(n)
			}
		})
		out = append(out, p)
	}
	return out
}
