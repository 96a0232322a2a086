// Package oaschema validates JSON values against the schemas of an OpenAPI
// 3.0 document as a response validator should: the discriminator selects
// one branch, nullable, readOnly and writeOnly mean what OpenAPI 3.0 says,
// and a violation says what is wrong without quoting the value.
//
// New takes a document as kin-openapi loads it; Schemas.Validator compiles
// a schema on first use and keeps it.
// Validator.Validate returns the violations of a value as encoding/json
// decodes it, each with an RFC 6901 pointer.
//
// A schema is translated to JSON Schema 2020-12 (translate.go), plus three
// keywords of this package for what plain JSON Schema says only slowly (the
// discriminator, writeOnly in a response, a oneOf or anyOf that skips the
// branches an enum rules out), and compiled to a small evaluator of that
// closed set of keywords (engine.go), which on a valid value allocates only
// the few slices that track where it is. The tests hold it to
// santhosh-tekuri/jsonschema and to AJV on the same translation in plain
// JSON Schema.
//
// The translation of the OpenAPI 3.0 dialect:
//
//	keyword               treatment
//	type                  type; a schema that states none and composes nothing rejects null
//	nullable: true        adds null to type and enum; a schema that composes others
//	                      (allOf, oneOf, anyOf, not) accepts null before them
//	discriminator         with oneOf or anyOf: the property's value selects one branch
//	                      (mapping, or a branch's schema name) and only that branch is
//	                      validated; a value that maps to no branch is a violation; a
//	                      branch's allOf reference to its parent applies the parent
//	                      without its oneOf/anyOf. Without oneOf or anyOf: ignored
//	oneOf, anyOf          as JSON Schema; branches whose enum of a common property rules
//	                      the value out are skipped (same verdict, less work); a failure
//	                      reports the closest branch's violations, or one line on a tie
//	allOf, not            as JSON Schema
//	readOnly              nothing (it constrains requests)
//	writeOnly             the property must be absent (or null) in a response, and is
//	                      not required of one
//	format                byte, date, date-time (strings), int32, int64 (integers), with
//	                      kin-openapi v0.153.0's default rules; other formats are not
//	                      checked, as kin-openapi does not check them by default
//	pattern               ECMAScript, through internal/ecmaregexp
//	minimum, maximum,     as JSON Schema; a boolean exclusiveMinimum/exclusiveMaximum
//	exclusive*, multipleOf  (3.0 style) makes minimum/maximum exclusive
//	minLength, maxLength  as JSON Schema (code points, as kin-openapi counts in effect)
//	items, min/maxItems,  as JSON Schema
//	uniqueItems
//	properties, required, as JSON Schema; additionalProperties allows any by default
//	additionalProperties,
//	min/maxProperties
//	enum                  as JSON Schema
//	$ref                  its siblings are ignored, as OpenAPI 3.0 says; a schema that
//	                      applies itself to the same value again (a cycle of $ref, allOf,
//	                      oneOf…) is skipped the second time, as kin-openapi does
//	default, example, title, description, externalDocs, xml, deprecated, x-*: ignored
//
// Where the verdicts can part from kin-openapi's (VisitJSON with MultiErrors
// and VisitAsResponse): a discriminator without mapping selects by schema
// name (kin-openapi tries every branch); a branch judged on its own applies
// its parent without the parent's discriminator (kin-openapi dispatches
// again, to whichever branch the value names); multipleOf compares the
// decimals exactly (kin-openapi tolerates float error); null against a schema with a type that also composes others
// is judged by the type (kin-openapi lets the composition decide); a
// required writeOnly property is excused by the schemas around it only
// when they are inline (kin-openapi also looks through $refs). Violations
// of additionalProperties point at the property, and reasons name no value.
//
// The translation can also be written as plain JSON Schema (the portable
// translator), with the discriminator in the form AJV's discriminator option
// reads: the tests hold the evaluator to other validators through it.
package oaschema
