package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
	require.Len(t, blocks, 3, "the configuration, the GitHub workflow and the GitLab job")
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
	for _, s := range steps {
		if strings.Contains(s.Run, "contractcheck check") {
			run = s.Run
		}
		if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
			upload, _ = s.With["sarif_file"].(string)
		}
	}
	assert.Contains(t, run, "--format github")
	assert.Contains(t, run, "--format sarif="+upload, "the job uploads the SARIF file it writes")
	assert.Contains(t, run, `--format "markdown=$GITHUB_STEP_SUMMARY"`)

	var gitlab struct {
		Contract struct {
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
}

// TestREADMECommandsUseRealFlags parses every `contractcheck check` command
// the README and the CI examples show with check's own flag set.
func TestREADMECommandsUseRealFlags(t *testing.T) {
	t.Parallel()
	text := readREADME(t) + string(readRepoFile(t, "contract/testdata/ci/github-workflow.yml")) +
		string(readRepoFile(t, "contract/testdata/ci/gitlab-ci.yml"))
	text = strings.ReplaceAll(text, "\n          --", " --") // the workflow's folded run line
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
		fs, f := newCheckFlags(io.Discard)
		_, code, ok := parseFlags(fs, kept, io.Discard)
		assert.True(t, ok || code == exitOK, "contractcheck check%s: exit %d", m[1], code)
		_, err := parseOutputs(f.formats, f.output)
		assert.NoError(t, err, "contractcheck check%s", m[1])
	}
}

func readREADME(t *testing.T) string {
	return string(readRepoFile(t, "README.md"))
}

func readRepoFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(path)))
	require.NoError(t, err)
	return data
}
