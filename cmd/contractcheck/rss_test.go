package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// writeBigHAR writes a HAR of n defer interactions, cycling through a 200,
// a 400 ApiError and an enveloped 429, all conforming.
func writeBigHAR(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// bufio.Writer keeps its first error; Flush returns it.
	w := bufio.NewWriterSize(f, 1<<16)
	_, _ = fmt.Fprint(w, `{"log":{"version":"1.2","creator":{"name":"bench","version":"1"},"entries":[`)
	const url = "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"
	for i := range n {
		if i > 0 {
			_, _ = w.WriteString(",")
		}
		query, status, ct, text := "", 200, "", ""
		switch i % 3 {
		case 1:
			status, ct, text = 400, "application/json", `{\"detail\":\"No maintenance is scheduled.\",\"error\":400,\"errorCode\":\"ATLAS_MAINTENANCE_NOT_SCHEDULED\",\"parameters\":[],\"reason\":\"Bad Request\"}`
		case 2:
			query, status, ct, text = "?envelope=true", 200, "application/json", `{\"content\":{\"detail\":\"Slow down.\",\"error\":429,\"errorCode\":\"RATE_LIMITED\",\"parameters\":[\"api/atlas/v2/groups\",55,10,5,60],\"reason\":\"Too Many Requests\"},\"status\":429}`
		}
		_, _ = fmt.Fprintf(w, `{"startedDateTime":"2026-08-10T03:08:01.000Z","time":12.5,"request":{"method":"POST","url":"%s%s","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Accept","value":"application/vnd.atlas.2023-01-01+json"},{"name":"Authorization","value":"Bearer REDACTED"}],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":%d,"statusText":"","httpVersion":"HTTP/2.0","cookies":[],"headers":[{"name":"Content-Type","value":"%s"},{"name":"Ratelimit-Limit","value":"1200"},{"name":"Retry-After","value":"5"}],"content":{"size":%d,"mimeType":"%s","text":"%s"},"redirectURL":"","headersSize":-1,"bodySize":%d},"cache":{},"timings":{"send":0,"wait":12,"receive":0.5}}`,
			url, query, status, ct, len(text), ct, text, len(text))
	}
	_, _ = w.WriteString("]}}\n")
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestOfflinePeakRSS runs the contractcheck binary with --offline over a
// 100,000-interaction HAR and bounds its peak resident memory, as the
// kernel counts it for the process.
func TestOfflinePeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and judges a 100,000-entry HAR")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "contractcheck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	har := filepath.Join(dir, "big.har")
	writeBigHAR(t, har, 100_000)
	fi, err := os.Stat(har)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--offline", har)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out[:min(len(out), 2000)])
	}
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	t.Logf("HAR %.1f MB: peak RSS %.1f MB", float64(fi.Size())/1e6, float64(peak)/1e6)
	if peak >= 32<<20 {
		t.Errorf("peak RSS %d bytes, want under 32 MiB", peak)
	}
}
