package openapi

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadOp(t *testing.T, data []byte, name string) *openapi3.Operation {
	t.Helper()
	op, _, err := LoadOperation(data, name)
	require.NoError(t, err)
	return op
}

func TestRenamesReplaysTheOperationsHistory(t *testing.T) {
	t.Parallel()
	// The 2025-03-12 fragment, extracted by `contractcheck extract` from the
	// 2025-03-12 spec as published on 2025-06-30 (see README.md in
	// testdata/history), against the committed fragment. oasdiff reports the
	// operationId change as information only; for importers of a client
	// named after the operationId it renames every method and type.
	old := loadOp(t, readTestdata(t, "history/defer-2025-03-12.yaml"), "defer-2025-03-12.yaml")
	cur := loadOp(t, Fragment, "fragment.yaml")

	got, err := Renames(old, cur, "operationId")
	require.NoError(t, err)
	assert.Equal(t, []Rename{
		{Field: "operationId", Old: "deferMaintenanceWindow", New: "deferGroupMaintenanceWindow", Breaking: true},
		{Field: "x-xgen-operation-id-override", Old: "", New: "deferMaintenanceWindow"},
	}, got)
	assert.Equal(t, `breaking: operationId changed from "deferMaintenanceWindow" to "deferGroupMaintenanceWindow": the generated client names its methods and types after it, so they are renamed`, got[0].String())
	assert.Equal(t, `non-breaking: x-xgen-operation-id-override changed from "" to "deferMaintenanceWindow": the generated client's names do not come from it`, got[1].String())

	// A client named after the override, as MongoDB's SDK is, is not
	// renamed by a change of the operationId: only a change of the override
	// breaks it.
	got, err = Renames(old, cur, OperationIDOverrideExtension)
	require.NoError(t, err)
	assert.Equal(t, []Rename{
		{Field: "operationId", Old: "deferMaintenanceWindow", New: "deferGroupMaintenanceWindow"},
		{Field: "x-xgen-operation-id-override", Old: "", New: "deferMaintenanceWindow", Breaking: true},
	}, got)
	assert.Equal(t, `non-breaking: operationId changed from "deferMaintenanceWindow" to "deferGroupMaintenanceWindow": the generated client's names do not come from it`, got[0].String())

	back, err := Renames(cur, old, "operationId")
	require.NoError(t, err)
	assert.Equal(t, []Rename{
		{Field: "operationId", Old: "deferGroupMaintenanceWindow", New: "deferMaintenanceWindow", Breaking: true},
		{Field: "x-xgen-operation-id-override", Old: "deferMaintenanceWindow", New: ""},
	}, back, "the way back renames the methods again and drops the override")
}

func TestRenamesOfAFragmentWithItselfIsEmpty(t *testing.T) {
	t.Parallel()
	got, err := Renames(loadOp(t, Fragment, "a"), loadOp(t, Fragment, "b"), "operationId")
	require.NoError(t, err)
	assert.Empty(t, got)
}

// thing is a fragment-shaped document with one operation.
const thing = `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /things:
    post:
      operationId: createThing
      responses: {"200": {description: OK}}
`

func TestRenamesPairsTheOneOperationWhateverItsNames(t *testing.T) {
	t.Parallel()
	old := loadOp(t, []byte(thing), "old")
	moved := loadOp(t, []byte(strings.NewReplacer("/things:", "/items:", "createThing", "createItem").Replace(thing)), "new")
	got, err := Renames(old, moved, "operationId")
	require.NoError(t, err)
	assert.Equal(t, []Rename{{Field: "operationId", Old: "createThing", New: "createItem", Breaking: true}}, got)

	unnamed := loadOp(t, []byte(strings.Replace(thing, "      operationId: createThing\n", "", 1)), "new")
	got, err = Renames(old, unnamed, "operationId")
	require.NoError(t, err)
	assert.Equal(t, []Rename{{Field: "operationId", Old: "createThing", New: "", Breaking: true}}, got)
}

func TestLoadOperationAndRenamesErrors(t *testing.T) {
	t.Parallel()
	_, _, err := LoadOperation([]byte(thing+"    get:\n      responses: {\"200\": {description: OK}}\n"), "two.yaml")
	assert.EqualError(t, err, "two.yaml: expected a fragment with one operation, found 2 [GET /things POST /things]")
	_, _, err = LoadOperation([]byte("openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\npaths: {}\n"), "none.yaml")
	assert.EqualError(t, err, "none.yaml: expected a fragment with one operation, found 0 []")
	_, _, err = LoadOperation([]byte("just: some yaml\n"), "notopenapi.yaml")
	assert.ErrorContains(t, err, "notopenapi.yaml: invalid OpenAPI document")

	op := loadOp(t, []byte(thing), "doc")
	_, err = Renames(op, op, "summary")
	assert.EqualError(t, err, `generated names come from operationId or x-xgen-operation-id-override, not "summary"`)
}

// TestLoadOperationWarnsOfAnInvalidExample: a fragment that Extract wrote
// loads although one of upstream's examples breaks its schema (8 of the 540
// published operations have one, createGroupCluster among them); the
// example is a warning, as Extract makes it.
func TestLoadOperationWarnsOfAnInvalidExample(t *testing.T) {
	t.Parallel()
	doc := strings.Replace(thing, "      responses:", `      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {n: {type: integer}}}
            example: {n: "not a number"}
      responses:`, 1)
	op, warnings, err := LoadOperation([]byte(doc), "bad-example.yaml")
	require.NoError(t, err)
	assert.Equal(t, "createThing", op.OperationID)
	require.Len(t, warnings, 1)
	assert.Equal(t, WarnInvalidExample, warnings[0].Code)
	assert.Contains(t, warnings[0].String(), "/paths/~1things/post/requestBody/content/application~1json/example")
}
