package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// TestCLITargetSendsOnlyTheDefer runs check --target, with Service Account
// credentials in the environment, on a HAR exported from the Atlas UI that
// also deletes a cluster, creates an atlasAdmin user and opens the access
// list. Whatever the scope, the target receives the token exchange and the
// defer, nothing else, and never a recorded credential. Not parallel: it
// sets the environment.
func TestCLITargetSendsOnlyTheDefer(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/oauth/token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"access_token":"minted-token","token_type":"bearer","expires_in":3600}`)
			return
		}
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.EscapedPath()+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("X-Content-Type", "application/vnd.atlas.2023-01-01+json")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	t.Setenv(atlas.EnvClientID, "mdb_sa_id_example")
	t.Setenv(atlas.EnvClientSecret, "mdb_sa_sk_example")
	har := filepath.Join("..", "..", "contract", "testdata", "hostile", "atlas-ui-export.har")
	const mine = "0123456789abcdef01234567"
	for _, scope := range []string{"fragment", "all"} {
		t.Run(scope, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			var stdout, stderr bytes.Buffer
			code := run([]string{"check", "--target", srv.URL, "--group-id", mine, "--scope", scope, har}, &stdout, &stderr)
			assert.NotEqual(t, exitUsage, code, "stderr: %s", stderr.String())
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{"POST /api/atlas/v2/groups/" + mine + "/maintenanceWindow/defer Bearer minted-token"}, seen)
			assert.NotContains(t, stdout.String()+stderr.String(), "mdb_sa_sk_example")
		})
	}
}

// TestCLITargetPolicyGoesByAddress: a target counts as loopback by the
// addresses its name resolves to, not by its spelling. A documentation
// address needs --live; the upper-case loopback name is dialled directly.
func TestCLITargetPolicyGoesByAddress(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := run([]string{"check", "--shipped", "--target", "https://192.0.2.1"}, &stdout, &stderr)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr.String(), liveHint)

	hits := 0
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	upper := strings.Replace(srv.URL, "127.0.0.1", "LOCALHOST", 1)
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"check", "--shipped", "--target", upper}, &stdout, &stderr)
	assert.NotEqual(t, exitUsage, code, "LOCALHOST resolves to loopback: %s", stderr.String())
	mu.Lock()
	defer mu.Unlock()
	assert.Positive(t, hits, "the loopback target was reached")
}

// TestCLIDecodedBytesAreBounded runs check --offline on a 6 KiB cassette
// that repeats one gzip body 200 times through YAML aliases: the run stops
// with exit 2 naming the file and the budget, having allocated a small
// multiple of the per-file budget by the process's own count. Not parallel:
// it reads process-wide allocation counters.
func TestCLIDecodedBytesAreBounded(t *testing.T) {
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, err := zw.Write(make([]byte, recording.DefaultMaxBodyBytes+1))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	var cassette strings.Builder
	cassette.WriteString("version: 2\ninteractions:\n- &a\n  request: {method: POST, url: 'https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer'}\n  response:\n    code: 200\n")
	fmt.Fprintf(&cassette, "    headers: {Content-Encoding: [gzip]}\n    body: !!binary %s\n", base64.StdEncoding.EncodeToString(zipped.Bytes()))
	cassette.WriteString(strings.Repeat("- *a\n", 200))
	path := filepath.Join(t.TempDir(), "bomb.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cassette.String()), 0o644))

	var stdout, stderr bytes.Buffer
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	code := run([]string{"check", "--offline", path}, &stdout, &stderr)
	runtime.ReadMemStats(&after)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr.String(), path)
	assert.Contains(t, stderr.String(), "MaxDecodedBytes")
	const budget = 16 * recording.DefaultMaxBodyBytes
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4*budget), "memory stays a small multiple of the budget")
}
