//go:build linux

// Linux only: the test reads the child's peak resident memory from
// /proc/PID/status (VmHWM), which macOS and Windows do not have.

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlascontract/deferwindow/internal/hartest"
)

// TestOfflinePeakRSS runs the contractcheck binary with --offline over a
// 100,000-interaction HAR and bounds its peak resident memory, as the
// kernel counts it for the process.
func TestOfflinePeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and judges a 100,000-entry HAR")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc to read the peak memory of a process from")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "contractcheck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	har := filepath.Join(dir, "big.har")
	if err := hartest.WriteFile(har, 100_000); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(har)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--offline", har)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The child's own high-water mark, read from /proc while it runs: its
	// rusage Maxrss also counts the memory of this test process, which
	// the child shares until it execs.
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var peak int64
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%v\n%s", err, out.Bytes()[:min(out.Len(), 2000)])
			}
			running = false
		case <-tick.C:
			peak = max(peak, vmHWM(cmd.Process.Pid))
		}
	}
	t.Logf("HAR %.1f MB: peak RSS %.1f MB", float64(fi.Size())/1e6, float64(peak)/1e6)
	if peak >= 32<<20 {
		t.Errorf("peak RSS %d bytes, want under 32 MiB", peak)
	}
}

// vmHWM returns the peak resident memory of process pid, in bytes, from
// /proc (0 once the process is gone).
func vmHWM(pid int) int64 {
	data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
