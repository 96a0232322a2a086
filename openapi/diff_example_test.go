package openapi_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/atlascontract/deferwindow/openapi"
)

func ExampleDiff() {
	const v1 = `openapi: 3.0.1
info: {title: Things, version: "1"}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: OK}
        "404": {description: Not Found.}
`
	// Version 2 renames the operation, drops 404 and adds 429.
	v2 := strings.NewReplacer(
		"operationId: getThing", "operationId: getGroupThing",
		`"404": {description: Not Found.}`, `"429": {description: Too Many Requests.}`,
	).Replace(v1)

	oldDoc, err := openapi.LoadForDiff([]byte(v1), "v1.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	newDoc, err := openapi.LoadForDiff([]byte(v2), "v2.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Asked for by its old name, the operation is found in v2 by its method
	// and path.
	report, err := openapi.Diff(oldDoc, newDoc, "getThing")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := report.WriteText(os.Stdout, "v1.yaml", "v2.yaml"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// diff of operation getThing: v1.yaml -> v2.yaml
	// breaking (2):
	//   operation-id-changed  operationId: operationId changed from "getThing" to "getGroupThing": a client generated from the operationId renames its methods and types
	//   response-status-removed  responses/404: response status 404 removed
	// non-breaking (1):
	//   response-status-added  responses/429: response status 429 added
	// summary: 2 breaking, 1 non-breaking
}
