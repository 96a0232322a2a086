package report_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/report"
)

// countingWriter counts what is written to it and keeps nothing.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// TestHugeRecordedValuesGiveSmallReports: a HAR whose entries have a method
// of 2 MB (under the reader's string cap) and a path of 1 MB gives findings
// that quote a few dozen bytes of each, so every report stays small and the
// run's heap stays near one entry's size, whatever the entry count. (The
// reproduction had 25 entries of 4 MB, 600 MB reports and a 3.9 GB peak.)
// Not parallel: it reads the process's allocation counters.
func TestHugeRecordedValuesGiveSmallReports(t *testing.T) {
	const entries = 6
	method, path := strings.Repeat("<", 2<<20), "/"+strings.Repeat("p", 1<<20)
	var har bytes.Buffer
	har.WriteString(`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[`)
	for i := range entries {
		if i > 0 {
			har.WriteString(",")
		}
		enc := json.NewEncoder(&har)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(map[string]any{
			"request":  map[string]any{"method": method, "url": "https://cloud.mongodb.com" + path, "headers": []any{}},
			"response": map[string]any{"status": 200, "headers": []any{}, "content": map[string]any{"size": 0, "text": ""}},
		}))
	}
	har.WriteString("]}}\n")
	file := filepath.Join(t.TempDir(), "huge.har")
	require.NoError(t, os.WriteFile(file, har.Bytes(), 0o644))
	size := int64(har.Len())
	har = bytes.Buffer{}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := contract.Run(t.Context(), contract.Options{Paths: []string{file}, Source: contract.Source{Offline: true}, Scope: contract.Scope{Mode: contract.ScopeAll}, Cases: true})
	require.NoError(t, err)
	runtime.GC() // what the run left garbage is not what the report holds
	runtime.ReadMemStats(&after)
	require.Len(t, r.Findings, entries, "one unknown-operation each")
	for _, f := range r.Findings {
		assert.Equal(t, contract.RuleUnknownOperation, f.Rule)
		assert.Less(t, len(f.Message), 512, "the recorded method and path are quoted, cut")
		assert.Contains(t, f.Message, "(2097152 bytes)", "the cut says how long the value was")
	}
	// What the run still holds after it: the report, not the entries.
	assert.Less(t, int64(after.HeapInuse)-int64(before.HeapInuse), size/4, "the report holds no recorded value whole")

	for name, write := range map[string]func(io.Writer, *contract.Report) error{
		"json": report.JSON, "sarif": report.SARIF, "junit": report.JUnit, "markdown": report.Markdown, "github": report.GitHub,
		"text": func(w io.Writer, r *contract.Report) error { return report.Text(w, r, report.TextOptions{}) },
	} {
		var c countingWriter
		require.NoError(t, write(&c, r), name)
		assert.Less(t, c.n, int64(64<<10), "%s: a report of %d findings about a %d-byte file", name, len(r.Findings), size)
	}
}
