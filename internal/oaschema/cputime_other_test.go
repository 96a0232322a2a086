//go:build !unix

package oaschema_test

import "time"

var processStart = time.Now()

// cpuTime returns the wall time since the process started: there is no
// getrusage here, so the CPU metrics of the benchmarks are wall times.
func cpuTime() time.Duration { return time.Since(processStart) }
