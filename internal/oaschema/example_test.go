package oaschema_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/internal/oaschema"
)

func ExampleSchemas_Validator() {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.1
info: {title: Atlas, version: '2.0'}
paths: {}
components:
  schemas:
    ApiError:
      type: object
      required: [error, errorCode]
      properties:
        detail: {type: string, nullable: true}
        error: {type: integer, format: int32, readOnly: true}
        errorCode: {type: string, readOnly: true}
        reason: {type: string, nullable: true}
`))
	if err != nil {
		log.Fatal(err)
	}
	schemas, err := oaschema.New(doc)
	if err != nil {
		log.Fatal(err)
	}
	v, err := schemas.Validator(doc.Components.Schemas["ApiError"])
	if err != nil {
		log.Fatal(err)
	}
	var body any
	if err := json.Unmarshal([]byte(`{"detail":5,"error":"400","reason":"Bad Request"}`), &body); err != nil {
		log.Fatal(err)
	}
	for _, x := range v.Validate(body) {
		fmt.Printf("%s: %s\n", x.Pointer, x.Reason)
	}
	// Output:
	// /detail: got number, want string or null
	// /error: got string, want integer
	// /errorCode: missing property errorCode
}
