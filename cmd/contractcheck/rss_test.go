package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/atlascontract/deferwindow/internal/hartest"
)

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
	if err := hartest.WriteFile(har, 100_000); err != nil {
		t.Fatal(err)
	}
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
