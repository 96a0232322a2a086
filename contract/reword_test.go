package contract_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/contract/serve"
)

// verdicts runs the judge over every corpus of the package, in replay and
// offline, and writes down what it decided: each finding's rule, severity,
// file, line, interaction and pointer, the coverage and the summary. Not
// the messages.
func verdicts(t *testing.T) []string {
	t.Helper()
	var out []string
	runs := []struct {
		name string
		opts contract.Options
	}{
		{"shipped", contract.Options{Shipped: true, RequireCoverage: []contract.CoverageCell{contract.RequireAll}}},
		{"bad", contract.Options{Paths: []string{filepath.Join("testdata", "bad")}, MaxBodyBytes: 256, RequireCoverage: []contract.CoverageCell{{Status: 401}}}},
		{"hostile", contract.Options{Paths: []string{filepath.Join("testdata", "hostile")}, Scope: contract.Scope{Mode: contract.ScopeAll}}},
	}
	for _, run := range runs {
		name, opts := run.name, run.opts
		for _, offline := range []bool{false, true} {
			opts.Source.Offline = offline
			r, err := contract.Run(t.Context(), opts)
			require.NoError(t, err, name)
			for _, f := range r.Findings {
				out = append(out, fmt.Sprintf("%s offline=%v: %s %s %s:%d #%d %s", name, offline, f.Rule, f.Severity, f.File, f.Line, f.Interaction, f.Pointer))
			}
			out = append(out, fmt.Sprintf("%s offline=%v: %+v %v %+v", name, offline, r.Summary(), r.Failed(), r.Coverage))
		}
	}
	return out
}

// answers asks the mock what it answers to valid and invalid requests.
func answers(t *testing.T) []string {
	t.Helper()
	spec, err := contract.DefaultSpec()
	require.NoError(t, err)
	ins, err := recording.ReadAllFS(contract.ShippedRecordings(), "recordings", recording.Options{})
	require.NoError(t, err)
	mock := serve.NewMock(spec, serve.MockOptions{})
	for _, in := range ins {
		require.NoError(t, mock.Add(in))
	}
	const good = "/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"
	var out []string
	for _, tc := range []struct{ path, accept string }{
		{good, "application/vnd.atlas.2023-01-01+json"},
		{good + "?envelope=true", "application/vnd.atlas.2023-01-01+json"},
		{good, ""},
		{good, "application/json"},
		{good, "application/vnd.atlas.2020-01-01+json"},
		{"/api/atlas/v2/groups/nope/maintenanceWindow/defer", "application/vnd.atlas.2023-01-01+json"},
		{"/api/atlas/v2/groups/nope/maintenanceWindow/defer?envelope=true", ""},
		{good + "?envelope=maybe", "application/vnd.atlas.2023-01-01+json"},
		{"/api/atlas/v2/groups", "application/vnd.atlas.2023-01-01+json"},
	} {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		w := httptest.NewRecorder()
		mock.ServeHTTP(w, req)
		body := w.Body.String()
		code := ""
		if i := strings.Index(body, `"errorCode":"`); i >= 0 {
			code = body[i : i+strings.Index(body[i+13:], `"`)+14]
		}
		out = append(out, fmt.Sprintf("%s %q: %d %s %s", tc.path, tc.accept, w.Code, w.Header().Get(serve.MockHeader), code))
	}
	return out
}

// TestRewordingChangesNoVerdictAndNoAnswer rewords every message template
// of the judge: no finding, coverage, summary or exit changes, and the mock
// answers every request as before. Messages are for people; decisions are
// made from fields.
func TestRewordingChangesNoVerdictAndNoAnswer(t *testing.T) {
	// Not parallel: it changes the package's templates.
	beforeVerdicts, beforeAnswers := verdicts(t), answers(t)
	restore := contract.RewordMessages()
	defer restore()
	r, err := contract.Run(t.Context(), contract.Options{Paths: []string{filepath.Join("testdata", "bad")}, Source: contract.Source{Offline: true}})
	require.NoError(t, err)
	require.NotEmpty(t, r.Findings)
	assert.Contains(t, r.Findings[0].Message, "REWORDED<", "the templates were reworded")
	assert.Equal(t, beforeVerdicts, verdicts(t))
	assert.Equal(t, beforeAnswers, answers(t))
}
