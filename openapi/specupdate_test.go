package openapi

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The spec update as a maintainer runs it: `make spec-update`, which runs
// openapi/spec-update.sh in a temporary copy of the work tree.

// workTree returns the module's root when it is a git work tree with make
// and bash at hand (the update copies the tree with git ls-files), and
// skips the test otherwise: in the update's own copy, for one.
func workTree(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the spec update is a bash script")
	}
	for _, tool := range []string{"make", "bash", "git", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	if err := exec.Command("git", "-C", root, "rev-parse", "--is-inside-work-tree").Run(); err != nil {
		t.Skip("not a git work tree (the spec update copies the tree with git ls-files)")
	}
	return root
}

// TestMakeSpecUpdatePassesUpstreamWhole: UPSTREAM reaches the script as
// one argument, spaces and quotes included, and make says with what status
// the script stopped.
func TestMakeSpecUpdatePassesUpstreamWhole(t *testing.T) {
	t.Parallel()
	root := workTree(t)
	dir := filepath.Join(t.TempDir(), "a b")
	require.NoError(t, os.Mkdir(dir, 0o755))
	upstream := filepath.Join(dir, "it's up.yaml")
	require.NoError(t, os.WriteFile(upstream, []byte("openapi: 3.0.1\n"), 0o600))
	// A go command that records how it was called and fails: the script's
	// first use of it, to install oasdiff, ends the run.
	calls := filepath.Join(t.TempDir(), "calls")
	fakeGo := filepath.Join(t.TempDir(), "go")
	require.NoError(t, os.WriteFile(fakeGo, []byte("#!/bin/sh\necho \"$*\" >>\""+calls+"\"\nexit 3\n"), 0o700))

	cmd := exec.Command("make", "-s", "spec-update", "UPSTREAM="+upstream, "GO="+fakeGo)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	require.Error(t, err)
	recorded, readErr := os.ReadFile(calls)
	require.NoError(t, readErr, "the script got past its UPSTREAM check and ran go: %s", stderr.String())
	assert.Contains(t, string(recorded), "install github.com/oasdiff/oasdiff@")
	assert.Contains(t, stderr.String(), "make spec-update: openapi/spec-update.sh exited with status 3 (a step failed)")
}

// TestSpecUpdateFailedStepIsNoBreakingChange: a step that fails with
// status 1 (go install, go build…) ends the script with 2, a failed step,
// never 1, which make would report as a breaking change.
func TestSpecUpdateFailedStepIsNoBreakingChange(t *testing.T) {
	t.Parallel()
	root := workTree(t)
	upstream := filepath.Join(t.TempDir(), "up.yaml")
	require.NoError(t, os.WriteFile(upstream, []byte("openapi: 3.0.1\n"), 0o600))
	for name, script := range map[string]string{
		"go install fails": "exit 1",
		"go build fails":   `[ "$1" = install ] && exit 0; exit 1`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fakeGo := filepath.Join(t.TempDir(), "go")
			require.NoError(t, os.WriteFile(fakeGo, []byte("#!/bin/sh\n"+script+"\n"), 0o700))
			cmd := exec.Command("bash", "openapi/spec-update.sh", upstream)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GO="+fakeGo, "OASDIFF=example.com/oasdiff@v1", "APIDIFF=example.com/apidiff@v1", "OPERATION_OVERRIDE=x")
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "%s", out)
			assert.Equal(t, 2, exit.ExitCode(), "%s", out)
			assert.Contains(t, string(out), "a step failed (status 1)")

			var stderr bytes.Buffer
			cmd = exec.Command("make", "-s", "spec-update", "UPSTREAM="+upstream, "GO="+fakeGo)
			cmd.Dir = root
			cmd.Stderr = &stderr
			require.Error(t, cmd.Run())
			assert.Contains(t, stderr.String(), "make spec-update: openapi/spec-update.sh exited with status 2 (a step failed)")
		})
	}
}

// specUpdate runs `make spec-update REPORT_ONLY=1` on upstream and returns
// its report and its exit error.
func specUpdate(t *testing.T, root, upstream string) (string, error) {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report.md")
	cmd := exec.Command("make", "-s", "spec-update", "UPSTREAM="+upstream, "REPORT_ONLY=1", "SPEC_REPORT="+report)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	data, readErr := os.ReadFile(report)
	require.NoError(t, readErr, "%s", out)
	return string(data), err
}

// editedUpstream writes the committed published spec with the defer
// operation's text old replaced by new, and returns its path.
func editedUpstream(t *testing.T, old, replacement string) string {
	t.Helper()
	published := string(readUpstream(t))
	at := strings.Index(published, "    "+deferPath+":\n")
	require.GreaterOrEqual(t, at, 0)
	i := strings.Index(published[at:], old)
	require.GreaterOrEqual(t, i, 0, "the defer operation holds %q", old)
	path := filepath.Join(t.TempDir(), "v2.yaml")
	require.NoError(t, os.WriteFile(path, []byte(published[:at+i]+replacement+published[at+i+len(old):]), 0o600))
	return path
}

// TestSpecUpdateReport runs the update (report only) on two changes of the
// defer operation upstream.
func TestSpecUpdateReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the spec update twice: installs oasdiff and apidiff, builds, extracts and generates (minutes)")
	}
	root := workTree(t)

	// Upstream drops the 404: oasdiff calls it breaking, and so must the Go
	// API comparison, since rsp.JSON404 no longer compiles: whether gen
	// declares the response type (apidiff on gen, or gen no longer builds)
	// or exports it as an alias (apidiff on the generated package).
	report, err := specUpdate(t, root, editedUpstream(t, "                \"404\":\n                    $ref: '#/components/responses/notFound'\n", ""))
	require.Error(t, err, "a breaking change stops the update")
	assert.Regexp(t, `JSON404(: removed| undefined)`, report)
	assert.Regexp(t, `\n- apidiff: (an incompatible change in a type that gen exports|an incompatible change in the Go API of package gen|package gen does not load with the new generated code)\n`, report)
	assert.Contains(t, report, "**Breaking:**")

	// A description changes: the report shows it, and lists only the files
	// that changed.
	report, err = specUpdate(t, root, editedUpstream(t, "Defers the maintenance window for the specified project.", "Defers the maintenance window of the specified project."))
	require.NoError(t, err, report)
	assert.Contains(t, report, "\n-            description: Defers the maintenance window for the specified project.")
	assert.Contains(t, report, "\n+            description: Defers the maintenance window of the specified project.")
	files := report[strings.Index(report, "### Files\n"):]
	assert.Contains(t, files, "- openapi/fragment.yaml\n")
	assert.Contains(t, files, "- openapi/upstream/v2.yaml.gz\n")
	assert.NotContains(t, files, "gen/spec.gen.go", "unchanged files are not listed")
	assert.NotContains(t, report, "**Breaking:**")
	assert.Contains(t, report, "spec-update: reported only (REPORT_ONLY=1); the work tree is left as it is")
}

// TestReproducibilityHoldsInACopyOfTheTree: the fragment's reproducibility
// test runs, and passes, in a copy of the module anywhere, as the spec
// update's temporary copy is: it reads the published spec committed beside
// the fragment, nothing outside the module, so the copy and the tree after
// the update give the same verdict.
func TestReproducibilityHoldsInACopyOfTheTree(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the module and runs go test in the copy")
	}
	root := workTree(t)
	copyDir := t.TempDir()
	list := exec.Command("bash", "-c", `git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$1"`, "copy", copyDir)
	list.Dir = root
	out, err := list.CombinedOutput()
	require.NoError(t, err, "%s", out)

	goTest := exec.Command("go", "test", "-count=1", "-v", "-run", "^TestCommittedFragmentIsWhatTheUpstreamAndOverlayGive$", "./openapi")
	goTest.Dir = copyDir
	goTest.Env = append(os.Environ(), "ATLAS_UPSTREAM_SPEC=")
	out, err = goTest.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "--- PASS: TestCommittedFragmentIsWhatTheUpstreamAndOverlayGive")
	assert.NotContains(t, string(out), "SKIP")
}

// TestAliasedChangesFilter: of apidiff's report on the generated package,
// the script keeps the incompatible changes of the types gen exports as
// aliases, which apidiff on gen does not show.
func TestAliasedChangesFilter(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("awk"); err != nil {
		t.Skip("awk is not installed")
	}
	list := filepath.Join(t.TempDir(), "aliased")
	require.NoError(t, os.WriteFile(list, []byte("APIError\nDeferMaintenanceWindowResponse\n"), 0o600))
	cmd := exec.Command("awk", "-v", "list="+list, "-f", "aliased-changes.awk")
	cmd.Stdin = strings.NewReader(`Incompatible changes:
- DeferMaintenanceWindowResponse.GetJSON404: removed
- DeferMaintenanceWindowResponse.JSON404: removed
- NotFound: removed
- APIError: changed from struct{A int} to struct{}
- ClientWithResponses.Defer: removed
Compatible changes:
- DeferMaintenanceWindowResponse.JSON406: added
`)
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, `- DeferMaintenanceWindowResponse.GetJSON404: removed
- DeferMaintenanceWindowResponse.JSON404: removed
- APIError: changed from struct{A int} to struct{}
`, string(out), "incompatible changes of aliased types only")
}

// fakeTools writes a go command, and the oasdiff, apidiff and contractcheck
// it installs and builds, that run the script's steps without building
// anything: extract writes fragment; `contractcheck diff` exits with
// $FAKE_DIFF_STATUS (1: a breaking rename); `go generate` fails, as it does
// when the names overlay no longer matches; and `go build ./...` fails, so
// no run of the script ever reaches the step that brings files back into
// the work tree. Every go command is recorded in the file calls.
func fakeTools(t *testing.T, fragment string) (dir string) {
	t.Helper()
	dir = t.TempDir()
	for name, script := range map[string]string{
		"go": `echo "$*" >>"$FAKES/calls"
case $1 in
install) tool=${2%@*}; cp "$FAKES/${tool##*/}" "$GOBIN/" ;;
build) [ "$2" = -o ] || exit 1; cp "$FAKES/contractcheck" "$3" ;;
run) echo "Revision (x-xgen-sha): old → new" ;;
generate) echo "gen/generate.go:6: the names overlay's selector did not match any targets" >&2; exit 1 ;;
*) exit 1 ;;
esac`,
		"oasdiff": `[ "$1" = --version ] && { echo "oasdiff version 1.39.0"; exit 0; }; echo "No changes to report"`,
		"apidiff": `while [ $# -gt 0 ]; do [ "$1" = -w ] && : >"$2"; shift; done`,
		"contractcheck": `case $1 in
extract) while [ $# -gt 1 ]; do [ "$1" = -o ] && cp "$FAKES/fragment.yaml" "$2"; shift; done ;;
diff) [ "${FAKE_DIFF_STATUS:-1}" = 1 ] && echo "  breaking: x-xgen-operation-id-override changed"; exit "${FAKE_DIFF_STATUS:-1}" ;;
esac`,
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script+"\n"), 0o700))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fragment.yaml"), []byte(fragment), 0o600))
	return dir
}

// runSpecUpdate runs the script on upstream with the fake tools of
// fakeTools(fragment) and the environment env, and returns its output, its
// report, its exit status and the go commands it ran.
func runSpecUpdate(t *testing.T, root, upstream, fragment string, env ...string) (out, report string, status int, calls string) {
	t.Helper()
	fakes := fakeTools(t, fragment)
	reportFile := filepath.Join(t.TempDir(), "report.md")
	cmd := exec.Command("bash", "openapi/spec-update.sh", upstream)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "FAKES="+fakes, "GO="+filepath.Join(fakes, "go"), "SPEC_REPORT="+reportFile,
		"OASDIFF=example.com/oasdiff@v1", "APIDIFF=example.com/apidiff@v1", "OPERATION_OVERRIDE=x",
		"NAMED_AFTER=x-xgen-operation-id-override", "ACCEPT_BREAKING=", "REPORT_ONLY=")
	cmd.Env = append(cmd.Env, env...)
	output, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%s", output)
		status = exit.ExitCode()
	}
	data, _ := os.ReadFile(reportFile)
	recorded, _ := os.ReadFile(filepath.Join(fakes, "calls"))
	return string(output), string(data), status, string(recorded)
}

// renamedFragment is a fragment whose override changed: what the fake
// extract writes.
const renamedFragment = "openapi: 3.0.1\ninfo:\n    x-fragment:\n        upstreamSha256: 00\n        upstreamXgenSha: 11\npaths: {}\n# x-xgen-operation-id-override: deferProjectMaintenanceWindow\n"

// TestSpecUpdateGenerateFailsOnABreakingRename: upstream renames the
// x-xgen-operation-id-override the generated names follow; the strict names
// overlay then fails generation by design. That is the breaking change's
// verdict (exit 1, the report says why generation failed and what to do),
// not a failed step, and ACCEPT_BREAKING=1 cannot go on without a client.
func TestSpecUpdateGenerateFailsOnABreakingRename(t *testing.T) {
	t.Parallel()
	root := workTree(t)
	upstream := filepath.Join(t.TempDir(), "up.yaml")
	require.NoError(t, os.WriteFile(upstream, []byte("openapi: 3.0.1\n"), 0o600))
	for _, tc := range []struct {
		name, env, says string
	}{
		{"stops", "ACCEPT_BREAKING=", "spec-update: stopped on a breaking change; the work tree is left as it is (ACCEPT_BREAKING=1 cannot go on"},
		{"report only", "REPORT_ONLY=1", "spec-update: stopped on a breaking change; the work tree is left as it is (ACCEPT_BREAKING=1 cannot go on"},
		{"accepting breaking changes", "ACCEPT_BREAKING=1", "spec-update: ACCEPT_BREAKING=1 cannot go on: `go generate ./gen/...` fails on the new fragment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, report, status, calls := runSpecUpdate(t, root, upstream, renamedFragment, tc.env)
			assert.Equal(t, 1, status, "%s", out)
			assert.NotContains(t, out, "a step failed")
			assert.Contains(t, report, "\n**Breaking:**\n")
			assert.Contains(t, report, "- contractcheck diff: the name the generated methods come from changed\n")
			assert.Contains(t, report, "the names overlay's selector did not match any targets", "the report shows why generation failed")
			assert.Contains(t, report, "gen/oapi-names.overlay.yaml", "the report says what to do")
			assert.Contains(t, report, tc.says)
			assert.NotContains(t, calls, "build ./...", "nothing is built from a client that was not generated")
		})
	}

	// Without a breaking change, a generation failure is a failed step.
	out, report, status, _ := runSpecUpdate(t, root, upstream, renamedFragment, "FAKE_DIFF_STATUS=0")
	assert.Equal(t, 2, status, "%s", out)
	assert.Contains(t, report, "spec-update: make generate fails on the new fragment (status 1); the work tree is left as it is")
	assert.NotContains(t, report, "**Breaking:**")
}

// TestSpecUpdateHandledSubstitutionIsNoFailedStep: a command substitution
// that fails, and that the script handles (the report's upstream revision,
// read from a fragment that lacks it), prints no "a step failed" from the
// ERR trap, which set -E hands to command substitutions.
func TestSpecUpdateHandledSubstitutionIsNoFailedStep(t *testing.T) {
	t.Parallel()
	root := workTree(t)
	upstream := filepath.Join(t.TempDir(), "up.yaml")
	require.NoError(t, os.WriteFile(upstream, []byte("openapi: 3.0.1\n"), 0o600))
	out, report, status, _ := runSpecUpdate(t, root, upstream, "{openapi: 3.0.1, paths: {}}\n", "FAKE_DIFF_STATUS=0")
	assert.Equal(t, 2, status, "%s", out)
	assert.NotContains(t, out, "a step failed")
	assert.Contains(t, report, "Upstream: `` (x-xgen-sha)")
	assert.Contains(t, report, "spec-update: make generate fails on the new fragment (status 1)", "the run goes on to the step that fails")
}

// TestSpecUpdateRefusesJSON: a JSON copy of the published spec (plain or
// gzip) is refused before anything runs: extract would read it, and the
// update would embed JSON as v2.yaml.gz and write a flow-style fragment.
func TestSpecUpdateRefusesJSON(t *testing.T) {
	t.Parallel()
	root := workTree(t)
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write([]byte("\n  {\"openapi\": \"3.0.1\"}\n"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	for name, data := range map[string][]byte{
		"up.json":    []byte(`{"openapi": "3.0.1", "paths": {}}`),
		"up.json.gz": gz.Bytes(),
		"list.yaml":  []byte("\r\n[1, 2]\n"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			upstream := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(upstream, data, 0o600))
			out, _, status, calls := runSpecUpdate(t, root, upstream, renamedFragment)
			assert.Equal(t, 2, status, "%s", out)
			assert.Contains(t, out, "spec-update: "+upstream+": JSON (it starts with { or [), not YAML (UPSTREAM is a copy of MongoDB's published spec, openapi/v2.yaml: YAML, possibly gzip")
			assert.Empty(t, calls, "nothing runs")
		})
	}
}
