package openapi

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadForDiff(t *testing.T, data []byte, name string) *openapi3.T {
	t.Helper()
	doc, err := LoadData(data, name)
	require.NoError(t, err)
	return doc
}

func TestRenamesReplaysTheOperationsHistory(t *testing.T) {
	t.Parallel()
	// The seed-era fragment, extracted by `contractcheck extract` from the
	// 2025-03-12 spec as published on 2025-06-30 (see README.md in
	// testdata/history), against the committed fragment. oasdiff reports the
	// operationId change as information only; for importers of a client
	// named after the operationId it renames every method and type.
	old := loadForDiff(t, readTestdata(t, "history/defer-2025-03-12.yaml"), "defer-2025-03-12.yaml")
	cur, err := Load()
	require.NoError(t, err)

	got, err := Renames(old, cur, "operationId")
	require.NoError(t, err)
	assert.Equal(t, []Rename{
		{Field: "operationId", Old: "deferMaintenanceWindow", New: "deferGroupMaintenanceWindow", Breaking: true},
		{Field: "x-xgen-operation-id-override", Old: "", New: "deferMaintenanceWindow"},
	}, got)
	assert.Equal(t, `operationId changed from "deferMaintenanceWindow" to "deferGroupMaintenanceWindow": the generated client names its methods and types after it, so they are renamed`, got[0].String())
	assert.Equal(t, `x-xgen-operation-id-override changed from (none) to "deferMaintenanceWindow": MongoDB's SDK and CLI name their methods after it; the generated client's names do not come from it`, got[1].String())

	// A client named after the override, as MongoDB's SDK is, kept its names
	// across the rename: only a change of the override breaks it.
	got, err = Renames(old, cur, OperationIDOverrideExtension)
	require.NoError(t, err)
	assert.Equal(t, []Rename{
		{Field: "operationId", Old: "deferMaintenanceWindow", New: "deferGroupMaintenanceWindow"},
		{Field: "x-xgen-operation-id-override", Old: "", New: "deferMaintenanceWindow", Breaking: true},
	}, got)
	assert.Equal(t, `operationId changed from "deferMaintenanceWindow" to "deferGroupMaintenanceWindow": the generated client's names do not come from it`, got[0].String())

	back, err := Renames(cur, old, "operationId")
	require.NoError(t, err)
	assert.Equal(t, []Rename{
		{Field: "operationId", Old: "deferGroupMaintenanceWindow", New: "deferMaintenanceWindow", Breaking: true},
		{Field: "x-xgen-operation-id-override", Old: "deferMaintenanceWindow", New: ""},
	}, back, "the way back renames the methods again and drops the override")
}

func TestRenamesOfAFragmentWithItselfIsEmpty(t *testing.T) {
	t.Parallel()
	a := loadForDiff(t, Fragment, "a")
	b := loadForDiff(t, Fragment, "b")
	got, err := Renames(a, b, "operationId")
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
	old := loadForDiff(t, []byte(thing), "old")
	moved := loadForDiff(t, []byte(strings.NewReplacer("/things:", "/items:", "createThing", "createItem").Replace(thing)), "new")
	got, err := Renames(old, moved, "operationId")
	require.NoError(t, err)
	assert.Equal(t, []Rename{{Field: "operationId", Old: "createThing", New: "createItem", Breaking: true}}, got)

	unnamed := loadForDiff(t, []byte(strings.Replace(thing, "      operationId: createThing\n", "", 1)), "new")
	got, err = Renames(old, unnamed, "operationId")
	require.NoError(t, err)
	assert.Equal(t, []Rename{{Field: "operationId", Old: "createThing", New: "", Breaking: true}}, got)
}

func TestRenamesErrors(t *testing.T) {
	t.Parallel()
	doc := loadForDiff(t, []byte(thing), "doc")
	two := loadForDiff(t, []byte(thing+"    get:\n      responses: {\"200\": {description: OK}}\n"), "two")

	_, err := Renames(doc, two, "operationId")
	var nf *NotAFragmentError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "new", nf.Side)
	assert.EqualError(t, err, "expected a fragment with one operation, found 2 [GET /things POST /things]")

	_, err = Renames(two, doc, "operationId")
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "old", nf.Side)

	_, err = Renames(nil, doc, "operationId")
	assert.EqualError(t, err, "the old document is nil")
	_, err = Renames(doc, doc, "summary")
	assert.EqualError(t, err, `generated names come from operationId or x-xgen-operation-id-override, not "summary"`)
}
