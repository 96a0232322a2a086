package openapi

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, yaml.Unmarshal(b, &m))
	return m
}

func dig(m any, keys ...string) any {
	for _, k := range keys {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[k]
	}
	return m
}

func keys(m any) []string {
	var out []string
	for k := range m.(map[string]any) {
		out = append(out, k)
	}
	return out
}

func TestExtractKeepsExactlyTheOperationAndWhatItReferences(t *testing.T) {
	t.Parallel()
	up := readTestdata(t, "mini-upstream.yaml")
	out, _, err := Extract(up, ExtractOptions{OperationID: "postThing"})
	require.NoError(t, err)
	doc := decode(t, out)

	item := dig(doc, "paths", "/groups/{groupId}/thing").(map[string]any)
	assert.ElementsMatch(t, []string{"post", "parameters"}, keys(item), "only the operation and the path-level parameters stay")

	// Transitive: response -> schema Err -> Pet -> oneOf Cat/Dog and the
	// discriminator mapping; response header -> components.headers.Used;
	// path-level parameter groupId.
	assert.ElementsMatch(t, []string{"Err", "Pet", "Cat", "Dog"}, keys(dig(doc, "components", "schemas")))
	assert.ElementsMatch(t, []string{"Used"}, keys(dig(doc, "components", "headers")))
	assert.ElementsMatch(t, []string{"groupId"}, keys(dig(doc, "components", "parameters")))
	assert.ElementsMatch(t, []string{"bad"}, keys(dig(doc, "components", "responses")))
	assert.ElementsMatch(t, []string{"Basic"}, keys(dig(doc, "components", "securitySchemes")), "the schemes the document's security names")

	// References stay references.
	resp := dig(doc, "paths", "/groups/{groupId}/thing", "post", "responses", "400").(map[string]any)
	assert.Equal(t, map[string]any{"$ref": "#/components/responses/bad"}, resp)

	assert.Equal(t, []any{map[string]any{"description": "Things.", "name": "Things"}}, doc["tags"])
	assert.Equal(t, []any{map[string]any{"url": "https://example.invalid"}}, doc["servers"])
	assert.NotContains(t, doc, "x-topics", "unreferenced top-level extensions are dropped")

	sum := sha256.Sum256(up)
	prov := dig(doc, "info", "x-fragment").(map[string]any)
	assert.Equal(t, hex.EncodeToString(sum[:]), prov["upstreamSha256"])
	assert.Equal(t, "abc123", prov["upstreamXgenSha"])
	assert.Equal(t, "POST /groups/{groupId}/thing", prov["operation"])
	assert.Equal(t, "abc123", dig(doc, "info", "x-xgen-sha"), "the upstream info is kept")
}

func TestExtractIsDeterministic(t *testing.T) {
	t.Parallel()
	up := readTestdata(t, "mini-upstream.yaml")
	opts := ExtractOptions{OperationID: "postThing", Overlay: readTestdata(t, "mini-overlay.yaml")}
	first, _, err := Extract(up, opts)
	require.NoError(t, err)
	for range 5 {
		again, _, err := Extract(up, opts)
		require.NoError(t, err)
		require.Equal(t, string(first), string(again))
	}
}

func TestExtractFindsAnOperationByItsOverrideName(t *testing.T) {
	t.Parallel()
	out, _, err := Extract(readTestdata(t, "mini-upstream.yaml"), ExtractOptions{OperationID: "createThing"})
	require.NoError(t, err)
	doc := decode(t, out)
	assert.Equal(t, "postThing", dig(doc, "paths", "/groups/{groupId}/thing", "post", "operationId"))
	assert.Equal(t, "postThing", dig(doc, "info", "x-fragment", "operationId"), "the provenance records the operation's own operationId")
}

func TestExtractAppliesTheOverlay(t *testing.T) {
	t.Parallel()
	out, _, err := Extract(readTestdata(t, "mini-upstream.yaml"), ExtractOptions{
		OperationID: "postThing",
		Overlay:     readTestdata(t, "mini-overlay.yaml"),
		OverlayName: "mini-overlay.yaml",
	})
	require.NoError(t, err)
	doc := decode(t, out)
	assert.Equal(t, map[string]any{}, dig(doc, "components", "schemas", "Err", "properties", "items", "items"))
	assert.NotEmpty(t, dig(doc, "info", "x-fragment", "overlaySha256"))
}

func TestExtractErrors(t *testing.T) {
	t.Parallel()
	up := readTestdata(t, "mini-upstream.yaml")
	staleOverlay := []byte(`overlay: 1.0.0
info: {title: t, version: "1"}
actions:
    - target: $.components.schemas.Err.properties.items.items.type
      description: first entry
      x-evidence: [a capture]
      remove: true
    - target: $.components.schemas.Gone.properties.x
      description: Gone.x is any value
      x-evidence: [a capture]
      remove: true
`)
	undocumented := []byte(`overlay: 1.0.0
info: {title: t, version: "1"}
actions:
    - target: $.components.schemas.Err.properties.items.items.type
      x-evidence: [a capture]
      remove: true
`)
	unproven := []byte(`overlay: 1.0.0
info: {title: t, version: "1"}
actions:
    - target: $.components.schemas.Err.properties.items.items.type
      description: Err items are any value
      remove: true
    - target: $.components.schemas.Err.properties.items.items.type
      description: Err items are any value
      x-evidence: [""]
      remove: true
`)
	// A filter that matches the published document but not the operation
	// extracted is no stale action; one that matches nothing at all is.
	staleFilter := []byte(`overlay: 1.0.0
x-speakeasy-jsonpath: rfc9535
info: {title: t, version: "1"}
actions:
    - target: $.paths.*[?@.operationId == 'nobody'].responses
      description: nobody's responses
      x-evidence: [a capture]
      update: {"406": {description: x}}
`)
	for _, tc := range []struct {
		name     string
		upstream []byte
		opts     ExtractOptions
		want     []string
	}{
		{"unknown operation", up, ExtractOptions{OperationID: "nope", UpstreamName: "up.yaml"},
			[]string{"up.yaml", `no operation has operationId or x-xgen-operation-id-override "nope"`}},
		{"broken yaml", []byte("openapi: 3.0.1\npaths: [\n"), ExtractOptions{OperationID: "x", UpstreamName: "up.yaml"},
			[]string{"up.yaml", "line"}},
		{"not openapi 3.0", []byte("swagger: '2.0'\n"), ExtractOptions{OperationID: "x", UpstreamName: "up.yaml"},
			[]string{"up.yaml", "OpenAPI 3.0.x"}},
		{"dangling ref", []byte(`openapi: 3.0.1
info: {title: t, version: "1"}
paths:
    /x:
        get:
            operationId: x
            responses:
                "200":
                    $ref: '#/components/responses/missing'
`), ExtractOptions{OperationID: "x", UpstreamName: "up.yaml"},
			[]string{"up.yaml", "line 9", `"#/components/responses/missing" points to no component`}},
		{"remote ref", []byte(`openapi: 3.0.1
info: {title: t, version: "1"}
paths:
    /x:
        get:
            operationId: x
            responses:
                "200":
                    $ref: 'https://example.invalid/r.yaml#/ok'
`), ExtractOptions{OperationID: "x", UpstreamName: "up.yaml"},
			[]string{"up.yaml", "line 9", "not a local component reference"}},
		{"ambiguous operation", []byte(`openapi: 3.0.1
info: {title: t, version: "1"}
paths:
    /a:
        get:
            operationId: x
            responses: {"200": {description: ok}}
    /b:
        get:
            operationId: x
            responses: {"200": {description: ok}}
`), ExtractOptions{OperationID: "x", UpstreamName: "up.yaml"},
			[]string{"up.yaml", `operation "x" is ambiguous: GET /a, GET /b`}},
		{"stale overlay action", up, ExtractOptions{OperationID: "postThing", Overlay: staleOverlay, OverlayName: "errata.yaml", UpstreamName: "up.yaml"},
			[]string{"errata.yaml:8: action 2 (Gone.x is any value)", "no longer applies", "$.components.schemas.Gone.properties.x matches nothing in the upstream document up.yaml"}},
		{"stale overlay filter", up, ExtractOptions{OperationID: "postThing", Overlay: staleFilter, OverlayName: "errata.yaml"},
			[]string{"errata.yaml:5: action 1 (nobody's responses)", "no longer applies", "matches nothing"}},
		{"overlay action without a reason", up, ExtractOptions{OperationID: "postThing", Overlay: undocumented, OverlayName: "errata.yaml"},
			[]string{"errata.yaml:4: action 1", "needs a description"}},
		{"overlay action without evidence", up, ExtractOptions{OperationID: "postThing", Overlay: unproven, OverlayName: "errata.yaml"},
			[]string{"errata.yaml:4: action 1 (Err items are any value)", "needs x-evidence"}},
		{"not an overlay", up, ExtractOptions{OperationID: "postThing", Overlay: []byte("actions: 3\n"), OverlayName: "errata.yaml"},
			[]string{"errata.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Extract(tc.upstream, tc.opts)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// upstreamPath is the published spec the fragment and the embedded spec come
// from: the copy committed beside them (upstream/v2.yaml.gz, which `make
// spec-update` refreshes with them), so that the tests give the same verdict
// wherever the module is; ATLAS_UPSTREAM_SPEC names another copy (YAML,
// possibly gzip).
func upstreamPath() string {
	if p := os.Getenv("ATLAS_UPSTREAM_SPEC"); p != "" {
		return p
	}
	return filepath.Join("upstream", "v2.yaml.gz")
}

// readUpstream reads the published spec at upstreamPath, decompressed.
func readUpstream(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(upstreamPath())
	require.NoError(tb, err)
	b, err = gunzip(b)
	require.NoError(tb, err)
	return b
}

func TestCommittedFragmentIsWhatTheUpstreamAndOverlayGive(t *testing.T) {
	t.Parallel()
	up := readUpstream(t)
	out, _, err := Extract(up, ExtractOptions{
		OperationID: "deferGroupMaintenanceWindow",
		Overlay:     Overlay,
		OverlayName: "openapi/errata.overlay.yaml",
	})
	require.NoError(t, err)
	from := "openapi/upstream/v2.yaml.gz"
	if p := os.Getenv("ATLAS_UPSTREAM_SPEC"); p != "" {
		from = p
	}
	require.Equal(t, string(Fragment), string(out), "openapi/fragment.yaml is stale or was edited by hand: run `make spec UPSTREAM=%s`", from)
}

// BenchmarkExtractUpstream extracts the operation from the 4 MB upstream,
// against the floor of only parsing it into YAML nodes.
func BenchmarkExtractUpstream(b *testing.B) {
	up := readUpstream(b)
	b.Run("floor", func(b *testing.B) {
		b.SetBytes(int64(len(up)))
		for b.Loop() {
			var n yaml.Node
			if err := yaml.Unmarshal(up, &n); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("extract", func(b *testing.B) {
		b.SetBytes(int64(len(up)))
		opts := ExtractOptions{OperationID: "deferGroupMaintenanceWindow", Overlay: Overlay}
		for b.Loop() {
			if _, _, err := Extract(up, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// publishedOpsCount is the number of operations of the published spec.
const publishedOpsCount = 540

// datedMediaType is a versioned media type, application/vnd.atlas.YYYY-MM-DD+FORMAT.
var datedMediaType = regexp.MustCompile(`^application/vnd\.atlas\.\d{4}-\d{2}-\d{2}\+`)

// extractEach extracts each operation named (all when ids is nil) from the
// published spec with the errata, and checks what every fragment must be:
// one operation, valid, only what it references, 406 and 410 when the
// operation is versioned.
func extractEach(t *testing.T, ids []string) {
	t.Helper()
	up := readUpstream(t)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(up, &doc))
	type target struct{ id, method, path string }
	var all []target
	paths := mapGet(doc.Content[0], "paths")
	for i := 0; i+1 < len(paths.Content); i += 2 {
		for _, method := range httpMethods {
			op := mapGet(paths.Content[i+1], method)
			if op == nil {
				continue
			}
			id := mapGet(op, "operationId").Value
			if ids == nil || slices.Contains(ids, id) {
				all = append(all, target{id, strings.ToUpper(method), paths.Content[i].Value})
			}
		}
	}
	if ids != nil {
		require.Len(t, all, len(ids), "every operation asked for exists")
	} else {
		require.Len(t, all, publishedOpsCount)
	}
	for _, tg := range all {
		t.Run(tg.id, func(t *testing.T) {
			t.Parallel()
			out, warnings, err := Extract(up, ExtractOptions{OperationID: tg.id, Overlay: Overlay, OverlayName: "openapi/errata.overlay.yaml"})
			require.NoError(t, err)
			for _, w := range warnings {
				assert.Equal(t, WarnInvalidExample, w.Code, "%s", w)
			}
			frag, err := openapi3.NewLoader().LoadFromData(out)
			require.NoError(t, err)
			require.Equal(t, 1, frag.Paths.Len())
			item := frag.Paths.Value(tg.path)
			require.NotNil(t, item, tg.path)
			op := item.GetOperation(tg.method)
			require.NotNil(t, op)
			dated := false
			for _, r := range op.Responses.Map() {
				for mt := range r.Value.Content {
					dated = dated || datedMediaType.MatchString(mt)
				}
			}
			assert.Equal(t, dated, op.Responses.Value("406") != nil, "406 exactly when versioned")
			assert.Equal(t, dated, op.Responses.Value("410") != nil, "410 exactly when versioned")
			if !dated && frag.Components != nil {
				assert.NotContains(t, frag.Components.Responses, "notAcceptable", "no erratum component it does not use")
			}
		})
	}
}

// TestExtractSample extracts a sample of the published spec's operations
// with the errata: the one upstream's example refused, one with a verb in a
// path segment, a preview one (no 406 or 410); without -short, those that
// were refused or are special in other ways too.
func TestExtractSample(t *testing.T) {
	t.Parallel()
	sample := []string{
		"createGroupCluster",    // an example that does not match its schema
		"migrateGroup",          // /api/atlas/v2/groups/{groupId}:migrate
		"listGroupStandbyLinks", // preview only: no 406 or 410
	}
	if !testing.Short() {
		sample = append(sample,
			"createGroupAccessListEntry",                 // a look-ahead pattern, (?!$)
			"pinGroupClusterFeatureCompatibilityVersion", // {clusterName}:pinFeatureCompatibilityVersion
			"downloadGroupClusterLog",                    // {logName}.gz, versioned by application/vnd.atlas.2023-02-01+gzip
			"getGroupSampleDatasetLoad",                  // under …/{sampleDatasetId}, which conflicts with …/{name}
			"listControlPlaneIpAddresses",                // security: [] beside the document's requirements
		)
	}
	extractEach(t, sample)
}

// TestExtractEveryOperation extracts each of the 540 operations of the
// published spec with the errata.
func TestExtractEveryOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("540 extractions from the 4 MB spec (a few minutes); TestExtractSample covers a sample")
	}
	extractEach(t, nil)
}
