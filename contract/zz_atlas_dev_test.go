package contract

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// TODO(embed): switch to openapi.LoadAtlas once it lands.
func devAtlasDoc(tb testing.TB) *openapi3.T {
	tb.Helper()
	path := os.Getenv("ATLAS_UPSTREAM_SPEC")
	if path == "" {
		path = "/work/shared/upstream/atlas-admin-v2.yaml"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Skip("no upstream spec")
	}
	loader := openapi3.NewLoader()
	start := time.Now()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("loaded in %v", time.Since(start))
	return doc
}

func TestDevAtlasSpec(t *testing.T) {
	doc := devAtlasDoc(t)
	start := time.Now()
	s, err := newSpec(doc, "atlas")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("newSpec %v: %d operations", time.Since(start), len(s.operations))
}

// samplePath fills a template with one value per parameter.
func samplePath(o *Operation) (string, map[string]string) {
	var b strings.Builder
	params := map[string]string{}
	for i, s := range o.segments {
		b.WriteByte('/')
		if s.param == "" {
			b.WriteString(s.literal)
			continue
		}
		v := fmt.Sprintf("v%d-%s", i, s.param)
		params[s.param] = v
		b.WriteString(s.prefix + v + s.suffix)
	}
	return b.String(), params
}

func TestDevRouteEveryOperation(t *testing.T) {
	s, err := newSpec(devAtlasDoc(t), "atlas")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(s.Warnings())
	lost := 0
	for _, o := range s.operations {
		path, want := samplePath(o)
		got, params, ok := s.Route(o.method, path, "")
		if !ok {
			t.Errorf("%s %s does not route", o.method, path)
			continue
		}
		if got != o {
			lost++
			t.Logf("%s %s routes to %s %s", o.method, o.path, got.method, got.path)
			continue
		}
		if fmt.Sprint(params) != fmt.Sprint(want) {
			t.Errorf("%s: params %v, want %v", o.path, params, want)
		}
	}
	t.Logf("%d operations, %d lost", len(s.operations), lost)
}

func BenchmarkDevRoute(b *testing.B) {
	s, err := newSpec(devAtlasDoc(b), "atlas")
	if err != nil {
		b.Fatal(err)
	}
	var paths, methods []string
	for _, o := range s.operations {
		p, _ := samplePath(o)
		paths, methods = append(paths, p), append(methods, o.method)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % len(paths)
		s.Route(methods[k], paths[k], "")
	}
}

func TestDevJudgeSnapshots(t *testing.T) {
	doc := devAtlasDoc(t)
	spec, err := newSpec(doc, "atlas")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r, err := Run(t.Context(), Options{Spec: spec, Paths: []string{"testdata/atlascli"}, Source: Source{Offline: true}, Scope: Scope{Mode: ScopeAll}})
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	counts := map[Rule]int{}
	for _, f := range r.Findings {
		counts[f.Rule]++
	}
	t.Logf("%d interactions in %v (%v each): %+v %v", r.Interactions, d, d/time.Duration(max(1, r.Interactions)), r.Summary(), counts)
}
