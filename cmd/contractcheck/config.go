package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/atlascontract/deferwindow/contract"
)

// configFileName is the configuration file contractcheck looks for in the
// working directory.
const configFileName = "contractcheck.yaml"

// Config is a contractcheck.yaml: what to judge, how, and which findings
// are accepted. Paths and waiver file globs in the file are relative to the
// file's folder; Config holds them resolved.
type Config struct {
	// File is the path the configuration was read from.
	File string
	// Paths are the recording files, folders or globs to judge.
	Paths []string
	// Mount is the proxy mount point, normalised.
	Mount string
	// Scope limits the run (see Scope).
	Scope contract.Scope
	// FailOn is the lowest severity that fails the run; 0 when unset.
	FailOn contract.Severity
	// RequireCoverage requires every declared status in every mode;
	// RequiredCoverage requires only the cells listed.
	RequireCoverage  bool
	RequiredCoverage []contract.CoverageCell
	// MaxBodyBytes caps bodies; 0 when unset.
	MaxBodyBytes int64
	// Offline judges the recorded responses as they are.
	Offline bool
	// Waivers accept findings.
	Waivers []contract.Waiver
}

// configFile is the file's schema; unknown keys are errors.
type configFile struct {
	Paths           []string     `yaml:"paths"`
	Mount           string       `yaml:"mount"`
	Scope           *configScope `yaml:"scope"`
	FailOn          string       `yaml:"fail-on"`
	RequireCoverage yaml.Node    `yaml:"require-coverage"`
	MaxBodyBytes    int64        `yaml:"max-body-bytes"`
	Offline         bool         `yaml:"offline"`
	Waivers         []struct {
		Rule        string `yaml:"rule"`
		File        string `yaml:"file"`
		Interaction *int   `yaml:"interaction"`
		Pointer     string `yaml:"pointer"`
		Reason      string `yaml:"reason"`
		Expires     string `yaml:"expires"`
	} `yaml:"waivers"`
}

type configScope struct {
	Mode  string   `yaml:"mode"`
	Hosts []string `yaml:"hosts"`
}

// loadConfig reads and checks a configuration file.
func loadConfig(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parseConfig(data, file)
}

// findConfig returns the path of configFileName in dir, or "" when there is
// none.
func findConfig(dir string) (string, error) {
	p := filepath.Join(dir, configFileName)
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("config: %w", err)
	case fi.IsDir():
		return "", fmt.Errorf("config: %s is a folder", p)
	}
	return p, nil
}

var unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)

// parseConfig parses a configuration file's content; file names it in
// errors and is the base of its relative paths.
func parseConfig(data []byte, file string) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, configError(file, err)
	}
	var raw configFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, fmt.Errorf("%s: the configuration file is empty", file)
		}
		return nil, configError(file, err)
	}
	dir := filepath.Dir(file)
	c := &Config{File: file, MaxBodyBytes: raw.MaxBodyBytes, Offline: raw.Offline}
	var errs []error
	bad := func(key string, err error) {
		errs = append(errs, fmt.Errorf("%s:%d: %s: %w", file, keyLine(&root, key), key, err))
	}
	for _, p := range raw.Paths {
		if p == "" {
			bad("paths", errors.New("an empty path"))
			continue
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		c.Paths = append(c.Paths, p)
	}
	var err error
	if c.Mount, err = contract.NormalizeMount(raw.Mount); err != nil {
		bad("mount", err)
	}
	if raw.Scope != nil {
		if c.Scope.Mode, err = contract.ParseScopeMode(raw.Scope.Mode); err != nil {
			bad("scope", err)
		}
		c.Scope.Hosts = raw.Scope.Hosts
	}
	if raw.FailOn != "" {
		if c.FailOn, err = contract.ParseFailOn(raw.FailOn); err != nil {
			bad("fail-on", err)
		}
	}
	if raw.MaxBodyBytes < 0 {
		bad("max-body-bytes", errors.New("must be positive"))
	}
	if c.RequireCoverage, c.RequiredCoverage, err = coverageRequirement(&raw.RequireCoverage); err != nil {
		bad("require-coverage", err)
	}
	items := mapKey(&root, "waivers")
	for i, rw := range raw.Waivers {
		w := contract.Waiver{Rule: contract.Rule(rw.Rule), Interaction: rw.Interaction, Pointer: rw.Pointer, Reason: rw.Reason, Source: file}
		if items != nil && i < len(items.Content) {
			w.Line = items.Content[i].Line
		}
		w.File = rw.File
		if w.File != "" && strings.Contains(filepath.ToSlash(w.File), "/") && !path.IsAbs(filepath.ToSlash(w.File)) && dir != "." {
			w.File = path.Join(filepath.ToSlash(dir), filepath.ToSlash(w.File))
		}
		if rw.Expires != "" {
			t, err := time.Parse(time.DateOnly, rw.Expires)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: waiver: expires %q: want a date YYYY-MM-DD", file, w.Line, rw.Expires))
			}
			w.Expires = t
		}
		c.Waivers = append(c.Waivers, w)
	}
	// Rule, reason, pointer and glob are checked as Run will compile them.
	if err := contract.CheckWaivers(c.Waivers); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// coverageRequirement reads require-coverage: true or "all" (every cell),
// false (none), or a list or comma-separated string of cells.
func coverageRequirement(n *yaml.Node) (all bool, cells []contract.CoverageCell, err error) {
	switch n.Kind {
	case 0:
		return false, nil, nil
	case yaml.ScalarNode:
		if b, err := strconv.ParseBool(n.Value); err == nil && n.Tag == "!!bool" {
			return b, nil, nil
		}
		if n.Value == "all" {
			return true, nil, nil
		}
		cells, err = contract.ParseCoverageCells(n.Value)
		return false, cells, err
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return false, nil, fmt.Errorf("line %d: want a status such as 429 or 429:envelope", item.Line)
			}
			c, err := contract.ParseCoverageCell(item.Value)
			if err != nil {
				return false, nil, err
			}
			cells = append(cells, c)
		}
		return false, cells, nil
	}
	return false, nil, errors.New("want true, all, or a list of statuses such as [200, 400, 429]")
}

// configError rewrites the YAML library's errors as file:line: message.
func configError(file string, err error) error {
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
			if m := unknownField.FindStringSubmatch(msg); m != nil {
				msg = fmt.Sprintf("unknown key %q; the keys are paths, mount, scope (mode, hosts), fail-on, require-coverage, max-body-bytes, offline, waivers (rule, file, interaction, pointer, reason, expires)", m[1])
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

// mapKey returns the value node of a top-level key.
func mapKey(root *yaml.Node, key string) *yaml.Node {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func keyLine(root *yaml.Node, key string) int {
	if n := mapKey(root, key); n != nil {
		return n.Line
	}
	return 0
}

// options returns Run's options for the configuration.
func (c *Config) options() contract.Options {
	opts := contract.Options{
		Paths:        c.Paths,
		Source:       contract.Source{Offline: c.Offline},
		Mount:        c.Mount,
		MaxBodyBytes: c.MaxBodyBytes,
		Scope:        c.Scope,
		Waivers:      c.Waivers,
		Config:       c.File,
		FailOn:       c.FailOn,
	}
	if c.RequireCoverage {
		opts.RequireCoverage = []contract.CoverageCell{contract.RequireAll}
	} else {
		opts.RequireCoverage = c.RequiredCoverage
	}
	return opts
}

// expandPaths expands the glob patterns among paths (a path that exists is
// kept as it is, even with glob characters in its name). A pattern that
// matches nothing is an error: a list of recordings that came out empty must
// never pass as a run that judged nothing.
func expandPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		if !strings.ContainsAny(p, "*?[") {
			out = append(out, p)
			continue
		}
		if _, err := os.Lstat(p); err == nil {
			out = append(out, p)
			continue
		}
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s matches no recording file or folder", p)
		}
		out = append(out, matches...)
	}
	return out, nil
}
