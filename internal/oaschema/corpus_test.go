package oaschema_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/internal/oaschema"
	"github.com/atlascontract/deferwindow/openapi"
)

// kinPointers returns the pointers kin-openapi reports for value, the way
// the judge calls it (contract/check.go): VisitJSON with MultiErrors and
// VisitAsResponse (and ECMAScript patterns), its errors flattened as the
// judge flattens them.
func kinPointers(schema *openapi3.Schema, value any) []string {
	err := schema.VisitJSON(value, kinOptions()...)
	var out []string
	var walk func(error)
	walk = func(err error) { // as contract's schemaErrorReasons walks them
		if me, ok := err.(openapi3.MultiError); ok {
			for _, e := range me {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			var b strings.Builder
			for _, tok := range se.JSONPointer() {
				b.WriteString("/" + strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
			}
			out = append(out, b.String())
			return
		}
		var me openapi3.MultiError
		if errors.As(err, &me) {
			walk(me)
			return
		}
		out = append(out, "(not a schema error) "+err.Error())
	}
	if err != nil {
		walk(err)
	}
	return sortedSet(out)
}

func ourPointers(v *oaschema.Validator, value any) []string {
	var out []string
	for _, x := range v.Validate(value) {
		out = append(out, x.Pointer)
	}
	return sortedSet(out)
}

func sortedSet(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// TestSameVerdictsAsKinOpenAPIOnTheProjectCorpus judges every JSON body of
// the shipped recordings and of the rule corpus (and the content of every
// envelope) against every response schema of the defer fragment, with
// kin-openapi and with this package: valid stays valid, and an invalid one
// is invalid at the same pointers.
func TestSameVerdictsAsKinOpenAPIOnTheProjectCorpus(t *testing.T) {
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := oaschema.New(doc)
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		name string
		kin  *openapi3.Schema
		ours *oaschema.Validator
	}
	var targets []target
	seen := map[*openapi3.Schema]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, rr := range op.Responses.Map() {
				for mt, media := range rr.Value.Content {
					if media.Schema == nil || seen[media.Schema.Value] {
						continue
					}
					seen[media.Schema.Value] = true
					v, err := schemas.Validator(media.Schema)
					if err != nil {
						t.Fatal(err)
					}
					targets = append(targets, target{method + " " + path + " " + status + " " + mt, media.Schema.Value, v})
				}
			}
		}
	}
	if len(targets) == 0 {
		t.Fatal("the fragment has no response schema")
	}

	files, err := filepath.Glob("../../contract/recordings/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad, err := filepath.Glob("../../contract/testdata/bad/*")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, bad...)
	var judged, invalid int
	for _, file := range files {
		err := recording.ReadFile(file, recording.Options{}, func(in *recording.Interaction) error {
			var body any
			if json.Unmarshal(in.Response.Body, &body) != nil {
				return nil
			}
			values := map[string]any{"body": body}
			if env, ok := body.(map[string]any); ok && env["content"] != nil {
				values["envelope content"] = env["content"]
			}
			for what, value := range values {
				for _, tg := range targets {
					judged++
					kin, ours := kinPointers(tg.kin, value), ourPointers(tg.ours, value)
					if len(kin) > 0 {
						invalid++
					}
					if !slices.Equal(kin, ours) {
						t.Errorf("%s, %s against %s:\nkin-openapi: %q\n       ours: %q", in.Location(), what, tg.name, kin, ours)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The corpus must exercise both verdicts.
	if judged < 20 || invalid < 5 || invalid == judged {
		t.Fatalf("judged %d values, %d invalid: the corpus is not what this test expects", judged, invalid)
	}
	t.Logf("%d values judged, %d invalid, same verdicts and pointers", judged, invalid)
}
