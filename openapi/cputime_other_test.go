//go:build !unix

package openapi

import "time"

// processCPU is not measured here: the benchmarks report ns/op alone.
func processCPU() (time.Duration, bool) { return 0, false }
