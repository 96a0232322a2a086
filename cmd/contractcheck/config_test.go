package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract"
)

// readmeConfig returns the configuration example the README shows (a
// test keeps the two identical).
func readmeConfig(t *testing.T) string {
	t.Helper()
	return string(readRepoFile(t, "contract/testdata/ci/"+configFileName))
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	c, err := parseConfig([]byte(readmeConfig(t)), configFileName)
	require.NoError(t, err, "the README's example parses")
	assert.NotEmpty(t, c.Paths)
	assert.Equal(t, "/atlas-proxy", c.Mount, "normalised")
	assert.Equal(t, contract.ScopeFragment, c.Scope.Mode)
	assert.Equal(t, contract.SeverityError, c.FailOn)
	assert.NotEmpty(t, c.RequireCoverage)
	require.NotEmpty(t, c.Waivers)
	for _, w := range c.Waivers {
		assert.NotEmpty(t, w.Reason)
		assert.Positive(t, w.Line)
	}

	// Paths, the spec file and slash globs are relative to the file's folder.
	c, err = parseConfig([]byte("paths: [recs, /abs/x.har]\nspec: v2.yaml\nno-errata: true\nwaivers:\n  - rule: body-schema\n    file: recs/*.har\n    reason: r\n  - rule: body-schema\n    file: a.har\n    reason: r\n"), filepath.Join("ci", "contractcheck.yaml"))
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join("ci", "recs"), "/abs/x.har"}, c.Paths)
	assert.Equal(t, filepath.Join("ci", "v2.yaml"), c.Spec)
	assert.True(t, c.NoErrata)
	assert.Equal(t, "ci/recs/*.har", c.Waivers[0].File)
	assert.Equal(t, "a.har", c.Waivers[1].File)
	assert.Equal(t, []int{5, 8}, []int{c.Waivers[0].Line, c.Waivers[1].Line})
	c, err = parseConfig([]byte("spec: atlas\n"), filepath.Join("ci", "contractcheck.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "atlas", c.Spec, "a spec name is no path")

	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "paths: [a]\nfail_on: error\n", `contractcheck.yaml:2: unknown key "fail_on"; did you mean "fail-on"?`},
		{"unknown waiver key", "waivers:\n  - rule: body-schema\n    reason: r\n    until: 2026-01-01\n", `contractcheck.yaml:4: unknown key "until"`},
		{"bad severity", "fail-on: fatal\n", "contractcheck.yaml:1: fail-on: unknown threshold"},
		{"bad scope", "scope:\n  mode: api\n", `contractcheck.yaml:2: scope: unknown scope "api"`},
		{"bad coverage", "require-coverage: [200, 99]\n", "contractcheck.yaml:1: require-coverage"},
		{"bad date", "waivers:\n  - rule: body-schema\n    reason: r\n    expires: next year\n", "contractcheck.yaml:4: waivers[0].expires: want a date YYYY-MM-DD"},
		{"no reason", "waivers:\n  - rule: body-schema\n", "contractcheck.yaml:2: waiver: a waiver needs a reason"},
		{"unknown rule", "waivers:\n  - rule: body-shema\n    reason: r\n", `unknown rule "body-shema"`},
		{"twice", "paths: [a]\npaths: [b]\n", "contractcheck.yaml:2: paths is given twice (first on line 1)"},
		{"syntax", "paths: [a\n", "contractcheck.yaml:"},
		{"empty", "\n", "empty"},
		{"no body cap", "max-body-bytes: 0\n", "contractcheck.yaml:1: max-body-bytes: must be positive"},
	} {
		_, err := parseConfig([]byte(tc.yaml), configFileName)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	// Every problem at once.
	_, err = parseConfig([]byte("fail_on: error\nscope:\n  mode: api\nwaivers:\n  - rule: body-schema\n"), configFileName)
	require.Error(t, err)
	assert.Equal(t, 3, strings.Count(err.Error(), "contractcheck.yaml:"), "%v", err)
}

// TestConfigFileIsBounded: a configuration file of 100,000 keys or
// megabytes of waivers is refused before the YAML library decodes it
// (whose pairwise key comparison took 84 s on 100,000 keys).
func TestConfigFileIsBounded(t *testing.T) {
	t.Parallel()
	var keys strings.Builder
	for i := range 100_000 {
		keys.WriteString("k" + string(rune('a'+i%26)) + strings.Repeat("x", i%7) + ": 1\n")
	}
	start := time.Now()
	_, err := parseConfig([]byte(keys.String()[:min(keys.Len(), maxSettingsBytes)]), configFileName)
	assert.ErrorContains(t, err, "the limit for one")
	_, err = parseConfig([]byte(strings.Repeat("#", maxSettingsBytes+1)), configFileName)
	assert.ErrorContains(t, err, "larger than 1 MiB")
	var waivers strings.Builder
	waivers.WriteString("waivers:\n")
	for range maxWaivers + 1 {
		waivers.WriteString("  - {rule: body-schema, reason: r}\n")
	}
	_, err = parseConfig([]byte(waivers.String()), configFileName)
	assert.ErrorContains(t, err, "over the limit of 1000")
	assert.Less(t, time.Since(start), 20*time.Second, "refused early, not after decoding")
}

func TestExpandPaths(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "contract")
	got, err := expandPaths([]string{filepath.Join(dir, "recordings", "defer-e*.yaml"), filepath.Join(dir, "testdata")})
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "recordings", "defer-envelope.yaml"), filepath.Join(dir, "recordings", "defer-errors.yaml"), filepath.Join(dir, "testdata")}, got)
	_, err = expandPaths([]string{filepath.Join(dir, "recordings", "*.har")})
	assert.ErrorContains(t, err, "matches no recording")
}
