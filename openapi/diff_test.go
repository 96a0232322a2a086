package openapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	deferPath = "/api/atlas/v2/groups/{groupId}/maintenanceWindow/defer"
	deferID   = "deferGroupMaintenanceWindow"
)

// seen is a change without its message, for assertions.
type seen struct {
	Kind     string
	Breaking bool
	Location string
}

func seenAll(r *DiffReport) []seen {
	var out []seen
	for _, list := range [][]Change{r.Breaking, r.NonBreaking} {
		for _, c := range list {
			out = append(out, seen{c.Kind, c.Breaking, c.Location})
		}
	}
	return out
}

func loadForDiff(t *testing.T, data []byte, name string) *openapi3.T {
	t.Helper()
	doc, err := LoadForDiff(data, name)
	require.NoError(t, err)
	return doc
}

func TestDiffReplaysTheOperationsHistory(t *testing.T) {
	t.Parallel()
	// The seed-era fragment, extracted by `contractcheck extract` from the
	// 2025-03-12 spec as published on 2025-06-30 (see README.md in
	// testdata/history).
	old := loadForDiff(t, readTestdata(t, "history/defer-2025-03-12.yaml"), "defer-2025-03-12.yaml")
	cur, err := Load()
	require.NoError(t, err)

	for _, id := range []string{"deferGroupMaintenanceWindow", "deferMaintenanceWindow"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			r, err := Diff(old, cur, id)
			require.NoError(t, err, "the operation is paired across its rename, asked for by either name")
			assert.Equal(t, id, r.Operation)
			got := seenAll(r)

			assert.Contains(t, got, seen{KindOperationIDChanged, true, "operationId"},
				"the rename deferMaintenanceWindow -> deferGroupMaintenanceWindow renames the generated client's methods")
			for _, c := range r.Breaking {
				if c.Kind == KindOperationIDChanged {
					assert.Contains(t, c.Message, `"deferMaintenanceWindow" to "deferGroupMaintenanceWindow"`)
				}
			}
			assert.Contains(t, got, seen{KindOperationIDOverrideChanged, false, "x-xgen-operation-id-override"})

			assert.Contains(t, got, seen{KindResponseStatusAdded, false, "responses/429"})
			for _, h := range []string{"RateLimit-Limit", "RateLimit-Remaining", "Retry-After"} {
				assert.Contains(t, got, seen{KindResponseHeaderAdded, false, "responses/429/headers/" + h})
			}
			for _, h := range []string{"RateLimit-Limit", "RateLimit-Remaining"} {
				assert.Contains(t, got, seen{KindResponseHeaderAdded, false, "responses/200/headers/" + h})
			}
			assert.Contains(t, got, seen{KindDescriptionChanged, false, "description"})
			// ApiError.detail became nullable; it was optional already.
			assert.Contains(t, got, seen{KindNullableAdded, false, "responses/400/content/application~1json/schema/properties/detail/nullable"})
			for _, c := range r.Breaking {
				assert.NotContains(t, c.Location, "429", "nothing about the new 429 is breaking")
				assert.NotContains(t, c.Location, "RateLimit")
			}
		})
	}
}

func TestDiffReportsARemovedStatusAsBreaking(t *testing.T) {
	t.Parallel()
	cur, err := Load()
	require.NoError(t, err)
	without404, err := Load()
	require.NoError(t, err)
	responses := without404.Paths.Value(deferPath).Post.Responses
	require.NotNil(t, responses.Value("404"))
	responses.Delete("404")

	r, err := Diff(cur, without404, deferID)
	require.NoError(t, err)
	assert.Equal(t, []seen{{KindResponseStatusRemoved, true, "responses/404"}}, seenAll(r))
	assert.True(t, r.HasBreaking())

	back, err := Diff(without404, cur, deferID)
	require.NoError(t, err)
	assert.Equal(t, []seen{{KindResponseStatusAdded, false, "responses/404"}}, seenAll(back), "the way back is an addition")
}

func TestDiffOfAFragmentWithItselfIsEmpty(t *testing.T) {
	t.Parallel()
	// Two separate loads, so no pointer is shared: the comparison is
	// structural. `make spec-update` relies on this: an unchanged upstream
	// reports nothing.
	a := loadForDiff(t, Fragment, "a")
	b := loadForDiff(t, Fragment, "b")
	r, err := Diff(a, b, deferID)
	require.NoError(t, err)
	assert.Empty(t, r.Breaking)
	assert.Empty(t, r.NonBreaking)
	assert.NotNil(t, r.Breaking, "empty lists, not nil, so JSON has []")
	assert.NotNil(t, r.NonBreaking)

	old := loadForDiff(t, readTestdata(t, "history/defer-2025-03-12.yaml"), "old")
	r, err = Diff(old, old, "deferMaintenanceWindow")
	require.NoError(t, err)
	assert.Empty(t, seenAll(r))
}

// diffBase is a small document with a parameter, a request body, a response
// with a header and an error response, for the table of change kinds.
const diffBase = `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /things/{id}:
    parameters:
      - name: id
        in: path
        required: true
        schema: {type: string, pattern: "^[a-f0-9]{24}$"}
    post:
      operationId: postThing
      summary: Post a thing.
      description: Posts a thing.
      parameters:
        - name: mode
          in: query
          schema: {type: string, enum: [fast, slow, safe], maxLength: 10}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
                size: {type: integer, format: int32}
      responses:
        "200":
          description: OK
          headers:
            RateLimit-Limit: {schema: {type: integer}}
          content:
            application/vnd.atlas.2023-01-01+json:
              schema: {$ref: '#/components/schemas/Thing'}
        "404":
          description: Not Found.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
components:
  schemas:
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string, description: The ID.}
        state: {type: string, enum: [ON, OFF]}
        note: {type: string}
`

func TestDiffDetectsEachChangeKind(t *testing.T) {
	t.Parallel()
	const (
		body  = "requestBody/content/application~1json/schema"
		ok200 = "responses/200/content/application~1vnd.atlas.2023-01-01+json/schema"
	)
	tests := []struct {
		name string
		// edits are old -> new replacements applied in turn to diffBase;
		// each old text must occur.
		edits [][2]string
		want  []seen
	}{
		{
			name:  "new required parameter",
			edits: [][2]string{{"      parameters:\n        - name: mode", "      parameters:\n        - {name: dryRun, in: query, required: true, schema: {type: boolean}}\n        - name: mode"}},
			want:  []seen{{KindRequiredParameterAdded, true, "parameters/query/dryRun"}},
		},
		{
			name:  "new optional parameter",
			edits: [][2]string{{"      parameters:\n        - name: mode", "      parameters:\n        - {name: dryRun, in: query, schema: {type: boolean}}\n        - name: mode"}},
			want:  []seen{{KindParameterAdded, false, "parameters/query/dryRun"}},
		},
		{
			name:  "removed parameter",
			edits: [][2]string{{"        - name: mode\n          in: query\n          schema: {type: string, enum: [fast, slow, safe], maxLength: 10}\n", ""}},
			want:  []seen{{KindParameterRemoved, true, "parameters/query/mode"}},
		},
		{
			name:  "parameter became required",
			edits: [][2]string{{"          in: query\n", "          in: query\n          required: true\n"}},
			want:  []seen{{KindParameterBecameRequired, true, "parameters/query/mode/required"}},
		},
		{
			name:  "narrowed enum in a request",
			edits: [][2]string{{"enum: [fast, slow, safe]", "enum: [fast, slow]"}},
			want:  []seen{{KindEnumNarrowed, true, "parameters/query/mode/schema/enum"}},
		},
		{
			name:  "widened enum in a request",
			edits: [][2]string{{"enum: [fast, slow, safe]", "enum: [fast, slow, safe, lazy]"}},
			want:  []seen{{KindEnumWidened, false, "parameters/query/mode/schema/enum"}},
		},
		{
			name:  "widened enum in a response",
			edits: [][2]string{{"enum: [ON, OFF]", "enum: [ON, OFF, PAUSED]"}},
			want: []seen{
				{KindEnumWidened, true, ok200 + "/properties/state/enum"},
				{KindEnumWidened, true, "responses/404/content/application~1json/schema/properties/state/enum"},
			},
		},
		{
			name:  "narrowed enum in a response",
			edits: [][2]string{{"enum: [ON, OFF]", "enum: [ON]"}},
			want: []seen{
				{KindEnumNarrowed, true, ok200 + "/properties/state/enum"},
				{KindEnumNarrowed, true, "responses/404/content/application~1json/schema/properties/state/enum"},
			},
		},
		{
			name:  "pattern change",
			edits: [][2]string{{`pattern: "^[a-f0-9]{24}$"`, `pattern: "^[a-f0-9]{26}$"`}},
			want:  []seen{{KindPatternChanged, true, "parameters/path/id/schema/pattern"}},
		},
		{
			name:  "pattern removed from a request",
			edits: [][2]string{{`schema: {type: string, pattern: "^[a-f0-9]{24}$"}`, `schema: {type: string}`}},
			want:  []seen{{KindPatternRemoved, false, "parameters/path/id/schema/pattern"}},
		},
		{
			name:  "narrowed limit in a request",
			edits: [][2]string{{"maxLength: 10", "maxLength: 5"}},
			want:  []seen{{KindLimitNarrowed, true, "parameters/query/mode/schema/maxLength"}},
		},
		{
			name:  "widened limit in a request",
			edits: [][2]string{{"maxLength: 10", "maxLength: 20"}},
			want:  []seen{{KindLimitWidened, false, "parameters/query/mode/schema/maxLength"}},
		},
		{
			name:  "media type change",
			edits: [][2]string{{"application/vnd.atlas.2023-01-01+json:", "application/vnd.atlas.2025-03-12+json:"}},
			want:  []seen{{KindMediaTypeChanged, true, "responses/200/content/application~1vnd.atlas.2023-01-01+json"}},
		},
		{
			name:  "media type removed",
			edits: [][2]string{{"          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Thing'}\n", ""}},
			want:  []seen{{KindMediaTypeRemoved, true, "responses/404/content/application~1json"}},
		},
		{
			name:  "type change",
			edits: [][2]string{{"note: {type: string}", "note: {type: integer}"}},
			want: []seen{
				{KindTypeChanged, true, ok200 + "/properties/note/type"},
				{KindTypeChanged, true, "responses/404/content/application~1json/schema/properties/note/type"},
			},
		},
		{
			name:  "format change",
			edits: [][2]string{{"format: int32", "format: int64"}},
			want:  []seen{{KindFormatChanged, true, body + "/properties/size/format"}},
		},
		{
			name:  "new optional property in a response",
			edits: [][2]string{{"        note: {type: string}\n", "        note: {type: string}\n        color: {type: string}\n"}},
			want: []seen{
				{KindPropertyAdded, false, ok200 + "/properties/color"},
				{KindPropertyAdded, false, "responses/404/content/application~1json/schema/properties/color"},
			},
		},
		{
			name:  "new optional property in a request",
			edits: [][2]string{{"                size: {type: integer, format: int32}\n", "                size: {type: integer, format: int32}\n                color: {type: string}\n"}},
			want:  []seen{{KindPropertyAdded, false, body + "/properties/color"}},
		},
		{
			name: "new required property in a request",
			edits: [][2]string{
				{"required: [name]", "required: [name, color]"},
				{"                size: {type: integer, format: int32}\n", "                size: {type: integer, format: int32}\n                color: {type: string}\n"},
			},
			want: []seen{{KindRequiredPropertyAdded, true, body + "/properties/color"}},
		},
		{
			name:  "removed response property",
			edits: [][2]string{{"        note: {type: string}\n", ""}},
			want: []seen{
				{KindPropertyRemoved, true, ok200 + "/properties/note"},
				{KindPropertyRemoved, true, "responses/404/content/application~1json/schema/properties/note"},
			},
		},
		{
			name:  "response property became optional",
			edits: [][2]string{{"      required: [id]\n", ""}},
			want: []seen{
				{KindPropertyBecameOptional, true, ok200 + "/properties/id"},
				{KindPropertyBecameOptional, true, "responses/404/content/application~1json/schema/properties/id"},
			},
		},
		{
			name:  "request property became optional",
			edits: [][2]string{{"              required: [name]\n", ""}},
			want:  []seen{{KindPropertyBecameOptional, false, body + "/properties/name"}},
		},
		{
			name:  "nullable added to a required response property",
			edits: [][2]string{{"id: {type: string, description: The ID.}", "id: {type: string, description: The ID., nullable: true}"}},
			want: []seen{
				{KindNullableAdded, true, ok200 + "/properties/id/nullable"},
				{KindNullableAdded, true, "responses/404/content/application~1json/schema/properties/id/nullable"},
			},
		},
		{
			name:  "nullable added to an optional response property",
			edits: [][2]string{{"note: {type: string}", "note: {type: string, nullable: true}"}},
			want: []seen{
				{KindNullableAdded, false, ok200 + "/properties/note/nullable"},
				{KindNullableAdded, false, "responses/404/content/application~1json/schema/properties/note/nullable"},
			},
		},
		{
			name:  "description-only change",
			edits: [][2]string{{"description: Posts a thing.", "description: Posts one thing."}, {"description: The ID.", "description: The thing's ID."}},
			want: []seen{
				{KindDescriptionChanged, false, "description"},
				{KindDescriptionChanged, false, ok200 + "/properties/id/description"},
				{KindDescriptionChanged, false, "responses/404/content/application~1json/schema/properties/id/description"},
			},
		},
		{
			name:  "summary change",
			edits: [][2]string{{"summary: Post a thing.", "summary: Post one thing."}},
			want:  []seen{{KindSummaryChanged, false, "summary"}},
		},
		{
			name:  "example change",
			edits: [][2]string{{"            schema:\n              type: object", "            example: {name: a}\n            schema:\n              type: object"}},
			want:  []seen{{KindExampleChanged, false, "requestBody/content/application~1json/example"}},
		},
		{
			name:  "response header removed",
			edits: [][2]string{{"          headers:\n            RateLimit-Limit: {schema: {type: integer}}\n", ""}},
			want:  []seen{{KindResponseHeaderRemoved, true, "responses/200/headers/RateLimit-Limit"}},
		},
		{
			name:  "optional response header added",
			edits: [][2]string{{"            RateLimit-Limit: {schema: {type: integer}}\n", "            RateLimit-Limit: {schema: {type: integer}}\n            RateLimit-Remaining: {schema: {type: integer}}\n"}},
			want:  []seen{{KindResponseHeaderAdded, false, "responses/200/headers/RateLimit-Remaining"}},
		},
		{
			name:  "new status",
			edits: [][2]string{{"        \"404\":", "        \"429\":\n          description: Too Many Requests.\n          headers:\n            Retry-After: {schema: {type: integer}}\n        \"404\":"}},
			want: []seen{
				{KindResponseStatusAdded, false, "responses/429"},
				{KindResponseHeaderAdded, false, "responses/429/headers/Retry-After"},
			},
		},
		{
			name:  "request body became optional",
			edits: [][2]string{{"        required: true\n        content:", "        content:"}},
			want:  []seen{{KindRequestBodyBecameOptional, false, "requestBody/required"}},
		},
		{
			name:  "operationId rename, paired by method and path",
			edits: [][2]string{{"operationId: postThing", "operationId: createThing"}},
			want:  []seen{{KindOperationIDChanged, true, "operationId"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			edited := diffBase
			for _, e := range tc.edits {
				require.Contains(t, edited, e[0], "the edit must apply")
				edited = strings.Replace(edited, e[0], e[1], 1)
			}
			old := loadForDiff(t, []byte(diffBase), "old")
			cur := loadForDiff(t, []byte(edited), "new")
			r, err := Diff(old, cur, "postThing")
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.want, seenAll(r))
			for _, c := range r.Breaking {
				assert.True(t, c.Breaking)
			}
			for _, c := range r.NonBreaking {
				assert.False(t, c.Breaking)
				assert.NotEmpty(t, c.Message)
			}
		})
	}
}

func TestDiffStopsAtSchemaCycles(t *testing.T) {
	t.Parallel()
	const tree = `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /tree:
    get:
      operationId: getTree
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      type: object
      properties:
        name: {type: string}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
`
	old := loadForDiff(t, []byte(tree), "old")
	cur := loadForDiff(t, []byte(strings.Replace(tree, "name: {type: string}", "name: {type: integer}", 1)), "new")
	r, err := Diff(old, cur, "getTree")
	require.NoError(t, err, "a schema that contains itself ends")
	assert.Equal(t, []seen{{KindTypeChanged, true, "responses/200/content/application~1json/schema/properties/name/type"}}, seenAll(r),
		"the change is reported where the cycle is entered, once")
}

func TestDiffCannotPairOperations(t *testing.T) {
	t.Parallel()
	base := loadForDiff(t, []byte(diffBase), "base")
	moved := loadForDiff(t, []byte(strings.Replace(strings.Replace(diffBase, "/things/{id}:", "/items/{id}:", 1), "postThing", "postItem", 1)), "moved")

	_, err := Diff(base, moved, "postThing")
	var nf *OperationNotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "new", nf.Side)
	assert.Contains(t, err.Error(), "POST /things/{id}", "the fallback it tried is named")

	_, err = Diff(base, base, "noSuchOperation")
	require.ErrorAs(t, err, &nf)
	assert.Contains(t, err.Error(), `"noSuchOperation"`)

	twice := loadForDiff(t, []byte(strings.Replace(diffBase, "components:", `  /other:
    get:
      operationId: postThing
      responses: {"200": {description: OK}}
components:`, 1)), "twice")
	_, err = Diff(base, twice, "postThing")
	var amb *AmbiguousOperationError
	require.ErrorAs(t, err, &amb)
	assert.Equal(t, "new", amb.Side)
	assert.ElementsMatch(t, []string{"POST /things/{id}", "GET /other"}, amb.Operations)
}

func TestDiffFindsTheOperationByItsOverride(t *testing.T) {
	t.Parallel()
	old := loadForDiff(t, []byte(diffBase), "old")
	renamed := strings.Replace(diffBase, "operationId: postThing", "operationId: createThing\n      x-xgen-operation-id-override: postThing", 1)
	// Move it too, so that method+path cannot be what pairs them.
	renamed = strings.Replace(renamed, "/things/{id}:", "/v2/things/{id}:", 1)
	cur := loadForDiff(t, []byte(renamed), "new")
	r, err := Diff(old, cur, "postThing")
	require.NoError(t, err)
	assert.ElementsMatch(t, []seen{
		{KindOperationIDChanged, true, "operationId"},
		{KindOperationIDOverrideChanged, false, "x-xgen-operation-id-override"},
		{KindOperationPathChanged, true, "path"},
	}, seenAll(r))
}

func TestLoadForDiffSkipsPatternValidation(t *testing.T) {
	t.Parallel()
	// A look-ahead, as MongoDB's upstream has: Go's regexp cannot compile it.
	lookahead := strings.Replace(diffBase, `pattern: "^[a-f0-9]{24}$"`, `pattern: "^(?!admin$).*$"`, 1)
	_, err := LoadData([]byte(lookahead), "strict")
	require.Error(t, err, "validation with patterns rejects the document")
	doc, err := LoadForDiff([]byte(lookahead), "lenient")
	require.NoError(t, err)
	r, err := Diff(loadForDiff(t, []byte(diffBase), "base"), doc, "postThing")
	require.NoError(t, err)
	assert.Equal(t, []seen{{KindPatternChanged, true, "parameters/path/id/schema/pattern"}}, seenAll(r))
}

func TestLoadForDiffNamesTheFileOnBadInput(t *testing.T) {
	t.Parallel()
	for name, data := range map[string]string{
		"empty":        "  \n",
		"not YAML":     "openapi: [3.0.1\n",
		"swagger 2":    "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n",
		"openapi 3.1":  "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\npaths: {/a: {get: {responses: {\"200\": {description: OK}}}}}\n",
		"no paths":     "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\npaths: {}\n",
		"dangling ref": strings.Replace(diffBase, "#/components/schemas/Thing'}\n        \"404\"", "#/components/schemas/Nope'}\n        \"404\"", 1),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadForDiff([]byte(data), "specs/"+name+".yaml")
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "specs/"+name+".yaml: "), err.Error())
		})
	}
}

func TestDiffOfTheWholeUpstreamAgainstTheFragment(t *testing.T) {
	t.Parallel()
	up := loadForDiff(t, readUpstream(t), upstreamPath())
	r, err := Diff(up, loadForDiff(t, Fragment, "fragment"), deferID)
	require.NoError(t, err)
	// The fragment is the upstream's operation plus the errata overlay, whose
	// one action makes ApiError.parameters items any value: that, in every
	// error response, is the whole difference.
	require.NotEmpty(t, r.Breaking)
	assert.Empty(t, r.NonBreaking)
	for _, c := range r.Breaking {
		assert.Equal(t, KindTypeChanged, c.Kind)
		assert.True(t, strings.HasSuffix(c.Location, "/schema/properties/parameters/items/type"), c.Location)
	}
}

func TestDiffIsDeterministic(t *testing.T) {
	t.Parallel()
	old := loadForDiff(t, readTestdata(t, "history/defer-2025-03-12.yaml"), "old")
	cur := loadForDiff(t, Fragment, "new")
	first, err := Diff(old, cur, deferID)
	require.NoError(t, err)
	for range 5 {
		again, err := Diff(old, cur, deferID)
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
	all := append(append([]Change{}, first.Breaking...), first.NonBreaking...)
	for _, list := range [][]Change{first.Breaking, first.NonBreaking} {
		for i := 1; i < len(list); i++ {
			assert.LessOrEqual(t, list[i-1].Location, list[i].Location, "sorted by location")
		}
	}
	assert.NotEmpty(t, all)
}

func TestDiffReportWriters(t *testing.T) {
	t.Parallel()
	r := &DiffReport{
		Operation:   "postThing",
		Breaking:    []Change{{Kind: KindResponseStatusRemoved, Breaking: true, Location: "responses/404", Message: "response status 404 removed"}},
		NonBreaking: nil,
	}
	var text bytes.Buffer
	require.NoError(t, r.WriteText(&text, "old.yaml", "new.yaml"))
	assert.Equal(t, `diff of operation postThing: old.yaml -> new.yaml
breaking (1):
  response-status-removed  responses/404: response status 404 removed
non-breaking (0):
  none
summary: 1 breaking, 0 non-breaking
`, text.String())

	var js bytes.Buffer
	require.NoError(t, r.WriteJSON(&js))
	var decoded map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &decoded))
	assert.Equal(t, map[string]any{
		"operation": "postThing",
		"breaking": []any{map[string]any{
			"kind": "response-status-removed", "breaking": true, "location": "responses/404", "message": "response status 404 removed",
		}},
		"nonBreaking": []any{},
	}, decoded, "stable field names; an empty list is [], not null")

	text.Reset()
	require.NoError(t, (&DiffReport{Operation: "x"}).WriteText(&text, "a", "b"))
	assert.Contains(t, text.String(), "summary: no changes\n")
}
