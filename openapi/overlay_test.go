package openapi

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// applyBoth applies the overlay to two copies of doc, with errata.apply and
// with the library's ApplyTo, and returns both documents as YAML and the
// actions apply found unmatched.
func applyBoth(t *testing.T, overlaySrc, doc []byte) (ours, library string, unmatched []int) {
	t.Helper()
	e, err := parseErrata(overlaySrc, "overlay.yaml")
	require.NoError(t, err)
	var a, b yaml.Node
	require.NoError(t, yaml.Unmarshal(doc, &a))
	require.NoError(t, yaml.Unmarshal(doc, &b))
	unmatched, err = e.apply(a.Content[0])
	require.NoError(t, err)
	require.NoError(t, e.overlay.ApplyTo(b.Content[0]))
	outA, err := yaml.Marshal(&a)
	require.NoError(t, err)
	outB, err := yaml.Marshal(&b)
	require.NoError(t, err)
	return string(outA), string(outB), unmatched
}

// TestErrataApplyAsTheLibraryDoes: errata.apply, which removes with one
// index of parents and merges an update into the selected nodes only,
// leaves a document exactly as the library's ApplyTo does, for every kind
// of action the errata use.
func TestErrataApplyAsTheLibraryDoes(t *testing.T) {
	t.Parallel()
	doc := []byte(`components:
  schemas:
    A:
      type: object
      required: [x, y, z]
      properties:
        x: {type: string, writeOnly: true}
        y: {type: string, enum: [a, b]}
        z: {$ref: '#/components/schemas/B'}
      oneOf:
        - {enum: [p, q], type: string}
        - {enum: [q, r], type: string}
    B:
      type: object
      properties:
        n: {type: integer, minimum: 5}
paths:
  /a:
    get:
      operationId: getA
      description: >
        folded

          more indented
      responses:
        "200": {description: OK}
  /b:
    get:
      operationId: getB
      responses:
        "200": {description: OK}
        "201": {description: Created}
`)
	overlaySrc := []byte(`overlay: 1.0.0
x-speakeasy-jsonpath: rfc9535
info: {title: t, version: 1.0.0}
actions:
  - {target: $.components.schemas.A.properties.x.writeOnly, description: a mapping value, x-evidence: [e], remove: true}
  - {target: "$.components.schemas.A.required[?@ == 'y' || @ == 'z']", description: sequence items by a filter, x-evidence: [e], remove: true}
  - {target: $.components.schemas.A.properties.y, description: an enum value and nullable, x-evidence: [e], update: {enum: [c], nullable: true}}
  - {target: $.components.schemas.B.properties.n, description: a scalar replaced, x-evidence: [e], update: {minimum: 0}}
  - target: $.components.schemas.A.properties.z
    description: a $ref made nullable
    x-evidence: [e]
    update: {allOf: [{$ref: '#/components/schemas/B'}], nullable: true}
  - {target: "$.components.schemas.A.properties.z['$ref']", description: the $ref removed, x-evidence: [e], remove: true}
  - {target: $.components.schemas.A, description: an empty anyOf, x-evidence: [e], update: {anyOf: []}}
  - {target: $.components.schemas.A.anyOf, description: the oneOf copied, x-evidence: [e], copy: $.components.schemas.A.oneOf}
  - {target: $.components.schemas.A.oneOf, description: the oneOf removed, x-evidence: [e], remove: true}
  - {target: "$.components.schemas.A.anyOf[0].type", description: a node an update made, removed, x-evidence: [e], remove: true}
  - target: "$.paths.*[?@.operationId && !@.responses['201']].responses"
    description: a status where it is missing
    x-evidence: [e]
    update: {"201": {description: Created}}
  - {target: $.components.schemas.Gone, description: matches nothing, x-evidence: [e], remove: true}
  - {target: $.components.schemas.B, description: copies nothing, x-evidence: [e], copy: $.components.schemas.Gone}
`)
	ours, library, unmatched := applyBoth(t, overlaySrc, doc)
	assert.Equal(t, library, ours)
	assert.Equal(t, []int{11, 12}, unmatched, "a target that selects nothing, a copy whose source selects nothing")
	for _, want := range []string{
		"required: [x]\n",
		"x: {type: string}\n",
		"y: {type: string, enum: [a, b, c], nullable: true}\n",
		"z: {allOf: [{$ref: '#/components/schemas/B'}], nullable: true}\n",
		"anyOf: [{enum: [p, q]}, {enum: [q, r], type: string}]\n",
		"n: {type: integer, minimum: 0}\n",
		"description: |\n", // a folded scalar no action touches with a more indented line, as the library leaves it
	} {
		assert.Contains(t, ours, want, "the actions took effect")
	}
	assert.NotContains(t, ours, "oneOf")
	assert.Equal(t, 2, strings.Count(ours, `"201": {description: Created}`))

	// Without a copy action (which the library applies to the whole
	// document), the folded scalar is still left as the library leaves it.
	ours, library, _ = applyBoth(t, []byte(`overlay: 1.0.0
x-speakeasy-jsonpath: rfc9535
info: {title: t, version: 1.0.0}
actions:
  - {target: $.components.schemas.B.properties.n.minimum, description: one removal, x-evidence: [e], remove: true}
`), doc)
	assert.Equal(t, library, ours)
	assert.Contains(t, ours, "description: |\n")
}

// TestErrataApplyAsTheLibraryDoesOnThePublishedSpec: the committed errata
// applied to the published spec give what the library's ApplyTo gives (a
// large-tree test: ApplyTo takes about a second there).
func TestErrataApplyAsTheLibraryDoesOnThePublishedSpec(t *testing.T) {
	if testing.Short() {
		t.Skip("large tree: the published spec, and the library's own ApplyTo on it")
	}
	t.Parallel()
	ours, library, unmatched := applyBoth(t, Overlay, readUpstream(t))
	assert.Empty(t, unmatched, "every action matches the published spec")
	assert.True(t, ours == library, "errata.apply and the library's ApplyTo leave different documents")
}
