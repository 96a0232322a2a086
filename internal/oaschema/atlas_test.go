package oaschema_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/internal/ecmaregexp"
	"github.com/atlascontract/deferwindow/internal/oaschema"
	"github.com/atlascontract/deferwindow/openapi"
)

// loadAtlas loads the published spec this module embeds, as upstream
// wrote it (no errata): the bodies are judged against the spec itself.
var loadAtlas = sync.OnceValues(func() (*openapi3.T, error) {
	doc, _, _, err := openapi.LoadAtlas(false)
	return doc, err
})

// atlasSpec returns the published spec (loadAtlas).
func atlasSpec(tb testing.TB) *openapi3.T {
	tb.Helper()
	doc, err := loadAtlas()
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

var atlasSchemas = sync.OnceValues(func() (*oaschema.Schemas, error) {
	doc, err := loadAtlas()
	if err != nil {
		return nil, err
	}
	return oaschema.New(doc)
})

func atlasValidators(tb testing.TB) *oaschema.Schemas {
	tb.Helper()
	atlasSpec(tb)
	s, err := atlasSchemas()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// realBody is one response body of testdata/atlas (see its README).
type realBody struct {
	File   string  `json:"file"`
	Source string  `json:"source"`
	Schema string  `json:"schema"`
	Weight float64 `json:"weight"`
	value  any
	size   int
}

var realBodies = sync.OnceValues(func() ([]realBody, error) {
	data, err := os.ReadFile("testdata/atlas/manifest.json")
	if err != nil {
		return nil, err
	}
	var bodies []realBody
	if err := json.Unmarshal(data, &bodies); err != nil {
		return nil, err
	}
	for i := range bodies {
		data, err := os.ReadFile(filepath.Join("testdata/atlas", bodies[i].File))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &bodies[i].value); err != nil {
			return nil, err
		}
		bodies[i].size = len(data)
		if bodies[i].Schema, err = movedPointer(bodies[i].Schema); err != nil {
			return nil, err
		}
	}
	return bodies, nil
})

// movedPointer follows a pointer into the published spec to where
// openapi.LoadAtlas declares its operation: the one path upstream declares
// under two templates is merged under one (openapi.OriginalPathExtension
// keeps the template it had).
func movedPointer(ptr string) (string, error) {
	doc, err := loadAtlas()
	if err != nil {
		return "", err
	}
	rest, ok := strings.CutPrefix(ptr, "#/paths/")
	if !ok {
		return ptr, nil
	}
	escaped, tail, _ := strings.Cut(rest, "/")
	path := strings.NewReplacer("~1", "/", "~0", "~").Replace(escaped)
	if doc.Paths.Value(path) != nil {
		return ptr, nil
	}
	for p, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Extensions[openapi.OriginalPathExtension] == path {
				return "#/paths/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(p) + "/" + tail, nil
			}
		}
	}
	return ptr, nil
}

func readBodies(tb testing.TB) []realBody {
	tb.Helper()
	bodies, err := realBodies()
	if err != nil {
		tb.Fatal(err)
	}
	return bodies
}

// ajvVerdict is what AJV said of one body (testdata/atlas/ajv-verdicts.json).
type ajvVerdict struct {
	Valid bool     `json:"valid"`
	Paths []string `json:"paths"`
}

func kinOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.MultiErrors(), openapi3.VisitAsResponse(),
		openapi3.SetSchemaRegexCompiler(func(expr string) (openapi3.RegexMatcher, error) { return ecmaregexp.Compile(expr) }),
	}
}

// kinSchema finds the schema a manifest entry names, for kin-openapi.
func kinSchema(tb testing.TB, s *oaschema.Schemas, ptr string) *openapi3.Schema {
	tb.Helper()
	ref, err := oaschema.LookupForTest(s, ptr)
	if err != nil {
		tb.Fatal(err)
	}
	return ref.Value
}

// TestAgreesWithAJVOnRealAtlasBodies judges the real Atlas responses of
// testdata/atlas against the published spec and compares the verdicts with
// AJV's (testdata/atlas/ajv-verdicts.json, produced as its README says): the
// same verdict for every body, every pointer of ours among AJV's, and no
// AJV path away from all of ours. Without -short it also runs kin-openapi
// and logs the three verdicts of every body.
func TestAgreesWithAJVOnRealAtlasBodies(t *testing.T) {
	s := atlasValidators(t)
	bodies := readBodies(t)
	data, err := os.ReadFile("testdata/atlas/ajv-verdicts.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Verdicts map[string]ajvVerdict `json:"verdicts"`
	}
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Verdicts) != len(bodies) {
		t.Fatalf("%d AJV verdicts for %d bodies", len(golden.Verdicts), len(bodies))
	}
	var agree, valid, kinAgree, kinElsewhere int
	for _, b := range bodies {
		ajv, ok := golden.Verdicts[b.File]
		if !ok {
			t.Errorf("%s: no AJV verdict", b.File)
			continue
		}
		v, err := s.ValidatorAt(b.Schema)
		if err != nil {
			t.Fatal(err)
		}
		ours := v.Validate(b.value)
		if (len(ours) == 0) != ajv.Valid {
			t.Errorf("%s: AJV says valid=%v, we say:\n%s", b.File, ajv.Valid, render(ours))
			continue
		}
		agree++
		if ajv.Valid {
			valid++
		}
		for _, x := range ours {
			if !contains(ajv.Paths, x.Pointer) {
				t.Errorf("%s: we report %s (%s), AJV does not", b.File, x.Pointer, x.Reason)
			}
		}
		for _, p := range ajv.Paths {
			if !near(ours, ajv.Paths, p) {
				t.Errorf("%s: AJV reports %s, we report nothing at, above or below it", b.File, p)
			}
		}
		if !testing.Short() {
			kin := kinPointers(kinSchema(t, s, b.Schema), b.value)
			if (len(kin) == 0) == ajv.Valid {
				kinAgree++
			}
			kinWhere := "its pointers among AJV's"
			for _, p := range kin {
				if !contains(ajv.Paths, p) {
					kinWhere = "reports " + p + ", AJV does not"
					kinElsewhere++
					break
				}
			}
			t.Logf("%-80s AJV valid=%-5v ours valid=%-5v (%d violations) kin-openapi valid=%-5v (%s)", b.File, ajv.Valid, len(ours) == 0, len(ours), len(kin) == 0, kinWhere)
		}
	}
	t.Logf("ours: the same verdict as AJV on %d of %d bodies (%d valid, %d invalid), every pointer among AJV's", agree, len(bodies), valid, agree-valid)
	if !testing.Short() {
		t.Logf("kin-openapi: the same verdict as AJV on %d of %d bodies; a pointer AJV does not report on %d", kinAgree, len(bodies), kinElsewhere)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// near reports whether a violation is at p, above or below it, or below a
// place above p where AJV reports a violation too: AJV (allErrors) reports
// the violations of every branch of a oneOf that fails, and we those of the
// closest.
func near(vs []oaschema.Violation, ajvPaths []string, p string) bool {
	under := func(p, a string) bool { return p == a || strings.HasPrefix(p, a+"/") }
	for _, v := range vs {
		if under(p, v.Pointer) || under(v.Pointer, p) {
			return true
		}
		for _, a := range ajvPaths {
			if under(p, a) && under(v.Pointer, a) {
				return true
			}
		}
	}
	return false
}

// TestRegionConfigsJudgedAsTheDiscriminatorMeans: on real cluster bodies,
// kin-openapi says that region configurations match no branch of their
// oneOf; judged through the discriminator, each is judged by its provider's
// branch, and what remains are two faults of the published spec, each
// reported where it is: regionName, a string, is declared type object
// beside a oneOf of string enums, and the hardware specifications are a
// oneOf of three provider schemas that any real value satisfies more than
// one of.
func TestRegionConfigsJudgedAsTheDiscriminatorMeans(t *testing.T) {
	s := atlasValidators(t)
	clusterResponse := regexp.MustCompile(`~1clusters(~1\{clusterName\})?/(get|post|patch)/responses/20[01]/content/application~1vnd\.atlas\.2024-(08-05|10-23)\+json/schema$`)
	regionConfig := regexp.MustCompile(`/regionConfigs/[0-9]+$`)
	inRegionConfig := regexp.MustCompile(`/regionConfigs/[0-9]+/`)
	var bodies, regionViolations int
	for _, b := range readBodies(t) {
		if !clusterResponse.MatchString(b.Schema) {
			continue
		}
		v, err := s.ValidatorAt(b.Schema)
		if err != nil {
			t.Fatal(err)
		}
		bodies++
		if !testing.Short() {
			kinSaid := false
			for _, p := range kinPointers(kinSchema(t, s, b.Schema), b.value) {
				kinSaid = kinSaid || regionConfig.MatchString(p)
			}
			if !kinSaid {
				t.Errorf("%s: kin-openapi no longer fails the region configurations' oneOf; revisit this test", b.File)
			}
		}
		for _, x := range v.Validate(b.value) {
			switch {
			case regionConfig.MatchString(x.Pointer):
				t.Errorf("%s: %s: %s", b.File, x.Pointer, x.Reason)
			case !inRegionConfig.MatchString(x.Pointer):
			case strings.HasSuffix(x.Pointer, "/regionName") && x.Reason == "got string, want object":
				regionViolations++
			case strings.HasSuffix(x.Pointer, "Specs") && strings.HasPrefix(x.Reason, "value matches more than one oneOf branch (AWSHardwareSpec20240805 and AzureHardwareSpec20240805)"):
				regionViolations++
			default:
				t.Errorf("%s: unexpected %s: %s", b.File, x.Pointer, x.Reason)
			}
		}
	}
	if bodies < 3 || regionViolations == 0 {
		t.Fatalf("%d cluster bodies, %d region violations: testdata/atlas is not what this test expects", bodies, regionViolations)
	}
	t.Logf("%d cluster bodies: %d violations in region configurations, all of the two spec faults", bodies, regionViolations)
}

// TestEveryAtlasResponseSchemaCompiles compiles the schema of every
// response of the published spec, and validates a value against each, so
// that no schema fails only when real traffic reaches it.
func TestEveryAtlasResponseSchemaCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the whole published spec")
	}
	doc := atlasSpec(t)
	s, err := oaschema.New(doc)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ref := range responseSchemas(doc) {
		v, err := s.Validator(ref)
		if err != nil {
			t.Error(err)
			continue
		}
		v.Validate(map[string]any{"links": []any{}})
		n++
	}
	if n < 200 {
		t.Fatalf("only %d response schemas", n)
	}
	t.Logf("%d response schemas compiled", n)
}

// responseSchemas lists the schemas of every response of doc, once each.
func responseSchemas(doc *openapi3.T) []*openapi3.SchemaRef {
	var out []*openapi3.SchemaRef
	seen := map[*openapi3.Schema]bool{}
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			for _, rr := range op.Responses.Map() {
				if rr.Value == nil {
					continue
				}
				for _, media := range rr.Value.Content {
					if media.Schema != nil && media.Schema.Value != nil && !seen[media.Schema.Value] {
						seen[media.Schema.Value] = true
						out = append(out, media.Schema)
					}
				}
			}
		}
	}
	return out
}
