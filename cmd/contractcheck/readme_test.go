package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v4"
)

// TestREADMEFilesAreTheTestedOnes keeps the README's YAML honest: each block
// marked with a file is that file byte for byte, and the files parse (the
// configuration example is parsed and checked by contract's tests, the
// GitHub workflow is linted by `make lint-ci-examples`).
func TestREADMEFilesAreTheTestedOnes(t *testing.T) {
	t.Parallel()
	readme := readREADME(t)
	blocks := regexp.MustCompile("(?s)<!-- file: (\\S+) -->\n```yaml\n(.*?)```").FindAllStringSubmatch(readme, -1)
	files := map[string]bool{}
	for _, b := range blocks {
		files[b[1]] = true
	}
	assert.Equal(t, map[string]bool{"contract/testdata/ci/contractcheck.yaml": true, "contract/testdata/ci/github-workflow.yml": true,
		"contract/testdata/ci/gitlab-ci.yml": true}, files, "the configuration, the GitHub workflow and the GitLab job")
	for _, b := range blocks {
		file, text := b[1], b[2]
		data, err := os.ReadFile(filepath.Join("..", "..", file))
		require.NoError(t, err)
		assert.Equal(t, string(data), text, "the README's block marked %s is that file", file)
		var doc map[string]any
		require.NoError(t, yaml.Unmarshal(data, &doc), file)
	}

	var workflow struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string         `yaml:"uses"`
				Run  string         `yaml:"run"`
				With map[string]any `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "contract/testdata/ci/github-workflow.yml"), &workflow))
	steps := workflow.Jobs["contract"].Steps
	var run, upload string
	cached := false
	for _, s := range steps {
		if strings.HasPrefix(s.Uses, "actions/setup-go@") {
			cached = s.With["cache"] != false // setup-go caches unless told not to
		}
		if strings.Contains(s.Run, "contractcheck check") {
			run = s.Run
		}
		if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
			upload, _ = s.With["sarif_file"].(string)
		}
	}
	assert.True(t, cached, "setup-go keeps the module and build caches")
	assert.Contains(t, run, "--format github")
	assert.Contains(t, run, "--format sarif="+upload, "the job uploads the SARIF file it writes")
	assert.Contains(t, run, `--format "markdown=$GITHUB_STEP_SUMMARY"`)

	var gitlab struct {
		Contract struct {
			Variables map[string]string `yaml:"variables"`
			Cache     struct {
				Paths []string `yaml:"paths"`
			} `yaml:"cache"`
			Script    []string `yaml:"script"`
			Artifacts struct {
				Reports struct {
					JUnit string `yaml:"junit"`
				} `yaml:"reports"`
			} `yaml:"artifacts"`
		} `yaml:"contract"`
	}
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "contract/testdata/ci/gitlab-ci.yml"), &gitlab))
	assert.Contains(t, strings.Join(gitlab.Contract.Script, "\n"), "--format junit="+gitlab.Contract.Artifacts.Reports.JUnit)
	// The job caches both of Go's caches: each is a folder GitLab keeps.
	for _, v := range []string{"GOMODCACHE", "GOCACHE"} {
		dir, ok := strings.CutPrefix(gitlab.Contract.Variables[v], "$CI_PROJECT_DIR/")
		require.True(t, ok, "%s lies in the project directory, where GitLab's cache can keep it", v)
		assert.Contains(t, gitlab.Contract.Cache.Paths, dir+"/", "the job caches %s", v)
	}
}

// TestREADMECommandsUseRealFlags parses every `contractcheck check` command
// the README and the CI examples show with check's own flag set.
func TestREADMECommandsUseRealFlags(t *testing.T) {
	t.Parallel()
	text := readREADME(t) + string(readRepoFile(t, "contract/testdata/ci/github-workflow.yml")) +
		string(readRepoFile(t, "contract/testdata/ci/gitlab-ci.yml"))
	text = strings.ReplaceAll(text, "\n          --", " --")           // the workflow's folded run line
	text = regexp.MustCompile(`<!--.*?-->`).ReplaceAllString(text, "") // markers name commands too
	cmds := regexp.MustCompile(`contractcheck check((?: [^\s\x60#|]+)*)`).FindAllStringSubmatch(text, -1)
	require.GreaterOrEqual(t, len(cmds), 5)
	for _, m := range cmds {
		args := strings.Fields(strings.ReplaceAll(m[1], `"`, ""))
		var kept []string
		for _, a := range args {
			if strings.HasPrefix(a, "-") || len(kept) > 0 && strings.HasPrefix(kept[len(kept)-1], "--format") {
				kept = append(kept, a)
			}
		}
		cmd := newCheckCommand()
		if err := cmd.ParseFlags(kept); errors.Is(err, pflag.ErrHelp) {
			continue
		} else {
			require.NoError(t, err, "contractcheck check%s", m[1])
		}
		formats, _ := cmd.Flags().GetStringArray("format")
		output, _ := cmd.Flags().GetString("output")
		_, err := parseOutputs(formats, output)
		assert.NoError(t, err, "contractcheck check%s", m[1])
	}
}

// TestREADMEFirstRunOutputIsTheRealOne holds the output the README shows
// for the main job to what `contractcheck check --shipped` prints, the
// fragment's SHA-256 and the tool's version aside, and holds that output
// free of warnings: the happy path warns about nothing.
func TestREADMEFirstRunOutputIsTheRealOne(t *testing.T) {
	t.Parallel()
	m := regexp.MustCompile("(?s)<!-- output: go run ./cmd/contractcheck check --shipped -->\n```text\n(.*?)```").FindStringSubmatch(readREADME(t))
	require.NotNil(t, m, "the README shows the main job's output in a block marked <!-- output: go run ./cmd/contractcheck check --shipped -->")
	code, stdout, stderr := runIn(t, "check", "--shipped")
	require.Equal(t, exitOK, code, stderr)
	got := regexp.MustCompile(`sha256 [0-9a-f]{64}`).ReplaceAllString(stdout, "sha256 <SHA-256>")
	got = regexp.MustCompile(`with contractcheck \S+\n`).ReplaceAllString(got, "with contractcheck <version>\n")
	assert.Equal(t, got, m[1], "the README's output of the main job")
	assert.NotRegexp(t, `(?m): warning |[1-9][0-9]* warnings?`, stdout, "the happy path prints no warning")
}

// TestREADMEShellCommandsAreReal reads every command of the README's sh
// blocks: a make target exists in the Makefile, a contractcheck subcommand
// exists, and a module path given to go install or go get -tool is a
// package of this module.
func TestREADMEShellCommandsAreReal(t *testing.T) {
	t.Parallel()
	readme := readREADME(t)
	makefile := string(readRepoFile(t, "Makefile"))
	module := regexp.MustCompile(`(?m)^module (\S+)`).FindStringSubmatch(string(readRepoFile(t, "go.mod")))
	require.NotNil(t, module)
	var makes, subs, installs int
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readme, -1) {
		for line := range strings.SplitSeq(block[1], "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if i := strings.Index(line, " #"); i >= 0 {
				line = line[:i]
			}
			f := strings.Fields(line)
			for i, w := range f {
				switch {
				case w == "make" && i+1 < len(f):
					makes++
					target := f[i+1]
					assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(target)+`:`, makefile, "make %s: no such target in the Makefile", target)
				case (w == "./cmd/contractcheck" || w == "contractcheck") && i+1 < len(f) && !strings.HasPrefix(f[i+1], "-"):
					subs++
					var stderr strings.Builder
					runContext(t.Context(), []string{f[i+1], "-h"}, io.Discard, &stderr)
					assert.NotContains(t, stderr.String(), "unknown command", "%s", line)
				case strings.HasPrefix(w, module[1]) && strings.Contains(w, "@"):
					installs++
					pkg := strings.TrimPrefix(strings.TrimPrefix(strings.Split(w, "@")[0], module[1]), "/")
					gofiles, err := filepath.Glob(filepath.Join("..", "..", filepath.FromSlash(pkg), "*.go"))
					require.NoError(t, err)
					assert.NotEmpty(t, gofiles, "%s names no package of this module", w)
				}
			}
		}
	}
	assert.Positive(t, makes, "make commands checked")
	assert.Positive(t, subs, "contractcheck commands checked")
	assert.Positive(t, installs, "install commands checked")
}

// TestREADMEAnchorsResolve holds every in-page link of the README (the
// table of contents, the quick starts' pointers) to a heading, by the
// anchor GitHub derives from it: lower case, punctuation dropped, spaces
// turned into hyphens.
func TestREADMEAnchorsResolve(t *testing.T) {
	t.Parallel()
	readme := readREADME(t)
	anchors := map[string]bool{}
	drop := regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	prose := regexp.MustCompile("(?s)```.*?```").ReplaceAllString(readme, "") // a # in code is no heading
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(prose, -1) {
		anchors[strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")] = true
	}
	links := regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(readme, -1)
	require.NotEmpty(t, links)
	for _, l := range links {
		assert.True(t, anchors[l[1]], "the README links to #%s, which no heading makes", l[1])
	}
}

func readREADME(t *testing.T) string {
	return string(readRepoFile(t, "README.md"))
}

func readRepoFile(t *testing.T, path string) []byte {
	t.Helper()
	return readFile(t, filepath.Join("..", "..", filepath.FromSlash(path)))
}
