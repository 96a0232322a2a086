package atlastest

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// State is the seed of a fake read from a YAML file (`contractcheck serve
// --fake --state FILE`):
//
//	projects:
//	  - id: 32b6e34b3d91647abb20e7b8
//	    windowDefined: true
//	    maintenanceScheduled: true
//	    deferrals: 0
//	tokenLifetime: 1h        # optional, default 1h
//	rateLimit:               # optional: a token bucket per credential
//	  limit: 10
//	  per: 60s
//
// Credentials never come from the file: they come from the environment.
type State struct {
	Projects      []Project     `yaml:"projects"`
	TokenLifetime time.Duration `yaml:"tokenLifetime"`
	RateLimit     *RateLimit    `yaml:"rateLimit"`
}

// LoadState reads a State file. Unknown keys, a malformed project id or an
// impossible deferral count are errors naming the file and the line.
func LoadState(path string) (State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return State{}, err
	}
	return parseState(path, data)
}

func parseState(name string, data []byte) (State, error) {
	var st State
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&st); err != nil {
		return State{}, fmt.Errorf("%s: %w", name, err)
	}
	_ = yaml.Unmarshal(data, &doc)
	for i, p := range st.Projects {
		line := projectLine(&doc, i)
		if err := validateProject(p); err != nil {
			return State{}, fmt.Errorf("%s:%d: projects[%d]: %w", name, line, i, err)
		}
	}
	if rl := st.RateLimit; rl != nil && (rl.Limit <= 0 || rl.Per <= 0) {
		return State{}, fmt.Errorf("%s: rateLimit needs a positive limit and a period such as 60s", name)
	}
	return st, nil
}

// projectLine finds the line of projects[i] in a parsed document.
func projectLine(doc *yaml.Node, i int) int {
	if len(doc.Content) == 0 {
		return 0
	}
	m := doc.Content[0]
	for k := 0; k+1 < len(m.Content); k += 2 {
		if m.Content[k].Value == "projects" && i < len(m.Content[k+1].Content) {
			return m.Content[k+1].Content[i].Line
		}
	}
	return 0
}
