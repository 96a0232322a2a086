package main

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkProcess times the contractcheck binary from process start to
// exit: replaying the shipped recordings (the main job) against the floor of
// the same binary printing its help.
func BenchmarkProcess(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "contractcheck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	// A first run pages the new binary in, so the floor does not pay for it.
	if out, err := exec.Command(bin, "help").CombinedOutput(); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"floor", []string{"help"}},
		{"replay-shipped", []string{"check", "--shipped"}},
		{"offline-shipped", []string{"check", "--shipped", "--offline"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if out, err := exec.Command(bin, tc.args...).CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
			}
		})
	}
}
