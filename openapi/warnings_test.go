package openapi

import (
	"maps"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checked loads a small document with kin-openapi and checks it as a
// published spec is checked.
func checked(t *testing.T, doc string) (*openapi3.T, []Warning, error) {
	t.Helper()
	loaded, err := openapi3.NewLoader().LoadFromData([]byte(doc))
	require.NoError(t, err)
	warnings, err := checkDocument(loaded, "doc.yaml")
	return loaded, warnings, err
}

func TestPathConflicts(t *testing.T) {
	t.Parallel()
	doc, warnings, err := checked(t, `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
    /a/{id}/x:
        get:
            operationId: getById
            parameters:
                - {in: path, name: id, required: true, schema: {type: string, pattern: "^[0-9]+$"}}
            responses: {"200": {description: ok}}
    /a/{name}/x:
        parameters:
            - {in: query, name: q, schema: {type: string}}
        get:
            operationId: getByName
            responses: {"200": {description: ok}}
        post:
            operationId: postByName
            parameters:
                - $ref: '#/components/parameters/name'
            responses: {"200": {description: ok}}
components:
    parameters:
        name: {in: path, name: name, required: true, schema: {type: string}}
`)
	require.NoError(t, err, "the conflict is resolved, not refused")
	require.Len(t, warnings, 2)
	assert.Equal(t, Warning{Code: WarnPathConflict, Pointer: "/paths/~1a~1{name}~1x/get", Operation: "getByName",
		Message: "/a/{id}/x and /a/{name}/x differ only in parameter names and both declare GET; the operation under /a/{name}/x is dropped, as no request can reach it"}, warnings[0])
	assert.Equal(t, Warning{Code: WarnPathConflict, Pointer: "/paths/~1a~1{name}~1x/post", Operation: "postByName",
		Message: `/a/{id}/x and /a/{name}/x differ only in parameter names, which OpenAPI forbids; POST /a/{name}/x is served under /a/{id}/x, its path parameter "name" as "id"`}, warnings[1])
	assert.Equal(t, []string{"/a/{id}/x"}, slices.Collect(maps.Keys(doc.Paths.Map())))
	post := doc.Paths.Value("/a/{id}/x").Post
	require.NotNil(t, post)
	assert.Equal(t, "/a/{name}/x", post.Extensions[OriginalPathExtension])
	assert.NotNil(t, post.Parameters.GetByInAndName(openapi3.ParameterInQuery, "q"), "the path item's parameters come along")
	assert.NotNil(t, post.Parameters.GetByInAndName(openapi3.ParameterInPath, "id"))
	assert.Equal(t, "name", doc.Components.Parameters["name"].Value.Name, "the shared component is not renamed")
}

func TestExampleWarnings(t *testing.T) {
	t.Parallel()
	_, warnings, err := checked(t, `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
    /things:
        post:
            operationId: createThing
            requestBody:
                content:
                    application/json:
                        schema: {$ref: '#/components/schemas/Thing'}
                        examples:
                            good: {value: {name: a}}
                            sendsId: {value: {id: "1", name: a}}
            responses:
                "200":
                    description: ok
                    content:
                        application/json:
                            schema: {$ref: '#/components/schemas/Thing'}
                            example: {id: "1", name: a}
                "400": {$ref: '#/components/responses/bad'}
        get:
            operationId: listThings
            responses:
                "400": {$ref: '#/components/responses/bad'}
components:
    responses:
        bad:
            description: bad
            content:
                application/json:
                    schema: {type: object, properties: {code: {type: integer}}}
                    example: {code: nope}
    schemas:
        Thing:
            type: object
            required: [name]
            properties:
                id: {type: string, readOnly: true}
                name: {type: string, example: 3}
`)
	require.NoError(t, err, "invalid examples do not refuse the spec")
	var got []string
	for _, w := range warnings {
		assert.Equal(t, WarnInvalidExample, w.Code)
		got = append(got, w.Operation+" "+w.Pointer+": "+w.Message)
	}
	assert.Equal(t, []string{
		` /components/responses/bad/content/application~1json/example: the example does not match its schema: /code: value must be an integer`,
		`createThing /paths/~1things/post/requestBody/content/application~1json/examples/sendsId: example "sendsId" does not match its schema: /id: readOnly property "id" in request`,
		` /components/schemas/Thing/properties/name/example: the example does not match its schema: /: value must be a string`,
	}, got, "each once, under the component that holds it; a response's readOnly id is fine")
}
