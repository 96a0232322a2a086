//go:build linux

// Linux only: the test reads the child's peak resident memory from
// /proc/PID/status (VmHWM), which macOS and Windows do not have.

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/internal/hartest"
)

// TestPeakRSS runs the contractcheck binary over 100,000 interactions and
// bounds its peak resident memory, as the kernel counts it for the
// process: the defer's HAR offline and replayed in memory, and the Atlas
// CLI's real answers of every operation against the whole published spec.
func TestPeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and judges 100,000-entry HARs")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc to read the peak memory of a process from")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "contractcheck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	deferHAR := filepath.Join(dir, "defer.har")
	if err := hartest.WriteFile(deferHAR, 100_000); err != nil {
		t.Fatal(err)
	}
	ins, err := recording.ReadAll([]string{filepath.Join("..", "..", "contract", "testdata", "atlascli")}, recording.Options{})
	if err != nil {
		t.Fatal(err)
	}
	atlasHAR := filepath.Join(dir, "atlas.har")
	if err := hartest.WriteFrom(atlasHAR, ins, 100_000); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		limit int64
	}{
		{"defer offline", []string{"--offline", deferHAR}, 32 << 20},
		{"defer replayed", []string{deferHAR}, 40 << 20},
		{"atlas offline", []string{"--spec", "atlas", "--scope", "all", "--offline", atlasHAR}, 100 << 20},
	} {
		peak, size := peakRSS(t, bin, tc.args...)
		t.Logf("%s: HAR %.1f MB: peak RSS %.1f MB", tc.name, float64(size)/1e6, float64(peak)/1e6)
		if peak >= tc.limit {
			t.Errorf("%s: peak RSS %d bytes, want under %d MiB", tc.name, peak, tc.limit>>20)
		}
	}
}

// peakRSS runs bin with args (the last one a file) and returns its peak
// resident memory and the file's size. The exit status is not checked: a
// run with findings exits 1.
func peakRSS(t *testing.T, bin string, args ...string) (peak, size int64) {
	t.Helper()
	fi, err := os.Stat(args[len(args)-1])
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
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
	for running := true; running; {
		select {
		case err := <-done:
			var exit *exec.ExitError
			findings := errors.As(err, &exit) && exit.ExitCode() == 1 // a run with findings
			if err != nil && !findings {
				t.Fatalf("%v\n%s", err, out.Bytes()[:min(out.Len(), 2000)])
			}
			running = false
		case <-tick.C:
			peak = max(peak, vmHWM(cmd.Process.Pid))
		}
	}
	return peak, fi.Size()
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
