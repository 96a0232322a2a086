package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostileInputs runs the CLI on inputs built to break it: each gives a
// clear error naming the file and exit 2, or, for an oversized body, a
// finding and exit 1. The reader's own table (contract/recording) covers
// more, at the library level.
func TestHostileInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	shipped, err := os.ReadFile(filepath.Join("..", "..", "contract", "recordings", "defer-errors.yaml"))
	require.NoError(t, err)
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}
	const entry = `{"startedDateTime":"2026-08-10T03:08:01Z","time":1,"request":{"method":"POST","url":"https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Accept","value":"application/vnd.atlas.2023-01-01+json"}],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":400,"statusText":"","httpVersion":"HTTP/2.0","cookies":[],"headers":[{"name":"Content-Type","value":"application/json"}],"content":{"size":-1,"mimeType":"application/json","text":"BODY"},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}`
	har := func(entries ...string) []byte {
		return []byte(`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[` + strings.Join(entries, ",") + `]}}`)
	}
	loop := filepath.Join(dir, "loop")
	require.NoError(t, os.MkdirAll(loop, 0o755))
	require.NoError(t, os.Symlink(loop, filepath.Join(loop, "again")))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "nothing-here"), 0o755))

	for _, tc := range []struct {
		name, path string
		code       int
		want       string
	}{
		{"empty file", write("empty.yaml", nil), exitUsage, "empty"},
		{"binary garbage", write("garbage.har", garbage), exitUsage, "garbage.har"},
		{"truncated YAML", write("truncated.yaml", shipped[:len(shipped)/2]), exitUsage, "truncated.yaml"},
		{"newer go-vcr cassette", write("newer.yaml", []byte("version: 3\ninteractions: []\n")), exitUsage, "version 3"},
		{"HAR with no entries", write("none.har", har()), exitUsage, "no entries"},
		{"invalid UTF-8", write("latin1.har", har(strings.Replace(entry, "BODY", "caf\xe9", 1))), exitUsage, "latin1.har"},
		{"deeply nested JSON", write("deep.har", []byte(strings.Repeat("[", 100_000))), exitUsage, "deep.har"},
		{"duplicate keys", write("dup.yaml", []byte("version: 2\nversion: 2\ninteractions: []\n")), exitUsage, "dup.yaml"},
		{"symlink loop", loop, exitUsage, "loop"},
		{"folder with no recordings", filepath.Join(dir, "nothing-here"), exitUsage, "nothing-here"},
		{"oversized body", write("big.har", har(strings.Replace(entry, "BODY", strings.Repeat("x", 5<<20), 1))), exitFindings, "body-too-large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runIn(t, "--offline", tc.path)
			assert.Equal(t, tc.code, code, "stdout: %s\nstderr: %s", stdout, stderr)
			if tc.code == exitUsage {
				assert.Contains(t, stderr, tc.path, "the error names the file")
				assert.Contains(t, stderr, tc.want)
				assert.NotContains(t, stderr, "panic")
			} else {
				assert.Contains(t, stdout, tc.want)
			}
		})
	}
}
