package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v4"
)

// update rewrites the documents' generated blocks (command output, help)
// from what the program prints.
var update = flag.Bool("update", false, "rewrite the output and help blocks of the README and docs/ from the program")

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
// the README, docs/ and the CI examples show with check's own flag set.
func TestREADMECommandsUseRealFlags(t *testing.T) {
	t.Parallel()
	text := readDocs(t) + string(readRepoFile(t, "contract/testdata/ci/github-workflow.yml")) +
		string(readRepoFile(t, "contract/testdata/ci/gitlab-ci.yml"))
	text = strings.ReplaceAll(text, "\n          --", " --")           // the workflow's folded run line
	text = regexp.MustCompile(`<!--.*?-->`).ReplaceAllString(text, "") // markers name commands too
	cmds := regexp.MustCompile(`contractcheck check((?: [^\s\x60#|]+)*)`).FindAllStringSubmatch(text, -1)
	require.GreaterOrEqual(t, len(cmds), 10)
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

// TestREADMEShellCommandsAreReal reads every command of the sh blocks of
// the README and docs/: a make target exists in the Makefile, a
// contractcheck subcommand exists, and a module path given to go install or
// go get is a package of this module.
func TestREADMEShellCommandsAreReal(t *testing.T) {
	t.Parallel()
	readme := readDocs(t)
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

// TestDocsLinksResolve holds every link of the README and docs/ that
// stays in this repository: a file it names exists, and an anchor names a
// heading of that page, by the anchor GitHub derives from it (lower case,
// punctuation dropped, spaces turned into hyphens).
func TestDocsLinksResolve(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	pages := append([]string{"README.md"}, docPages(t)...)
	drop := regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	fenced := regexp.MustCompile("(?s)```.*?```")
	anchorsOf := func(page string) map[string]bool {
		anchors := map[string]bool{}
		prose := fenced.ReplaceAllString(string(readRepoFile(t, page)), "") // a # in code is no heading
		for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(prose, -1) {
			anchors[strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")] = true
		}
		return anchors
	}
	links := 0
	for _, page := range pages {
		prose := fenced.ReplaceAllString(string(readRepoFile(t, page)), "")
		for _, l := range regexp.MustCompile(`\]\(([^)\s]+)\)`).FindAllStringSubmatch(prose, -1) {
			target := l[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			links++
			file, anchor, _ := strings.Cut(target, "#")
			linked := page
			if file != "" {
				linked = filepath.ToSlash(filepath.Join(filepath.Dir(page), file))
			}
			_, statErr := os.Stat(filepath.Join(root, filepath.FromSlash(linked)))
			if !assert.NoError(t, statErr, "%s links to %s, which does not exist", page, target) {
				continue
			}
			if anchor != "" {
				assert.True(t, anchorsOf(linked)[anchor], "%s links to %s: no heading of %s makes #%s", page, target, linked, anchor)
			}
		}
	}
	assert.Greater(t, links, 30, "links checked")
}

// TestDocsOutputBlocksAreReal runs every command whose output the README
// or docs/ show in a block marked <!-- output: go run ./cmd/contractcheck
// ARGS --> (the main job's aside: TestREADMEFirstRunOutputIsTheRealOne),
// from the repository root as the README says, and holds the block to what
// it prints, the spec's SHA-256 and the tool's version aside. -update
// rewrites the blocks (the errata still to come change the Atlas traffic's
// verdicts). Not parallel: it runs in the repository root.
func TestDocsOutputBlocksAreReal(t *testing.T) {
	root, errAbs := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, errAbs)
	pages := append([]string{"README.md"}, docPages(t)...)
	t.Chdir(root)
	block := regexp.MustCompile("(?s)(<!-- output: go run ./cmd/contractcheck ([^\n]*?) -->\n```text\n)(.*?)(```)")
	n := 0
	for _, page := range pages {
		data, errRead := os.ReadFile(page)
		require.NoError(t, errRead)
		text := string(data)
		changed := block.ReplaceAllStringFunc(text, func(b string) string {
			m := block.FindStringSubmatch(b)
			if m[2] == "check --shipped" {
				return b
			}
			n++
			code, stdout, stderr := runIn(t, strings.Fields(m[2])...)
			require.NotEqual(t, exitUsage, code, "%s: contractcheck %s: %s", page, m[2], stderr)
			got := normalizeRun(stdout)
			if !*update {
				assert.Equal(t, got, m[3], "%s: the output of contractcheck %s (go test ./cmd/contractcheck -run TestDocsOutputBlocksAreReal -update rewrites it)", page, m[2])
			}
			return m[1] + got + m[4]
		})
		if *update && changed != text {
			require.NoError(t, os.WriteFile(page, []byte(changed), 0o644))
		}
	}
	assert.Positive(t, n, "output blocks checked besides the main job's")
}

// normalizeRun puts placeholders for what changes from build to build in
// a run's output: the spec's SHA-256, the errata overlay's and the tool's
// version.
func normalizeRun(stdout string) string {
	got := regexp.MustCompile(`sha256 [0-9a-f]{64}`).ReplaceAllString(stdout, "sha256 <SHA-256>")
	got = regexp.MustCompile(`errata [0-9a-f]{12}\)`).ReplaceAllString(got, "errata <SHA-256>)")
	return regexp.MustCompile(`with contractcheck \S+\n`).ReplaceAllString(got, "with contractcheck <version>\n")
}

// TestDocsCLIHelpIsTheProgramsHelp holds every block of docs/cli.md marked
// <!-- help: CMD --> to what `contractcheck CMD --help` prints. -update
// rewrites them.
func TestDocsCLIHelpIsTheProgramsHelp(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "..", "docs", "cli.md")
	data, errRead := os.ReadFile(path)
	require.NoError(t, errRead)
	doc := string(data)
	block := regexp.MustCompile("(?s)(<!-- help: (\\w+) -->\n```text\n)(.*?)(```)")
	var cmds []string
	changed := block.ReplaceAllStringFunc(doc, func(b string) string {
		m := block.FindStringSubmatch(b)
		cmds = append(cmds, m[2])
		var stdout, stderr bytes.Buffer
		require.Equal(t, exitOK, runContext(t.Context(), []string{m[2], "--help"}, &stdout, &stderr), stderr.String())
		if !*update {
			assert.Equal(t, stdout.String(), m[3], "docs/cli.md: contractcheck %s --help (go test ./cmd/contractcheck -run TestDocsCLIHelpIsTheProgramsHelp -update rewrites it)", m[2])
		}
		return m[1] + stdout.String() + m[4]
	})
	if *update && changed != doc {
		require.NoError(t, os.WriteFile(path, []byte(changed), 0o644))
	}
	var want []string
	for _, c := range newRootCommand(io.Discard, io.Discard).Commands() {
		if c.IsAvailableCommand() && c.Name() != "completion" {
			want = append(want, c.Name())
		}
	}
	slices.Sort(want)
	slices.Sort(cmds)
	assert.Equal(t, want, cmds, "docs/cli.md shows the help of every subcommand")
}

// TestDocsReportSchemaFields holds docs/report-schema.md to the published
// JSON report schema: every top-level and summary field is named there.
func TestDocsReportSchemaFields(t *testing.T) {
	t.Parallel()
	var schema struct {
		Properties map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(readRepoFile(t, "contract/report/report.schema.json"), &schema))
	doc := string(readRepoFile(t, "docs/report-schema.md"))
	require.NotEmpty(t, schema.Properties)
	for name, p := range schema.Properties {
		assert.Contains(t, doc, "| `"+name+"` |", "docs/report-schema.md has a row for %s", name)
		if name == "summary" {
			for field := range p.Properties {
				assert.Contains(t, doc, "`"+field+"`", "docs/report-schema.md names summary.%s", field)
			}
		}
	}
}

// TestDocsMakeTargets holds the make table of docs/development.md to the
// Makefile: every .PHONY target has a row, and every row a target.
func TestDocsMakeTargets(t *testing.T) {
	t.Parallel()
	phony := regexp.MustCompile(`(?m)^\.PHONY: (.+)$`).FindStringSubmatch(string(readRepoFile(t, "Makefile")))
	require.NotNil(t, phony)
	want := strings.Fields(phony[1])
	var got []string
	for _, row := range regexp.MustCompile("(?m)^\\| ((?:`[a-z-]+`(?:, )?)+) \\|").FindAllStringSubmatch(string(readRepoFile(t, "docs/development.md")), -1) {
		for _, name := range regexp.MustCompile("`([a-z-]+)`").FindAllStringSubmatch(row[1], -1) {
			got = append(got, name[1])
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	assert.Equal(t, want, got, "docs/development.md's make table")
}

func readREADME(t *testing.T) string {
	return string(readRepoFile(t, "README.md"))
}

// docPages returns the pages of docs/, as paths from the repository root.
func docPages(t *testing.T) []string {
	t.Helper()
	files, errGlob := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	require.NoError(t, errGlob)
	require.NotEmpty(t, files)
	var pages []string
	for _, f := range files {
		pages = append(pages, "docs/"+filepath.Base(f))
	}
	return pages
}

// readDocs returns the README and every page of docs/, one after another.
func readDocs(t *testing.T) string {
	t.Helper()
	text := readREADME(t)
	for _, p := range docPages(t) {
		text += "\n" + string(readRepoFile(t, p))
	}
	return text
}

func readRepoFile(t *testing.T, path string) []byte {
	t.Helper()
	return readFile(t, filepath.Join("..", "..", filepath.FromSlash(path)))
}
