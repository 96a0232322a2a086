package openapi

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

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
	out, err := Extract(up, ExtractOptions{OperationID: "postThing"})
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
	first, err := Extract(up, opts)
	require.NoError(t, err)
	for range 5 {
		again, err := Extract(up, opts)
		require.NoError(t, err)
		require.Equal(t, string(first), string(again))
	}
}

func TestExtractFindsAnOperationByItsOverrideName(t *testing.T) {
	t.Parallel()
	out, err := Extract(readTestdata(t, "mini-upstream.yaml"), ExtractOptions{OperationID: "createThing"})
	require.NoError(t, err)
	doc := decode(t, out)
	assert.Equal(t, "postThing", dig(doc, "paths", "/groups/{groupId}/thing", "post", "operationId"))
	assert.Equal(t, "postThing", dig(doc, "info", "x-fragment", "operationId"), "the provenance records the operation's own operationId")
}

func TestExtractAppliesTheOverlay(t *testing.T) {
	t.Parallel()
	out, err := Extract(readTestdata(t, "mini-upstream.yaml"), ExtractOptions{
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
      remove: true
    - target: $.components.schemas.Gone.properties.x
      description: Gone.x is any value
      remove: true
`)
	undocumented := []byte(`overlay: 1.0.0
info: {title: t, version: "1"}
actions:
    - target: $.components.schemas.Err.properties.items.items.type
      remove: true
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
		{"stale overlay action", up, ExtractOptions{OperationID: "postThing", Overlay: staleOverlay, OverlayName: "errata.yaml"},
			[]string{"errata.yaml:7: action 2 (Gone.x is any value)", "no longer applies", "$.components.schemas.Gone.properties.x matches nothing"}},
		{"overlay action without a reason", up, ExtractOptions{OperationID: "postThing", Overlay: undocumented, OverlayName: "errata.yaml"},
			[]string{"errata.yaml:4: action 1", "needs a description"}},
		{"not an overlay", up, ExtractOptions{OperationID: "postThing", Overlay: []byte("actions: 3\n"), OverlayName: "errata.yaml"},
			[]string{"errata.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Extract(tc.upstream, tc.opts)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// upstreamPath is where the development machine and CI keep MongoDB's
// published spec; ATLAS_UPSTREAM_SPEC overrides it.
func upstreamPath() string {
	if p := os.Getenv("ATLAS_UPSTREAM_SPEC"); p != "" {
		return p
	}
	return filepath.Join("..", "..", "shared", "upstream", "atlas-admin-v2.yaml")
}

func readUpstream(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(upstreamPath())
	if os.IsNotExist(err) {
		tb.Skipf("the upstream spec is not at %s (set ATLAS_UPSTREAM_SPEC, or run `make spec` to download it); skipping the reproducibility check", upstreamPath())
	}
	require.NoError(tb, err)
	return b
}

func TestCommittedFragmentIsWhatTheUpstreamAndOverlayGive(t *testing.T) {
	t.Parallel()
	up := readUpstream(t)
	out, err := Extract(up, ExtractOptions{
		OperationID: "deferGroupMaintenanceWindow",
		Overlay:     Overlay,
		OverlayName: "openapi/errata.overlay.yaml",
	})
	require.NoError(t, err)
	require.Equal(t, string(Fragment), string(out), "openapi/fragment.yaml is stale or was edited by hand: run `make spec UPSTREAM=%s`", upstreamPath())
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
			if _, err := Extract(up, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}
