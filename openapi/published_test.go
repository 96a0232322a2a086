package openapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/internal/ecmaregexp"
	"github.com/atlascontract/deferwindow/openapi/internal/yamljson"
)

const (
	clustersPath = "/api/atlas/v2/groups/{groupId}/clusters"
	sampleByName = "/api/atlas/v2/groups/{groupId}/sampleDatasetLoad/{name}"
	sampleByID   = "/api/atlas/v2/groups/{groupId}/sampleDatasetLoad/{sampleDatasetId}"
	deferPath    = "/api/atlas/v2/groups/{groupId}/maintenanceWindow/defer"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fragmentProvenance is the fragment's info.x-fragment.
func fragmentProvenance(t *testing.T) map[string]any {
	t.Helper()
	doc, err := Load()
	require.NoError(t, err)
	prov, ok := doc.Info.Extensions["x-fragment"].(map[string]any)
	require.True(t, ok)
	return prov
}

func operationCount(doc *openapi3.T) int {
	n := 0
	for _, item := range doc.Paths.Map() {
		n += len(item.Operations())
	}
	return n
}

// atlas is the embedded spec with the errata, loaded once for the tests
// that only read it.
var atlas = sync.OnceValue(func() (a struct {
	doc      *openapi3.T
	info     SpecInfo
	warnings []Warning
	err      error
}) {
	a.doc, a.info, a.warnings, a.err = LoadAtlas(true)
	return a
})

func TestLoadAtlas(t *testing.T) {
	t.Parallel()
	a := atlas()
	require.NoError(t, a.err)
	doc, info, warnings := a.doc, a.info, a.warnings

	prov := fragmentProvenance(t)
	assert.Equal(t, SpecInfo{
		Name:          "atlas",
		SHA256:        prov["upstreamSha256"].(string),
		XgenSHA:       prov["upstreamXgenSha"].(string),
		OverlaySHA256: sha(Overlay),
	}, info, "the embedded spec is the fragment's upstream revision, with the errata")
	assert.Equal(t, prov["overlaySha256"], info.OverlaySHA256, "the fragment was extracted with the same errata")
	assert.Contains(t, info.String(), "atlas (sha256 "+info.SHA256)

	assert.Equal(t, publishedOpsCount, operationCount(doc), "every operation of the published spec")
	assert.NotContains(t, doc.Extensions, DerivedFromExtension, "the derived form's provenance is not part of the document")

	// What the published spec gets wrong, as data, in a stable order.
	var got []string
	for _, w := range warnings {
		got = append(got, w.Code+" "+w.Operation+" "+w.Pointer)
	}
	assert.Equal(t, []string{
		WarnPathConflict + " getGroupSampleDatasetLoad /paths/~1api~1atlas~1v2~1groups~1{groupId}~1sampleDatasetLoad~1{sampleDatasetId}/get",
		WarnInvalidExample + " createGroupCluster /paths/~1api~1atlas~1v2~1groups~1{groupId}~1clusters/post/requestBody/content/application~1vnd.atlas.2024-08-05+json/examples/Cluster",
		WarnInvalidExample + " createGroupCluster /paths/~1api~1atlas~1v2~1groups~1{groupId}~1clusters/post/requestBody/content/application~1vnd.atlas.2024-10-23+json/examples/Cluster",
	}, got, "no errata action is unmatched, and nothing else is worked around")
	assert.Contains(t, warnings[1].Message, `example "Cluster" does not match its schema: /replicationSpecs/0/regionConfigs/0/analyticsSpecs: readOnly property "analyticsSpecs" in request`)

	// The path conflict: both operations reachable under the first template.
	assert.Nil(t, doc.Paths.Value(sampleByID))
	item := doc.Paths.Value(sampleByName)
	require.NotNil(t, item)
	assert.Equal(t, "requestGroupSampleDatasetLoad", item.Post.OperationID)
	assert.Equal(t, "getGroupSampleDatasetLoad", item.Get.OperationID)
	assert.Equal(t, sampleByID, item.Get.Extensions[OriginalPathExtension])
	param := item.Get.Parameters.GetByInAndName(openapi3.ParameterInPath, "name")
	require.NotNil(t, param, "the moved operation's path parameter takes the template's name")
	assert.Equal(t, "^([a-f0-9]{24})$", param.Schema.Value.Pattern, "and keeps its own schema")
	assert.Equal(t, "^[a-zA-Z0-9][a-zA-Z0-9-]*$", item.Post.Parameters.GetByInAndName(openapi3.ParameterInPath, "name").Schema.Value.Pattern)

	// The errata: ApiError everywhere, 406/410 on the defer as elsewhere.
	apiError := doc.Components.Schemas["ApiError"].Value
	assert.Nil(t, apiError.Properties["parameters"].Value.Items.Value.Type)
	assert.True(t, apiError.Properties["parameters"].Value.Nullable)
	defer406 := doc.Paths.Value(deferPath).Post.Responses.Value("406")
	require.NotNil(t, defer406)
	assert.Equal(t, "#/components/responses/notAcceptable", defer406.Ref)
}

func TestLoadAtlasWithoutErrata(t *testing.T) {
	t.Parallel()
	doc, info, warnings, err := LoadAtlas(false)
	require.NoError(t, err)
	assert.Empty(t, info.OverlaySHA256)
	assert.Contains(t, info.String(), "no errata")
	assert.Len(t, warnings, 3)
	assert.Equal(t, publishedOpsCount, operationCount(doc))
	assert.Equal(t, &openapi3.Types{"object"}, doc.Components.Schemas["ApiError"].Value.Properties["parameters"].Value.Items.Value.Type, "the spec as published")
	assert.Nil(t, doc.Paths.Value(deferPath).Post.Responses.Value("406"))
	assert.Nil(t, doc.Components.Responses["notAcceptable"])
}

// TestErrataReachEveryVersionedOperation: the 406 and 410 errata, which
// select operations by upstream's x-xgen-version marker, reach exactly the
// operations whose responses declare a dated media type.
func TestErrataReachEveryVersionedOperation(t *testing.T) {
	t.Parallel()
	a := atlas()
	require.NoError(t, a.err)
	doc := a.doc
	versioned, preview := 0, 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			dated := false
			for _, r := range op.Responses.Map() {
				for mt := range r.Value.Content {
					dated = dated || datedMediaType.MatchString(mt)
				}
			}
			r406, r410 := op.Responses.Value("406"), op.Responses.Value("410")
			if !dated {
				preview++
				assert.Nil(t, r406, "%s %s declares no dated version", method, path)
				assert.Nil(t, r410, "%s %s declares no dated version", method, path)
				continue
			}
			versioned++
			if assert.NotNil(t, r406, "%s %s", method, path) {
				assert.Equal(t, "#/components/responses/notAcceptable", r406.Ref)
			}
			if assert.NotNil(t, r410, "%s %s", method, path) {
				assert.Equal(t, "#/components/responses/gone", r410.Ref)
			}
		}
	}
	assert.Equal(t, 514, versioned)
	assert.Equal(t, 26, preview, "the operations that declare only application/vnd.atlas.preview+json")
}

// TestEmbeddedJSONIsDerivedFromTheYAML: the embedded form is the committed
// YAML as JSON (what `make generate` writes), and names the YAML's digest.
func TestEmbeddedJSONIsDerivedFromTheYAML(t *testing.T) {
	t.Parallel()
	published := readTestdataGzip(t, "upstream/v2.yaml.gz")
	embedded, err := gunzip(publishedJSON)
	require.NoError(t, err)
	converted, err := yamljson.Convert(published)
	require.NoError(t, err)
	head := `{"` + DerivedFromExtension + `":{"sha256":"` + sha(published) + `","yaml":"v2.yaml.gz"},`
	require.True(t, bytes.HasPrefix(embedded, []byte(head)), "the embedded JSON starts %.120s", embedded)
	assert.True(t, bytes.Equal(converted[1:], embedded[len(head):]), "upstream/v2.json.gz is not what upstream/v2.yaml.gz gives: run `make generate`")
}

// TestEmbeddedSpecLoadsAsKinOpenAPILoadsTheYAML: the embedded JSON, the
// published YAML through LoadPublished and kin-openapi's own loader on the
// YAML give the same document.
func TestEmbeddedSpecLoadsAsKinOpenAPILoadsTheYAML(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the 4 MB spec three ways and compares them (about 3 s)")
	}
	t.Parallel()
	published := readTestdataGzip(t, "upstream/v2.yaml.gz")
	embedded, _, _, err := LoadAtlas(false)
	require.NoError(t, err)
	fromYAML, info, _, err := LoadPublished(published, "v2.yaml", false)
	require.NoError(t, err)
	assert.Equal(t, sha(published), info.SHA256)
	kin, err := openapi3.NewLoader().LoadFromData(published)
	require.NoError(t, err)
	resolvePathConflicts(kin)
	want := marshal(t, kin)
	assert.True(t, bytes.Equal(want, marshal(t, embedded)), "the embedded spec differs from kin-openapi's reading of the YAML")
	assert.True(t, bytes.Equal(want, marshal(t, fromYAML)), "LoadPublished on the YAML differs from kin-openapi's reading of it")
}

func marshal(t *testing.T, doc *openapi3.T) []byte {
	t.Helper()
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	return b
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}

func readTestdataGzip(t *testing.T, name string) []byte {
	t.Helper()
	b, err := gunzip(readFile(t, name))
	require.NoError(t, err)
	return b
}

func TestLoadPublishedCompilesPatternsAsECMAScript(t *testing.T) {
	t.Parallel()
	doc, _, warnings, err := LoadPublished([]byte(`{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{},
		"components":{"schemas":{"Name":{"type":"string","pattern":"^(?!.*--)[a-z-]+$"}}}}`), "lookahead.json", false)
	require.NoError(t, err, "a look-ahead, which Go's regexp refuses, compiles")
	assert.Empty(t, warnings)
	name := doc.Components.Schemas["Name"].Value
	assert.NoError(t, name.VisitJSON("a-b"))
	assert.Error(t, name.VisitJSON("a--b"), "and matches as ECMAScript")
}

func TestLoadPublishedWarnsAboutErrataThatMatchNothing(t *testing.T) {
	t.Parallel()
	_, info, warnings, err := LoadPublished([]byte("openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n"), "other.yaml", true)
	require.NoError(t, err)
	assert.Equal(t, sha(Overlay), info.OverlaySHA256)
	require.Len(t, warnings, len(strings.Split(strings.TrimSpace(actionTargets(t)), "\n")), "one per action")
	for _, w := range warnings {
		assert.Equal(t, WarnErrataUnmatched, w.Code)
		assert.Regexp(t, `^openapi/errata\.overlay\.yaml:\d+: action \d+ \(.+\): no longer applies: target .+ matches nothing in other\.yaml`, w.Message)
	}
}

// actionTargets lists the overlay's targets, one a line.
func actionTargets(t *testing.T) string {
	t.Helper()
	e, err := parseErrata(Overlay, "errata")
	require.NoError(t, err)
	var out []string
	for _, a := range e.overlay.Actions {
		out = append(out, a.Target)
	}
	return strings.Join(out, "\n")
}

func TestLoadPublishedErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		data string
		want []string
	}{
		{"not a document", "openapi: [\n", []string{"bad.yaml", "not a YAML or JSON document"}},
		{"json with a syntax error", `{"openapi": "3.0.1" "info": 1}`, []string{"bad.yaml", "not a JSON document"}},
		{"json duplicate names", `{"openapi":"3.0.1","openapi":"3.0.2"}`, []string{"bad.yaml", "duplicate"}},
		{"two values", `{"openapi":"3.0.1"} {}`, []string{"bad.yaml"}},
		{"swagger", "swagger: '2.0'\n", []string{"bad.yaml", "OpenAPI 3.0.x"}},
		{"a list", "[1, 2]\n", []string{"bad.yaml", "a mapping at the top level"}},
		{"external ref", "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {$ref: 'https://example.invalid/r.yaml#/ok'}\n",
			[]string{"bad.yaml", "https://example.invalid/r.yaml"}},
		{"invalid document", "openapi: 3.0.1\ninfo: {title: t}\npaths: {}\n", []string{"bad.yaml: invalid OpenAPI document", "version"}},
		{"alias cycle", "openapi: 3.0.1\ninfo: &a {title: t, version: '1', x: [*a]}\npaths: {}\n", []string{"bad.yaml", "alias"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, _, err := LoadPublished([]byte(tc.data), "bad.yaml", false)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestLoadPublishedReadsGzip(t *testing.T) {
	t.Parallel()
	doc, info, _, err := LoadPublished(readFile(t, "testdata/mini-upstream.yaml.gz"), "mini.yaml.gz", false)
	require.NoError(t, err)
	assert.Equal(t, sha(readTestdata(t, "mini-upstream.yaml")), info.SHA256, "the digest of the spec, not of its compressed form")
	assert.Equal(t, "abc123", info.XgenSHA)
	assert.Equal(t, 1, doc.Paths.Len())
}

// BenchmarkLoadAtlas loads the embedded published spec, the budget being
// 0.5 s of CPU per load with the errata, against the baseline of
// kin-openapi's own loader on the published YAML plus document validation
// (patterns through internal/ecmaregexp, as kin-openapi's hook gets them,
// the path conflict dropped, examples off): what a program would do without
// this package.
//
// Run it on one core, `-cpu 1`: ns/op is then that core's time per load,
// the garbage collector's included. cpu-ns/op is the process's CPU time
// (user and system, all threads) per load, from getrusage, where the
// system has it.
func BenchmarkLoadAtlas(b *testing.B) {
	withCPU := func(b *testing.B, load func() error) {
		b.ReportAllocs()
		start, ok := processCPU()
		for b.Loop() {
			if err := load(); err != nil {
				b.Fatal(err)
			}
		}
		if end, _ := processCPU(); ok {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
	b.Run("errata", func(b *testing.B) {
		withCPU(b, func() error { _, _, _, err := LoadAtlas(true); return err })
	})
	b.Run("raw", func(b *testing.B) {
		withCPU(b, func() error { _, _, _, err := LoadAtlas(false); return err })
	})
	b.Run("baseline", func(b *testing.B) {
		published, err := gunzip(readFileB(b, "upstream/v2.yaml.gz"))
		if err != nil {
			b.Fatal(err)
		}
		compile := func(expr string) (openapi3.RegexMatcher, error) { return ecmaregexp.Compile(expr) }
		withCPU(b, func() error {
			doc, err := openapi3.NewLoader().LoadFromData(published)
			if err != nil {
				return err
			}
			doc.Paths.Delete(sampleByName)
			return doc.Validate(context.Background(), openapi3.DisableExamplesValidation(), openapi3.SetRegexCompiler(compile))
		})
	})
}

func readFileB(b *testing.B, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	return data
}
