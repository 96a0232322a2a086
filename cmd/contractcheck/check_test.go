package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runIn runs the program in-process and returns its exit code and output.
func runIn(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runContext(t.Context(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCheckExitCodesAndFormats(t *testing.T) {
	t.Parallel()
	bad := filepath.Join("..", "..", "contract", "testdata", "bad")
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noStdout []string
	}{
		{"no recordings and no config is a usage error", nil, exitUsage, nil,
			[]string{"no recordings to judge", "--shipped"}, nil},
		{"check alone is the same usage error", []string{"check"}, exitUsage, nil, []string{"no recordings to judge", "--shipped"}, nil},
		{"shipped recordings", []string{"check", "--shipped"}, exitOK,
			[]string{"contractcheck:", "interactions in 5 files (replay): 0 errors, 0 warnings, 3 negative cases refused as expected", "judged the recordings shipped in contractcheck"}, nil, []string{"\x1b["}},
		{"shipped with a path", []string{"check", "--shipped", bad}, exitUsage, nil, []string{"give it no PATH"}, nil},
		{"explicit check, offline", []string{"check", "--shipped", "--offline"}, exitOK, []string{"(offline): 0 errors"}, nil, nil},
		{"require coverage", []string{"--shipped", "--require-coverage"}, exitOK, []string{"0 errors"}, nil, nil},
		{"negative cases are no warnings", []string{"--shipped", "--fail-on", "warning"}, exitOK, []string{"info request-invalid", "0 warnings"}, nil, nil},
		{"information is no threshold", []string{"--shipped", "--fail-on", "info"}, exitUsage, nil, []string{"want error, warning or none"}, nil},
		{"known-bad corpus", []string{bad, "--max-body-bytes", "256"}, exitFindings,
			[]string{"unknown-operation", "body-schema", "envelope-shape"}, nil, nil},
		{"flags after paths", []string{bad, "--fail-on", "warning", "--max-body-bytes", "256"}, exitFindings, nil, nil, nil},
		{"missing path", []string{"no/such/recordings.yaml"}, exitUsage, nil, []string{"no/such/recordings.yaml"}, nil},
		{"unknown flag", []string{"--frobnicate"}, exitUsage, nil, []string{"unknown flag: --frobnicate", "--help"}, nil},
		{"bad format", []string{"--format", "xml"}, exitUsage, nil, []string{"want text, json, junit, github, sarif, markdown"}, nil},
		{"bad severity", []string{"--fail-on", "fatal"}, exitUsage, nil, []string{"want error, warning or none"}, nil},
		{"report only", []string{"--fail-on", "none", bad, "--max-body-bytes", "256"}, exitOK, []string{"unknown-operation"}, nil, nil},
		{"non-loopback target without --live", []string{"--shipped", "--target", "https://cloud.mongodb.com"}, exitUsage, nil,
			[]string{"not a loopback address", "--live"}, nil},
		{"live without target", []string{"--live"}, exitUsage, nil, []string{"go with --target"}, nil},
		{"invalid group id", []string{"--target", "http://127.0.0.1:1", "--group-id", "nope"}, exitUsage, nil, []string{"--group-id"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runIn(t, tc.args...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			for _, s := range tc.stdout {
				assert.Contains(t, stdout, s)
			}
			for _, s := range tc.stderr {
				assert.Contains(t, stderr, s)
			}
			for _, s := range tc.noStdout {
				assert.NotContains(t, stdout, s)
			}
		})
	}
}

func TestCheckJSONAndJUnitReports(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runIn(t, "--shipped", "--format", "json")
	require.Equal(t, exitOK, code)
	var doc struct {
		Summary  struct{ Interactions, Errors, Warnings, Notes int } `json:"summary"`
		Findings []struct {
			Rule, Severity, File, Pointer, Message string
			Interaction                            int
		} `json:"findings"`
		Coverage []struct {
			Status       int  `json:"status"`
			Envelope     bool `json:"envelope"`
			Interactions int  `json:"interactions"`
		} `json:"coverage"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	assert.Equal(t, 0, doc.Summary.Errors)
	assert.Equal(t, 0, doc.Summary.Warnings)
	assert.Equal(t, 3, doc.Summary.Notes, "the negative cases: a bad group id, a missing and a too old Accept version")
	assert.Len(t, doc.Coverage, 18)

	out := filepath.Join(t.TempDir(), "report.xml")
	code, stdout, _ = runIn(t, "--shipped", "--format", "junit", "-o", out)
	require.Equal(t, exitOK, code)
	assert.Empty(t, stdout, "-o writes the report to the file")
	xml, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(xml), `<testsuites name="contractcheck"`)
}

func TestColourOnlyOnATerminalWithoutNoColor(t *testing.T) {
	// Not parallel: it swaps the package's terminal and environment probes.
	oldTerm, oldEnv := isTerminal, getenv
	t.Cleanup(func() { isTerminal, getenv = oldTerm, oldEnv })
	isTerminal = func(io.Writer) bool { return true }
	for _, tc := range []struct {
		noColor string
		want    bool
	}{{"", true}, {"1", false}} {
		getenv = func(k string) string {
			if k == "NO_COLOR" {
				return tc.noColor
			}
			return ""
		}
		_, stdout, _ := runIn(t, "--shipped", "--fail-on", "warning")
		assert.Equal(t, tc.want, strings.Contains(stdout, "\x1b[36minfo"), "NO_COLOR=%q", tc.noColor)
	}
}

func TestProgressLineOnATerminalForLongRuns(t *testing.T) {
	oldTerm := isTerminal
	t.Cleanup(func() { isTerminal = oldTerm })
	isTerminal = func(io.Writer) bool { return true }
	dir := t.TempDir()
	path := filepath.Join(dir, "long.har")
	var b strings.Builder
	b.WriteString(`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[`)
	for i := range 1200 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"startedDateTime":"2026-08-10T03:08:01Z","time":1,"request":{"method":"POST","url":"https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Accept","value":"application/vnd.atlas.2023-01-01+json"}],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/2.0","cookies":[],"headers":[],"content":{"size":0,"mimeType":""},"redirectURL":"","headersSize":-1,"bodySize":0},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}`)
	}
	b.WriteString(`]}}`)
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	code, _, stderr := runIn(t, "--offline", path)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, "\rcontractcheck: judged 1000 interactions")
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader in two goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeAnswersAndShutsDownGracefully(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, &stdout, &stderr) }()

	listening := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	var base string
	require.Eventually(t, func() bool {
		m := listening.FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	cancel() // what SIGINT/SIGTERM do through signal.NotifyContext
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code, "stderr: %s", stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
	assert.Contains(t, stdout.String(), "stopped")
}

func TestHelp(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runIn(t, "help")
	assert.Equal(t, exitOK, code)
	for _, cmd := range []string{"check", "serve", "extract", "diff"} {
		assert.Contains(t, stdout, cmd)
	}
}

// TestOneDashLongFlagIsRefused: -offline is not -o ffline (pflag's reading,
// which wrote the report to a file named ffline and ran in replay mode):
// it is refused with the flag it meant, and nothing is written.
func TestOneDashLongFlagIsRefused(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"check", "-offline", "--shipped"},
		{"-offline", "--shipped"},
		{"check", "--shipped", "-format=json"},
		{"serve", "-scope", "all"},
	} {
		code, stdout, stderr := runIn(t, args...)
		assert.Equal(t, exitUsage, code, args)
		assert.Empty(t, stdout, args)
		assert.Contains(t, stderr, "is written with one dash: long flags take two (did you mean --", args)
	}
	code, _, stderr := runIn(t, "check", "--offline", "-o", os.DevNull, "--shipped")
	assert.Equal(t, exitOK, code, "a shorthand with its value apart still works: %s", stderr)
	code, _, stderr = runIn(t, "check", "--offline", "--shipped", "--", "-offline")
	assert.NotContains(t, stderr, "one dash", "after -- an argument is a path")
	assert.Equal(t, exitUsage, code)
}
