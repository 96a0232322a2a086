package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
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
	// Spec is what to judge against: "defer", "atlas" or a file of the
	// published spec, resolved; "" when unset. SpecLine is its line.
	Spec     string
	SpecLine int
	// NoErrata judges a published spec as MongoDB wrote it.
	NoErrata bool
	// Mount is the proxy mount point, normalised.
	Mount string
	// Scope limits the run (see Scope).
	Scope contract.Scope
	// FailOn is the lowest severity that fails the run; 0 when unset.
	FailOn contract.Severity
	// RequireCoverage lists the required coverage cells.
	RequireCoverage []contract.CoverageCell
	// MaxBodyBytes caps bodies; 0 when unset.
	MaxBodyBytes int64
	// Offline judges the recorded responses as they are.
	Offline bool
	// Waivers accept findings.
	Waivers []contract.Waiver
}

// maxWaivers bounds the waivers of a configuration file.
const maxWaivers = 1000

// The keys of a configuration file, per level.
var (
	configKeys = []string{"paths", "spec", "no-errata", "mount", "scope", "fail-on", "require-coverage", "max-body-bytes", "offline", "waivers"}
	scopeKeys  = []string{"mode", "hosts"}
	waiverKeys = []string{"rule", "file", "interaction", "pointer", "reason", "expires"}
)

// loadConfig reads and checks a configuration file.
func loadConfig(file string) (*Config, error) {
	root, yf, err := readYAMLFile(file, "configuration file")
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return readConfig(root, yf)
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

// parseConfig parses a configuration file's content; file names it in
// errors and is the base of its relative paths.
func parseConfig(data []byte, file string) (*Config, error) {
	root, yf, err := parseYAMLFile(file, "configuration file", data)
	if err != nil {
		return nil, err
	}
	return readConfig(root, yf)
}

// readConfig reads a parsed configuration file, and reports every problem
// at once.
func readConfig(root *yaml.Node, yf *yamlFile) (*Config, error) {
	file := yf.name
	if root == nil || (root.Kind == yaml.ScalarNode && root.Tag == "!!null") {
		return nil, fmt.Errorf("%s: the configuration file is empty", file)
	}
	dir := filepath.Dir(file)
	c := &Config{File: file}
	relative := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	bad := func(n *yaml.Node, key string, err error) { yf.add(n.Line, "%s: %s", key, err) }
	yf.mapping(root, "", configKeys, func(key string, v *yaml.Node) {
		var err error
		switch key {
		case "paths":
			paths, _ := yf.strs(v, key)
			for _, p := range paths {
				if p == "" {
					bad(v, key, errors.New("an empty path"))
					continue
				}
				c.Paths = append(c.Paths, relative(p))
			}
		case "spec":
			if c.Spec, _ = yf.str(v, key); c.Spec != "defer" && c.Spec != "atlas" && c.Spec != "" {
				c.Spec = relative(c.Spec)
			}
			c.SpecLine = v.Line
		case "no-errata":
			c.NoErrata, _ = yf.boolean(v, key)
		case "mount":
			m, _ := yf.str(v, key)
			if c.Mount, err = contract.NormalizeMount(m); err != nil {
				bad(v, key, err)
			}
		case "scope":
			yf.mapping(v, "scope.", scopeKeys, func(k string, v *yaml.Node) {
				switch k {
				case "mode":
					m, _ := yf.str(v, "scope.mode")
					if c.Scope.Mode, err = contract.ParseScopeMode(m); err != nil {
						bad(v, "scope", err)
					}
				case "hosts":
					c.Scope.Hosts, _ = yf.strs(v, "scope.hosts")
				}
			})
		case "fail-on":
			f, _ := yf.str(v, key)
			if c.FailOn, err = contract.ParseFailOn(f); err != nil {
				bad(v, key, err)
			}
		case "require-coverage":
			if c.RequireCoverage, err = coverageRequirement(v); err != nil {
				bad(v, key, err)
			}
		case "max-body-bytes":
			if c.MaxBodyBytes, _ = yf.integer(v, key); c.MaxBodyBytes <= 0 {
				bad(v, key, errors.New("must be positive"))
			}
		case "offline":
			c.Offline, _ = yf.boolean(v, key)
		case "waivers":
			c.Waivers = readWaivers(yf, v, dir)
		}
	})
	// Rule, reason, pointer and glob are checked as Run will compile them.
	if err := contract.CheckWaivers(c.Waivers); err != nil {
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			yf.add(-1, "%s", e) // it names the file and the waiver's line
		}
	}
	if err := yf.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// readWaivers reads the waivers list.
func readWaivers(yf *yamlFile, n *yaml.Node, dir string) []contract.Waiver {
	if n.Kind != yaml.SequenceNode {
		yf.add(n.Line, "waivers: want a list of waivers, each with rule, file, reason and optionally interaction, pointer and expires")
		return nil
	}
	if len(n.Content) > maxWaivers {
		yf.add(n.Line, "waivers: %d waivers, over the limit of %d", len(n.Content), maxWaivers)
		return nil
	}
	var out []contract.Waiver
	for i, item := range n.Content {
		at := fmt.Sprintf("waivers[%d].", i)
		w := contract.Waiver{Source: yf.name, Line: item.Line}
		yf.mapping(item, at, waiverKeys, func(key string, v *yaml.Node) {
			switch key {
			case "rule":
				r, _ := yf.str(v, at+key)
				w.Rule = contract.Rule(r)
			case "file":
				w.File, _ = yf.str(v, at+key)
				if w.File != "" && strings.Contains(filepath.ToSlash(w.File), "/") && !path.IsAbs(filepath.ToSlash(w.File)) && dir != "." {
					w.File = path.Join(filepath.ToSlash(dir), filepath.ToSlash(w.File))
				}
			case "interaction":
				if n, ok := yf.integer(v, at+key); ok {
					idx := int(n)
					w.Interaction = &idx
				}
			case "pointer":
				w.Pointer, _ = yf.str(v, at+key)
			case "reason":
				w.Reason, _ = yf.str(v, at+key)
			case "expires":
				day, _ := yf.str(v, at+key)
				t, err := time.Parse(time.DateOnly, day)
				if err != nil {
					yf.add(v.Line, "%sexpires: want a date YYYY-MM-DD", at)
					return
				}
				w.Expires = &t
			}
		})
		out = append(out, w)
	}
	return out
}

// coverageRequirement reads require-coverage: true or "all" (every status
// in both modes), false (none), or a list or comma-separated string of
// cells.
func coverageRequirement(n *yaml.Node) ([]contract.CoverageCell, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if b, err := strconv.ParseBool(n.Value); err == nil && n.Tag == "!!bool" {
			if b {
				return []contract.CoverageCell{contract.RequireAll}, nil
			}
			return nil, nil
		}
		if n.Value == "all" {
			return []contract.CoverageCell{contract.RequireAll}, nil
		}
		return contract.ParseCoverageCells(n.Value)
	case yaml.SequenceNode:
		var cells []contract.CoverageCell
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: want a status such as 429 or 429:envelope", item.Line)
			}
			c, err := contract.ParseCoverageCell(item.Value)
			if err != nil {
				return nil, err
			}
			cells = append(cells, c)
		}
		return cells, nil
	}
	return nil, errors.New("want true, all, or a list of statuses such as [200, 400, 429]")
}

// options returns Run's options for the configuration.
func (c *Config) options() contract.Options {
	return contract.Options{
		Paths:           c.Paths,
		Source:          contract.Source{Offline: c.Offline},
		Mount:           c.Mount,
		MaxBodyBytes:    c.MaxBodyBytes,
		Scope:           c.Scope,
		Waivers:         c.Waivers,
		Config:          c.File,
		FailOn:          c.FailOn,
		RequireCoverage: c.RequireCoverage,
	}
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
