package oaschema_test

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/internal/oaschema"
)

// judged is one body of the mix with both validators of its schema.
type judged struct {
	realBody
	kin   *openapi3.Schema
	ours  *oaschema.Validator
	times int // how many responses of the snapshots it stands for
}

func benchMix(b *testing.B) ([]judged, int) {
	b.Helper()
	s := atlasValidators(b)
	var mix []judged
	responses := 0
	for _, body := range readBodies(b) {
		v, err := s.ValidatorAt(body.Schema)
		if err != nil {
			b.Fatal(err)
		}
		j := judged{realBody: body, kin: kinSchema(b, s, body.Schema), ours: v, times: max(1, int(math.Round(body.Weight)))}
		mix = append(mix, j)
		responses += j.times
	}
	// Warm both: kin-openapi compiles patterns on first use.
	for _, j := range mix {
		_ = j.kin.VisitJSON(j.value, kinOptions()...)
		j.ours.Validate(j.value)
	}
	return mix, responses
}

func kinPass(mix []judged) {
	opts := kinOptions()
	for _, j := range mix {
		for range j.times {
			_ = j.kin.VisitJSON(j.value, opts...)
		}
	}
}

func oursPass(mix []judged) {
	for _, j := range mix {
		for range j.times {
			j.ours.Validate(j.value)
		}
	}
}

// BenchmarkValidateMix validates the snapshots' mix of real Atlas responses
// (testdata/atlas, each body as many times as its weight: 561 responses an
// op) with this package and with the naive kin-openapi program, VisitJSON
// with MultiErrors and VisitAsResponse, its baseline. The metrics per
// response are those of an op divided by 561.
func BenchmarkValidateMix(b *testing.B) {
	mix, responses := benchMix(b)
	for _, c := range []struct {
		name string
		pass func([]judged)
	}{{"baseline", kinPass}, {"oaschema", oursPass}} {
		b.Run(c.name, func(b *testing.B) {
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			start := cpuTime()
			for b.Loop() {
				c.pass(mix)
			}
			cpu := cpuTime() - start
			runtime.ReadMemStats(&ms1)
			n := float64(b.N * responses)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/response")
			b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/response")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/n, "allocs/response")
		})
	}
}

// BenchmarkValidateMixCPU runs the two programs over the mix in paired
// passes, each after a collection, and reports the CPU time per response of
// each, the median of the passes' ratios, and this package's slowest body.
// Run it with -cpu 1.
func BenchmarkValidateMixCPU(b *testing.B) {
	mix, responses := benchMix(b)
	var kinCPU, oursCPU time.Duration
	var ratios []float64
	slowest := map[string]time.Duration{}
	for b.Loop() {
		runtime.GC()
		start := cpuTime()
		kinPass(mix)
		kin := cpuTime() - start
		runtime.GC()
		start = cpuTime()
		for _, j := range mix {
			bodyStart := cpuTime()
			for range j.times {
				j.ours.Validate(j.value)
			}
			if d := (cpuTime() - bodyStart) / time.Duration(j.times); d > slowest[j.File] {
				slowest[j.File] = d
			}
		}
		ours := cpuTime() - start
		kinCPU, oursCPU = kinCPU+kin, oursCPU+ours
		ratios = append(ratios, float64(ours)/float64(kin))
	}
	slices.Sort(ratios)
	n := float64(b.N * responses)
	b.ReportMetric(float64(kinCPU.Microseconds())/n, "baseline-cpu-µs/response")
	b.ReportMetric(float64(oursCPU.Microseconds())/n, "oaschema-cpu-µs/response")
	b.ReportMetric(ratios[len(ratios)/2], "oaschema/baseline")
	var worst time.Duration
	for _, d := range slowest {
		worst = max(worst, d)
	}
	b.ReportMetric(float64(worst.Microseconds()), "oaschema-slowest-body-cpu-µs")
}

// BenchmarkValidateLarge validates each of the six large list bodies
// (alert configurations, alerts, events: 30 to 70 KB) with both, and
// reports the CPU time of an op beside its wall time.
func BenchmarkValidateLarge(b *testing.B) {
	mix, _ := benchMix(b)
	for _, j := range mix {
		if j.size < 25_000 || !strings.Contains(j.Schema, "~1alert") && !strings.Contains(j.Schema, "~1events") {
			continue
		}
		name := strings.TrimSuffix(j.File, ".json")
		b.Run(name+"/baseline", func(b *testing.B) {
			opts := kinOptions()
			start := cpuTime()
			for b.Loop() {
				_ = j.kin.VisitJSON(j.value, opts...)
			}
			reportCPU(b, start)
		})
		b.Run(name+"/oaschema", func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				j.ours.Validate(j.value)
			}
			reportCPU(b, start)
		})
	}
}

// reportCPU reports the CPU time per op since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkCompileAtlas compiles the schema of every response of the
// published spec (275 schemas) from a new Schemas, and, lazily, the one
// schema of a cluster response.
func BenchmarkCompileAtlas(b *testing.B) {
	doc := atlasSpec(b)
	refs := responseSchemas(doc)
	b.Run("every-response-schema", func(b *testing.B) {
		start := cpuTime()
		for b.Loop() {
			s, err := oaschema.New(doc)
			if err != nil {
				b.Fatal(err)
			}
			for _, ref := range refs {
				if _, err := s.Validator(ref); err != nil {
					b.Fatal(err)
				}
			}
		}
		reportCPU(b, start)
		b.ReportMetric(float64(len(refs)), "schemas")
	})
	b.Run("one-cluster-schema", func(b *testing.B) {
		const ptr = "#/paths/~1api~1atlas~1v2~1groups~1{groupId}~1clusters~1{clusterName}/get/responses/200/content/application~1vnd.atlas.2024-08-05+json/schema"
		start := cpuTime()
		for b.Loop() {
			s, err := oaschema.New(doc)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.ValidatorAt(ptr); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, start)
	})
}
