package openapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadForDiff(t *testing.T, data []byte, name string) *openapi3.T {
	t.Helper()
	doc, err := LoadForDiff(data, name)
	require.NoError(t, err)
	return doc
}

func TestRenamesReplaysTheOperationsHistory(t *testing.T) {
	t.Parallel()
	// The seed-era fragment, extracted by `contractcheck extract` from the
	// 2025-03-12 spec as published on 2025-06-30 (see README.md in
	// testdata/history), against the committed fragment. oasdiff reports the
	// operationId change as information only; for this module's importers it
	// renames every generated method and type.
	old := loadForDiff(t, readTestdata(t, "history/defer-2025-03-12.yaml"), "defer-2025-03-12.yaml")
	cur, err := Load()
	require.NoError(t, err)
	want := []Rename{
		{Field: "operationId", Old: "deferMaintenanceWindow", New: "deferGroupMaintenanceWindow", Breaking: true},
		{Field: "x-xgen-operation-id-override", Old: "", New: "deferMaintenanceWindow"},
	}
	for _, id := range []string{"deferGroupMaintenanceWindow", "deferMaintenanceWindow"} {
		got, err := Renames(old, cur, id, "operationId")
		require.NoError(t, err, "the operation is paired across its rename, asked for by either name (%s)", id)
		assert.Equal(t, want, got, id)
	}
	assert.Equal(t, `operationId changed from "deferMaintenanceWindow" to "deferGroupMaintenanceWindow": the generated client names its methods and types after it, so they are renamed`, want[0].String())
	assert.Equal(t, `x-xgen-operation-id-override changed from (none) to "deferMaintenanceWindow": MongoDB's SDK and CLI name their methods after it; the generated client's names do not come from it`, want[1].String())

	// A generator that names after the override, as MongoDB's SDK does, kept
	// its names across the rename: only a change of the override breaks.
	got, err := Renames(old, cur, "deferMaintenanceWindow", OperationIDOverrideExtension)
	require.NoError(t, err)
	assert.Equal(t, []Rename{
		{Field: "operationId", Old: "deferMaintenanceWindow", New: "deferGroupMaintenanceWindow"},
		{Field: "x-xgen-operation-id-override", Old: "", New: "deferMaintenanceWindow", Breaking: true},
	}, got)
	assert.Equal(t, `operationId changed from "deferMaintenanceWindow" to "deferGroupMaintenanceWindow": the generated client's names do not come from it`, got[0].String())

	back, err := Renames(cur, old, "deferGroupMaintenanceWindow", "operationId")
	require.NoError(t, err)
	assert.Equal(t, []Rename{
		{Field: "operationId", Old: "deferGroupMaintenanceWindow", New: "deferMaintenanceWindow", Breaking: true},
		{Field: "x-xgen-operation-id-override", Old: "deferMaintenanceWindow", New: ""},
	}, back, "the way back renames the methods again and drops the override")
}

func TestRenamesOfADocumentWithItselfIsEmpty(t *testing.T) {
	t.Parallel()
	a := loadForDiff(t, Fragment, "a")
	b := loadForDiff(t, Fragment, "b")
	got, err := Renames(a, b, "deferGroupMaintenanceWindow", "operationId")
	require.NoError(t, err)
	assert.Empty(t, got)
}

// things is a small document with one named operation and one without a name.
const things = `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      responses: {"200": {description: OK}}
    post:
      responses: {"200": {description: OK}}
`

func TestRenamesPairsAnOperationByMethodAndPath(t *testing.T) {
	t.Parallel()
	old := loadForDiff(t, []byte(things), "old")
	renamed := loadForDiff(t, []byte(strings.Replace(things, "listThings", "listAllThings", 1)), "new")
	got, err := Renames(old, renamed, "listThings", "operationId")
	require.NoError(t, err)
	assert.Equal(t, []Rename{{Field: "operationId", Old: "listThings", New: "listAllThings", Breaking: true}}, got)

	named := loadForDiff(t, []byte(strings.Replace(things, "    post:\n", "    post:\n      operationId: createThing\n", 1)), "new")
	got, err = Renames(old, named, "createThing", "operationId")
	require.NoError(t, err, "an operation that gains its first name is paired by method and path")
	assert.Equal(t, []Rename{{Field: "operationId", Old: "", New: "createThing", Breaking: true}}, got)
}

func TestRenamesErrors(t *testing.T) {
	t.Parallel()
	doc := loadForDiff(t, []byte(things), "doc")
	moved := loadForDiff(t, []byte(strings.Replace(things, "/things:", "/items:", 1)), "moved")
	twice := loadForDiff(t, []byte(strings.Replace(things, "    post:\n", "    post:\n      operationId: listThings\n", 1)), "twice")

	_, err := Renames(doc, doc, "deleteThing", "operationId")
	var nf *OperationNotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, OperationNotFoundError{Side: "old", OperationID: "deleteThing"}, *nf)
	assert.EqualError(t, err, `no operation has operationId or x-xgen-operation-id-override "deleteThing"`)

	renamedAndMoved := loadForDiff(t, []byte(strings.NewReplacer("/things:", "/items:", "listThings", "listItems").Replace(things)), "new")
	_, err = Renames(doc, renamedAndMoved, "listThings", "operationId")
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "new", nf.Side)
	assert.EqualError(t, err, `no operation has operationId or x-xgen-operation-id-override "listThings", and there is no GET /things`)

	got, err := Renames(doc, moved, "listThings", "operationId")
	require.NoError(t, err, "a moved operation that kept its name is found by the name")
	assert.Empty(t, got)

	_, err = Renames(doc, twice, "listThings", "operationId")
	var amb *AmbiguousOperationError
	require.True(t, errors.As(err, &amb), "%v", err)
	assert.Equal(t, "new", amb.Side)
	assert.Equal(t, []string{"GET /things", "POST /things"}, amb.Operations)

	_, err = Renames(nil, doc, "listThings", "operationId")
	assert.Error(t, err)
	_, err = Renames(doc, doc, "listThings", "summary")
	assert.EqualError(t, err, `renames: generated names come from operationId or x-xgen-operation-id-override, not "summary"`)
}
