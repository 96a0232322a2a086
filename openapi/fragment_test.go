package openapi

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFragmentHoldsTheDeferOperation(t *testing.T) {
	t.Parallel()
	doc, err := Load()
	require.NoError(t, err, "the fragment passes kin-openapi's document validation")

	require.Equal(t, 1, doc.Paths.Len())
	item := doc.Paths.Value("/api/atlas/v2/groups/{groupId}/maintenanceWindow/defer")
	require.NotNil(t, item)
	require.Len(t, item.Operations(), 1)
	op := item.GetOperation(http.MethodPost)
	require.NotNil(t, op)
	assert.Equal(t, "deferGroupMaintenanceWindow", op.OperationID)

	var codes []string
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	assert.Equal(t, []string{"200", "400", "401", "403", "404", "406", "410", "429", "500"}, codes,
		"the errata overlay adds 406 and 410, which Atlas sends for every operation")
	for _, code := range []string{"406", "410"} {
		media := op.Responses.Value(code).Value.Content.Get("application/json")
		require.NotNil(t, media, code)
		assert.Equal(t, "#/components/schemas/ApiError", media.Schema.Ref, code)
	}

	items := doc.Components.Schemas["ApiError"].Value.Properties["parameters"].Value.Items.Value
	assert.Nil(t, items.Type, "the errata overlay makes ApiError.parameters items any value")
	assert.NoError(t, items.VisitJSON("api/atlas/v2/orgs"))
	assert.NoError(t, items.VisitJSON(float64(55)))
	apiError := doc.Components.Schemas["ApiError"].Value
	assert.NoError(t, apiError.VisitJSON(map[string]any{"error": float64(410), "errorCode": "VERSION_GONE", "parameters": nil}),
		"the errata overlay lets ApiError.parameters be null")

	prov, ok := doc.Info.Extensions["x-fragment"].(map[string]any)
	require.True(t, ok, "info.x-fragment records the provenance")
	assert.Len(t, prov["upstreamSha256"], 64)
	assert.Equal(t, doc.Info.Extensions["x-xgen-sha"], prov["upstreamXgenSha"])
}
