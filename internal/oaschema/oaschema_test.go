package oaschema_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/internal/oaschema"
)

// schemasOf loads an OpenAPI 3.0 document whose components/schemas are
// the YAML given (indented by four spaces).
func schemasOf(t *testing.T, components string) *oaschema.Schemas {
	t.Helper()
	src := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n" + components
	doc, err := openapi3.NewLoader().LoadFromData([]byte(src))
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	s, err := oaschema.New(doc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func decode(t *testing.T, body string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("test body %s: %v", body, err)
	}
	return v
}

func render(vs []oaschema.Violation) string {
	var lines []string
	for _, v := range vs {
		lines = append(lines, v.Pointer+": "+v.Reason)
	}
	return strings.Join(lines, "\n")
}

type bodyCase struct {
	body string
	want string // the violations, one "pointer: reason" a line; "" when valid
}

func checkBodies(t *testing.T, s *oaschema.Schemas, name string, cases []bodyCase) {
	t.Helper()
	v, err := s.ValidatorAt("#/components/schemas/" + name)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if got := render(v.Validate(decode(t, c.body))); got != c.want {
			t.Errorf("%s: %s\n got: %s\nwant: %s", name, c.body, got, c.want)
		}
	}
}

// The Atlas pattern: a parent whose discriminator selects among branches
// that each inherit the parent through allOf.
const regionConfig = `
    RegionConfig:
      type: object
      discriminator:
        propertyName: providerName
        mapping:
          AWS: '#/components/schemas/AWSRegionConfig'
          AZURE: '#/components/schemas/AzureRegionConfig'
      oneOf:
        - $ref: '#/components/schemas/AWSRegionConfig'
        - $ref: '#/components/schemas/AzureRegionConfig'
      required: [providerName]
      properties:
        providerName: {type: string, enum: [AWS, AZURE, GCP]}
        priority: {type: integer, minimum: 0, maximum: 7}
    AWSRegionConfig:
      type: object
      allOf:
        - $ref: '#/components/schemas/RegionConfig'
        - type: object
          properties:
            ebsVolumeType: {type: string, enum: [STANDARD, PROVISIONED]}
    AzureRegionConfig:
      type: object
      allOf:
        - $ref: '#/components/schemas/RegionConfig'
        - type: object
          properties:
            diskType: {type: string, enum: [P4, P6]}
`

func TestDiscriminatorSelectsOneBranch(t *testing.T) {
	s := schemasOf(t, regionConfig)
	checkBodies(t, s, "RegionConfig", []bodyCase{
		{`{"providerName":"AWS","priority":7,"ebsVolumeType":"STANDARD"}`, ""},
		// Valid for both branches: the discriminator says which one counts.
		{`{"providerName":"AZURE","priority":7}`, ""},
		// Only the selected branch is judged: an Azure field on an AWS
		// region is an unknown property, allowed.
		{`{"providerName":"AWS","diskType":"nonsense"}`, ""},
		{`{"providerName":"AZURE","diskType":"P5"}`, "/diskType: value is not one of the schema's enum (P4, P6)"},
		{`{"providerName":"AWS","priority":9,"ebsVolumeType":"GP3"}`,
			"/ebsVolumeType: value is not one of the schema's enum (STANDARD, PROVISIONED)\n/priority: number is greater than the maximum 7"},
		{`{"providerName":"GCP"}`, "/providerName: the discriminator value maps to no branch (want AWS, AZURE, AWSRegionConfig, AzureRegionConfig)"},
		{`{"providerName":"TENANT"}`, "/providerName: the discriminator value maps to no branch (want AWS, AZURE, AWSRegionConfig, AzureRegionConfig)"},
		{`{"priority":1}`, "/providerName: missing property providerName"},
		{`{"providerName":5}`, "/providerName: got number, want string"},
		{`"AWS"`, ": got string, want object"},
	})
	// A branch judged on its own inherits the parent's properties.
	checkBodies(t, s, "AWSRegionConfig", []bodyCase{
		{`{"providerName":"AWS","priority":3}`, ""},
		{`{"providerName":"AWS","priority":-1}`, "/priority: number is less than the minimum 0"},
		{`{"priority":3}`, "/providerName: missing property providerName"},
	})
}

// A schema that applies itself to the same value through allOf is skipped
// the second time, as kin-openapi does, instead of recursing for ever.
func TestSameValueCycles(t *testing.T) {
	s := schemasOf(t, `
    A:
      allOf: [{$ref: '#/components/schemas/B'}]
      properties:
        x: {type: string}
    B:
      allOf: [{$ref: '#/components/schemas/A'}]
      properties:
        y: {type: integer}
    Tree:
      type: object
      properties:
        children: {type: array, items: {$ref: '#/components/schemas/Tree'}}
        name: {type: string}
`)
	checkBodies(t, s, "A", []bodyCase{
		{`{"x":"a","y":1}`, ""},
		{`{"x":1,"y":"b"}`, "/x: got number, want string\n/y: got string, want integer"},
	})
	// Recursion into the value's parts is no cycle.
	checkBodies(t, s, "Tree", []bodyCase{
		{`{"name":"r","children":[{"name":"a","children":[{"name":1}]}]}`, "/children/0/children/0/name: got number, want string"},
	})
}

func TestDiscriminatorWithoutMappingUsesSchemaNames(t *testing.T) {
	s := schemasOf(t, `
    Pet:
      discriminator: {propertyName: petType}
      anyOf:
        - $ref: '#/components/schemas/Cat'
        - $ref: '#/components/schemas/Dog'
    Cat:
      type: object
      required: [petType, lives]
      properties:
        petType: {type: string}
        lives: {type: integer}
    Dog:
      type: object
      required: [petType, bark]
      properties:
        petType: {type: string}
        bark: {type: boolean}
`)
	checkBodies(t, s, "Pet", []bodyCase{
		{`{"petType":"Cat","lives":9}`, ""},
		{`{"petType":"Dog","bark":true}`, ""},
		{`{"petType":"Dog","lives":9}`, "/bark: missing property bark"},
		{`{"petType":"cat","lives":9}`, "/petType: the discriminator value maps to no branch (want Cat, Dog)"},
	})
}

func TestNullable(t *testing.T) {
	s := schemasOf(t, `
    Box:
      type: object
      properties:
        name: {type: string}
        note: {type: string, nullable: true}
        level: {type: string, enum: [LOW, HIGH], nullable: true}
        anything: {}
        child:
          nullable: true
          allOf: [{$ref: '#/components/schemas/Child'}]
        strictChild: {$ref: '#/components/schemas/Child'}
    Child:
      type: object
      required: [id]
      properties:
        id: {type: string}
`)
	checkBodies(t, s, "Box", []bodyCase{
		{`{"note":null,"level":null,"child":null,"anything":0}`, ""},
		{`{"level":"HIGH","child":{"id":"a"},"anything":{"x":[1]}}`, ""},
		{`{"name":null}`, "/name: got null, want string"},
		{`{"anything":null}`, "/anything: got null, but the schema is not nullable"},
		{`{"level":"MEDIUM"}`, "/level: value is not one of the schema's enum (LOW, HIGH, null)"},
		{`{"child":{}}`, "/child/id: missing property id"},
		{`{"strictChild":null}`, "/strictChild: got null, want object"},
	})
}

func TestReadOnlyAndWriteOnlyAsInAResponse(t *testing.T) {
	s := schemasOf(t, `
    User:
      type: object
      required: [id, password, name]
      properties:
        id: {type: string, readOnly: true}
        password: {type: string, writeOnly: true}
        secret: {$ref: '#/components/schemas/Secret'}
        name: {type: string}
    Secret:
      type: string
      writeOnly: true
    Admin:
      allOf:
        - $ref: '#/components/schemas/User'
        - required: [password, level]
          properties:
            level: {type: integer}
`)
	checkBodies(t, s, "User", []bodyCase{
		// A writeOnly property is not required of a response.
		{`{"id":"u1","name":"n"}`, ""},
		// A readOnly one is.
		{`{"name":"n"}`, "/id: missing property id"},
		// Null is no value, but it must still satisfy the schema.
		{`{"id":"u1","name":"n","password":null}`, "/password: got null, want string"},
		{`{"id":"u1","name":"n","password":"hunter2","secret":"s3"}`,
			"/password: writeOnly property in a response\n/secret: writeOnly property in a response"},
		// Present, it is still checked against its schema.
		{`{"id":"u1","name":"n","password":5}`, "/password: got number, want string\n/password: writeOnly property in a response"},
	})
	checkBodies(t, s, "Admin", []bodyCase{
		{`{"id":"u1","name":"n","level":1}`, ""},
	})
}

func TestFormatsAsKinOpenAPIDefaults(t *testing.T) {
	s := schemasOf(t, `
    F:
      type: object
      properties:
        at: {type: string, format: date-time}
        day: {type: string, format: date}
        blob: {type: string, format: byte}
        n32: {type: integer, format: int32}
        n64: {type: integer, format: int64}
        ratio: {type: number, format: int32}
        mail: {type: string, format: email}
        id: {type: string, format: uuid}
        addr: {type: string, format: ipv4}
`)
	checkBodies(t, s, "F", []bodyCase{
		{`{"at":"2026-08-10T03:10:46Z","day":"2024-02-29","blob":"U3dhZ2dlciByb2Nrcw==","n32":2147483647,"n64":9007199254740993}`, ""},
		// Formats kin-openapi does not check by default are not checked.
		{`{"mail":"not an address","id":"not a uuid","addr":"999.1.1.1","ratio":1e12}`, ""},
		{`{"at":"2026-08-10 03:10:46"}`, "/at: string is not an RFC 3339 date-time"},
		{`{"at":"2026-02-30T00:00:00Z"}`, "/at: string is not an RFC 3339 date-time"},
		{`{"day":"2023-02-29"}`, "/day: string is not an RFC 3339 full-date (YYYY-MM-DD)"},
		{`{"blob":"a b"}`, "/blob: string is not base64 (format byte)"},
		{`{"n32":2147483648}`, "/n32: integer is out of the int32 range"},
		{`{"n64":1e19}`, "/n64: integer is out of the int64 range"},
		{`{"n32":1.5}`, "/n32: got number, want integer"},
	})
}

func TestNumbersStringsArraysObjects(t *testing.T) {
	s := schemasOf(t, `
    N:
      type: object
      additionalProperties: false
      properties:
        pct: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 100, exclusiveMaximum: true}
        step: {type: number, multipleOf: 0.1}
        code: {type: string, minLength: 2, maxLength: 3, pattern: '^(?!XX)[A-Z]+$'}
        tags: {type: array, minItems: 1, maxItems: 2, uniqueItems: true, items: {type: string}}
        meta:
          type: object
          minProperties: 1
          additionalProperties: {type: integer}
`)
	checkBodies(t, s, "N", []bodyCase{
		{`{"pct":50,"step":0.3,"code":"AB","tags":["a"],"meta":{"k":1}}`, ""},
		{`{"pct":0}`, "/pct: number is not greater than the exclusive minimum 0"},
		{`{"pct":100}`, "/pct: number is not less than the exclusive maximum 100"},
		{`{"step":0.25}`, "/step: number is not a multiple of 0.1"},
		{`{"code":"XXA"}`, "/code: string does not match the pattern ^(?!XX)[A-Z]+$"},
		{`{"code":"ABCD"}`, "/code: string has 4 characters, more than maxLength 3"},
		{`{"tags":[]}`, "/tags: array has 0 items, fewer than minItems 1"},
		{`{"tags":["a","a"]}`, "/tags: array items 0 and 1 are equal, but uniqueItems is true"},
		{`{"tags":["a",1]}`, "/tags/1: got number, want string"},
		{`{"meta":{}}`, "/meta: object has 0 properties, fewer than minProperties 1"},
		{`{"meta":{"k":"v"}}`, "/meta/k: got string, want integer"},
		{`{"extra~/x":1}`, "/extra~0~1x: property not allowed: additionalProperties is false"},
	})
}

func TestRefSiblingsAreIgnored(t *testing.T) {
	s := schemasOf(t, `
    Holder:
      type: object
      properties:
        count:
          $ref: '#/components/schemas/Count'
          type: string
          nullable: true
    Count: {type: integer}
`)
	checkBodies(t, s, "Holder", []bodyCase{
		{`{"count":3}`, ""},
		{`{"count":"3"}`, "/count: got string, want integer"},
		{`{"count":null}`, "/count: got null, want integer"},
	})
}

// Annotations and extensions do not judge: an example or a default that
// breaks the schema, x-* keywords, externalDocs, xml.
func TestAnnotationsAreIgnored(t *testing.T) {
	s := schemasOf(t, `
    Note:
      type: object
      title: A note
      description: Free text.
      deprecated: true
      example: {text: 5}
      externalDocs: {url: 'https://example.com'}
      xml: {name: note}
      x-xgen-owner: nobody
      properties:
        text: {type: string, default: 7, example: 8, x-sunset: '2026-01-01'}
`)
	checkBodies(t, s, "Note", []bodyCase{
		{`{"text":"hello"}`, ""},
		{`{}`, ""},
		{`{"text":5}`, "/text: got number, want string"},
	})
}

func TestOneOfWithoutDiscriminator(t *testing.T) {
	s := schemasOf(t, `
    Shape:
      oneOf:
        - $ref: '#/components/schemas/Circle'
        - $ref: '#/components/schemas/Square'
    Circle:
      type: object
      required: [radius]
      properties:
        radius: {type: number}
        color: {type: string}
    Square:
      type: object
      required: [side, color]
      properties:
        side: {type: number}
        color: {type: string}
    Size:
      oneOf:
        - {type: string, enum: [S, M]}
        - {type: string, enum: [M, L]}
`)
	checkBodies(t, s, "Shape", []bodyCase{
		{`{"radius":1}`, ""},
		{`{"side":1,"color":"red"}`, ""},
		{`{"radius":1,"side":1,"color":"red"}`, ": value matches more than one oneOf branch (Circle and Square)"},
		// The closest branch tells what is wrong.
		{`{"side":1,"color":5}`, "/color: got number, want string (in oneOf branch Square, the closest of 2)"},
		// Two branches as close: one line.
		{`{"color":"red"}`, ": value matches no oneOf branch (Circle, Square)"},
	})
	checkBodies(t, s, "Size", []bodyCase{
		{`"S"`, ""},
		{`"M"`, ": value matches more than one oneOf branch (oneOf/0 and oneOf/1)"},
		{`"XL"`, ": value matches no oneOf branch (oneOf/0, oneOf/1)"},
	})
}

// Branches that name their values of a common property in an enum: the
// others are not evaluated, and the verdict is that of the whole oneOf.
func TestOneOfSelectedByAnEnumProperty(t *testing.T) {
	s := schemasOf(t, `
    Alert:
      oneOf:
        - $ref: '#/components/schemas/HostAlert'
        - $ref: '#/components/schemas/ClusterAlert'
        - $ref: '#/components/schemas/AnyAlert'
    HostAlert:
      type: object
      required: [eventTypeName, hostname]
      properties:
        eventTypeName: {$ref: '#/components/schemas/HostEvent'}
        hostname: {type: string}
    HostEvent: {type: string, enum: [HOST_DOWN, HOST_UP]}
    ClusterAlert:
      type: object
      required: [eventTypeName, clusterName]
      properties:
        eventTypeName: {type: string, enum: [CLUSTER_MONGOS_IS_MISSING]}
        clusterName: {type: string}
    AnyAlert:
      type: object
      required: [eventTypeName, other]
      properties:
        eventTypeName: {type: string, enum: [OTHER, HOST_UP], nullable: true}
        other: {type: boolean}
`)
	checkBodies(t, s, "Alert", []bodyCase{
		{`{"eventTypeName":"HOST_DOWN","hostname":"h"}`, ""},
		{`{"eventTypeName":"CLUSTER_MONGOS_IS_MISSING","clusterName":"c"}`, ""},
		{`{"eventTypeName":null,"other":true}`, ""},
		{`{"eventTypeName":"HOST_DOWN"}`, "/hostname: missing property hostname (in oneOf branch HostAlert, the closest of 3)"},
		{`{"eventTypeName":"HOST_UP","hostname":"h","other":false}`, ": value matches more than one oneOf branch (HostAlert and AnyAlert)"},
		{`{"eventTypeName":"NEW_EVENT"}`,
			"/eventTypeName: value is not one that any oneOf branch allows (want HOST_DOWN, HOST_UP, CLUSTER_MONGOS_IS_MISSING, OTHER, HOST_UP, null)"},
		{`{"hostname":"h"}`, "/eventTypeName: missing property eventTypeName"},
		{`[]`, ": value matches no oneOf branch (HostAlert, ClusterAlert, AnyAlert)"},
	})
}

func TestReasonsNeverQuoteTheValue(t *testing.T) {
	s := schemasOf(t, regionConfig+`
    Secretive:
      type: object
      additionalProperties: false
      required: [a]
      properties:
        a: {type: integer}
        b: {type: string, enum: [X], maxLength: 1, pattern: '^x$', format: date-time}
        c: {type: number, maximum: 1}
        d: {$ref: '#/components/schemas/RegionConfig'}
        e: {type: string, format: byte}
        f:
          oneOf: [{type: integer}, {type: boolean}]
`)
	const secret = "hunter2-SECRET"
	body := fmt.Sprintf(`{"a":%q,"b":%q,"c":12345.678,"d":{"providerName":%q},"e":%q,"f":%q,%q:1}`, secret, secret, secret, secret+" !", secret, secret)
	v, err := s.ValidatorAt("#/components/schemas/Secretive")
	if err != nil {
		t.Fatal(err)
	}
	vs := v.Validate(decode(t, body))
	if len(vs) < 7 {
		t.Fatalf("want a violation for each property, got:\n%s", render(vs))
	}
	for _, x := range vs {
		if strings.Contains(x.Reason, "SECRET") || strings.Contains(x.Reason, "12345") {
			t.Errorf("%s: the reason quotes the value: %s", x.Pointer, x.Reason)
		}
	}
}

func TestValidatorAtPointers(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: '^[a-f0-9]{24}$'}}
    get:
      responses:
        '200':
          description: ok
          headers:
            RateLimit-Limit: {schema: {type: integer}}
          content:
            application/vnd.atlas.2023-01-01+json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/Thing'}}
        '404': {$ref: '#/components/responses/notFound'}
components:
  responses:
    notFound:
      description: nf
      content:
        application/json:
          schema: {$ref: '#/components/schemas/ApiError'}
  schemas:
    Thing:
      type: object
      properties:
        tags:
          type: array
          items: {type: string, enum: [A]}
    ApiError:
      type: object
      required: [errorCode]
      properties:
        errorCode: {type: string}
`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := oaschema.New(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ ptr, body, want string }{
		{`#/components/schemas/ApiError`, `{}`, "/errorCode: missing property errorCode"},
		{`#/paths/~1things~1{id}/get/responses/404/content/application~1json/schema`, `{}`, "/errorCode: missing property errorCode"},
		{`#/paths/~1things~1%7Bid%7D/get/responses/404/content/application~1json/schema`, `{}`, "/errorCode: missing property errorCode"},
		{`#/paths/~1things~1{id}/get/responses/200/content/application~1vnd.atlas.2023-01-01+json/schema`,
			`{"items":[{"tags":["A","B"]}]}`, "/items/0/tags/1: value is not one of the schema's enum (A)"},
		{`#/paths/~1things~1{id}/get/responses/200/content/application~1vnd.atlas.2023-01-01+json/schema/properties/items/items`,
			`{"tags":"A"}`, "/tags: got string, want array"},
		{`#/paths/~1things~1{id}/get/responses/200/headers/RateLimit-Limit/schema`, `"5"`, ": got string, want integer"},
		{`#/paths/~1things~1{id}/parameters/0/schema`, `"xyz"`, ": string does not match the pattern ^[a-f0-9]{24}$"},
		{`#/components/schemas/Thing/properties/tags/items`, `"B"`, ": value is not one of the schema's enum (A)"},
	} {
		v, err := s.ValidatorAt(c.ptr)
		if err != nil {
			t.Errorf("%s: %v", c.ptr, err)
			continue
		}
		if got := render(v.Validate(decode(t, c.body))); got != c.want {
			t.Errorf("%s: %s\n got: %s\nwant: %s", c.ptr, c.body, got, c.want)
		}
	}
	for _, c := range []struct{ ptr, want string }{
		{`components/schemas/ApiError`, "is not a JSON pointer"},
		{`#/components/schemas/Nope`, "no schema at /components/schemas/Nope"},
		{`#/paths/~1things~1{id}/get/responses/500/content/application~1json/schema`, "no response 500 at"},
		{`#/paths/~1things~1{id}/post/responses/200`, "no operation post at"},
		{`#/paths/~1things~1{id}/get/responses/200/content/text~1plain/schema`, "no media type text/plain at"},
		{`#/components/schemas/Thing/properties/nope`, "no schema at"},
		{`#/components/schemas/Thing/title`, "no schema keyword properties, items"},
		{`#/paths/~1things~1{id}/get/responses/200`, "ends before reaching"},
	} {
		if _, err := s.ValidatorAt(c.ptr); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.ptr, err, c.want)
		}
	}
}

func TestCompileErrorsNameTheSchema(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{`
    Bad:
      type: string
      pattern: '(unclosed'
`, "Bad"},
		{`
    Bad:
      discriminator:
        propertyName: kind
        mapping: {a: '#/components/schemas/Missing'}
      oneOf: [{$ref: '#/components/schemas/A'}]
    A: {type: object}
`, `discriminator mapping a: "#/components/schemas/Missing" is no schema`},
	} {
		s := schemasOf(t, c.yaml)
		_, err := s.ValidatorAt("#/components/schemas/Bad")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error naming %q", err, c.want)
		}
		// The error is kept: asking again gives it again.
		if _, err2 := s.ValidatorAt("#/components/schemas/Bad"); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("second compile: got %v, want %v", err2, err)
		}
	}
}

func TestOnlyOpenAPI30(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oaschema.New(doc); err == nil || !strings.Contains(err.Error(), "only 3.0") {
		t.Errorf("got %v, want a refusal of OpenAPI 3.1", err)
	}
}

func TestJSONSchemaIsPlainJSONSchema(t *testing.T) {
	s := schemasOf(t, regionConfig+`
    Login:
      type: object
      properties:
        password: {type: string, writeOnly: true}
`)
	out, err := s.JSONSchema("#/components/schemas/RegionConfig", "#/components/schemas/Login")
	if err != nil {
		t.Fatal(err)
	}
	// The same document, translated again: the same bytes.
	again, err := schemasOf(t, regionConfig+`
    Login:
      type: object
      properties:
        password: {type: string, writeOnly: true}
`).JSONSchema("#/components/schemas/RegionConfig", "#/components/schemas/Login")
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("a second translation differs (%v)", err)
	}
	var doc struct {
		Defs  map[string]map[string]any `json:"$defs"`
		Roots map[string]string         `json:"x-roots"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Roots["#/components/schemas/RegionConfig"]; got != "#/$defs/RegionConfig" {
		t.Errorf("x-roots: got %q", got)
	}
	for key, def := range doc.Defs {
		text, _ := json.Marshal(def)
		if strings.Contains(string(text), "x-oas-") {
			t.Errorf("%s uses this package's vocabulary: %s", key, text)
		}
	}
	text, _ := json.Marshal(doc.Defs["RegionConfig"])
	for _, want := range []string{
		`"discriminator":{"propertyName":"providerName"}`,
		`{"$ref":"#/$defs/AWSRegionConfig","properties":{"providerName":{"enum":["AWS","AWSRegionConfig"]}},"required":["providerName"]}`,
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("RegionConfig lacks %s:\n%s", want, text)
		}
	}
	// The branch inherits the parent without its oneOf.
	if text, _ := json.Marshal(doc.Defs["AWSRegionConfig"]); !strings.Contains(string(text), `{"$ref":"#/$defs/RegionConfig-base"}`) {
		t.Errorf("AWSRegionConfig does not inherit RegionConfig-base: %s", text)
	}
	if text, _ := json.Marshal(doc.Defs["Login"]); !strings.Contains(string(text), `"password":{"allOf":[{"type":"string"}],"type":"null"}`) {
		t.Errorf("Login's writeOnly password: %s", text)
	}
}

func TestConcurrentUse(t *testing.T) {
	// A look-ahead: the pattern goes to regexp2.
	s := schemasOf(t, strings.Replace(regionConfig, "priority: {type: integer, minimum: 0, maximum: 7}",
		"priority: {type: integer, minimum: 0, maximum: 7}\n        name: {type: string, pattern: '^(?!.*--)[a-z-]+$'}", 1))
	bodies := []string{`{"providerName":"AWS","name":"a-b"}`, `{"providerName":"GCP"}`, `{"providerName":"AZURE","diskType":"P5"}`, `{"providerName":"AWS","name":"a--b"}`}
	names := []string{"RegionConfig", "AWSRegionConfig", "AzureRegionConfig"}
	var wg sync.WaitGroup
	results := make([][]string, 8)
	for g := range results {
		wg.Go(func() {
			for i := range 50 {
				v, err := s.ValidatorAt("#/components/schemas/" + names[(g+i)%len(names)])
				if err != nil {
					t.Error(err)
					return
				}
				if names[(g+i)%len(names)] == "RegionConfig" {
					results[g] = append(results[g], render(v.Validate(decode(t, bodies[i%len(bodies)]))))
				}
			}
		})
	}
	wg.Wait()
	for g := range results {
		for _, r := range results[g] {
			if !slices.Contains([]string{"", "/providerName: the discriminator value maps to no branch (want AWS, AZURE, AWSRegionConfig, AzureRegionConfig)", "/diskType: value is not one of the schema's enum (P4, P6)", "/name: string does not match the pattern ^(?!.*--)[a-z-]+$"}, r) {
				t.Errorf("unexpected verdict: %s", r)
			}
		}
	}
}
