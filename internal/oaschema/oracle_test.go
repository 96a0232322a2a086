package oaschema_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/atlascontract/deferwindow/internal/ecmaregexp"
	"github.com/atlascontract/deferwindow/internal/oaschema"
)

// oracle validates with santhosh-tekuri/jsonschema, a JSON Schema 2020-12
// implementation, against the portable translation (Schemas.JSONSchema):
// the same meaning written in plain JSON Schema, with this package's
// formats and patterns, so that only the evaluation differs.
type oracle struct {
	roots map[string]*jsonschema.Schema
}

func newOracle(t testing.TB, s *oaschema.Schemas, pointers []string) *oracle {
	t.Helper()
	out, err := s.JSONSchema(pointers...)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for name, ok := range oaschema.FormatsForTest() {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(v any) error {
			if !ok(v) {
				return errors.New("invalid")
			}
			return nil
		}})
	}
	c.UseRegexpEngine(func(expr string) (jsonschema.Regexp, error) {
		m, err := ecmaregexp.Compile(expr)
		if err != nil {
			return nil, err
		}
		return pattern{m, expr}, nil
	})
	const url = "https://oaschema.invalid/portable.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	roots := doc.(map[string]any)["x-roots"].(map[string]any)
	o := &oracle{roots: map[string]*jsonschema.Schema{}}
	for _, p := range pointers {
		sch, err := c.Compile(url + roots[p].(string))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		o.roots[p] = sch
	}
	return o
}

type pattern struct {
	ecmaregexp.Matcher
	expr string
}

func (p pattern) String() string { return p.expr }

// locations returns whether v is valid, and every instance location of the
// error tree (a missing or extra property located at the property).
func (o *oracle) locations(ptr string, v any) (bool, []string) {
	err := o.roots[ptr].Validate(v)
	if err == nil {
		return true, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return false, []string{err.Error()}
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		at := pointerOf(e.InstanceLocation)
		out = append(out, at)
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, name := range k.Missing {
				out = append(out, at+"/"+escape(name))
			}
		case *kind.AdditionalProperties:
			for _, name := range k.Properties {
				out = append(out, at+"/"+escape(name))
			}
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return false, sortedSet(out)
}

func pointerOf(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteString("/" + escape(tok))
	}
	return b.String()
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// mutations returns variants of a JSON value, each with one change that a
// schema may care about: a property removed, replaced by a value of another
// type, by null, by a longer string or a number with a fraction, a property
// added, an array item repeated. limit bounds
// how many; they are spread over the whole value.
func mutations(v any, limit int) []any {
	data, _ := json.Marshal(v)
	var sites []string // pointers of the objects and arrays, in document order
	var walk func(p string, v any)
	walk = func(p string, v any) {
		switch v := v.(type) {
		case map[string]any:
			sites = append(sites, p)
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(p+"/"+escape(k), v[k])
			}
		case []any:
			sites = append(sites, p)
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", p, i), x)
			}
		}
	}
	walk("", v)
	var out []any
	kinds := 6
	for i := 0; len(out) < limit && i < len(sites)*kinds; i++ {
		site := sites[(i*7919)%len(sites)] // spread, deterministic
		var copy any
		_ = json.Unmarshal(data, &copy)
		target := at(copy, site)
		switch t := target.(type) {
		case map[string]any:
			keys := slices.Sorted(maps.Keys(t))
			if len(keys) == 0 {
				continue
			}
			k := keys[i%len(keys)]
			switch (i / len(sites)) % kinds {
			case 0:
				delete(t, k)
			case 1:
				t[k] = nil
			case 2:
				t[k] = otherType(t[k])
			case 3:
				t["zzUnknown"] = 1.0
			case 4:
				if s, ok := t[k].(string); ok {
					t[k] = s + "!"
				} else {
					t[k] = "not-" + k
				}
			case 5:
				if f, ok := t[k].(float64); ok {
					t[k] = f + 0.5
				} else {
					t[k] = -1.0
				}
			}
		case []any:
			if len(t) == 0 {
				continue
			}
			// Arrays are changed through their parent.
			parent, key := splitPointer(site)
			repeated := append(slices.Clone(t), t[0])
			set(copy, parent, key, repeated)
		}
		out = append(out, copy)
	}
	return out
}

func otherType(v any) any {
	switch v.(type) {
	case string:
		return 7.5
	case float64:
		return "7"
	case bool:
		return "true"
	case []any:
		return map[string]any{}
	case map[string]any:
		return []any{}
	}
	return 0.0
}

func at(v any, p string) any {
	for _, tok := range strings.Split(p, "/")[1:] {
		switch x := v.(type) {
		case map[string]any:
			v = x[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
		case []any:
			i, _ := strconv.Atoi(tok) // the pointers come from walk
			v = x[i]
		}
	}
	return v
}

func splitPointer(p string) (parent, key string) {
	i := strings.LastIndex(p, "/")
	if i < 0 {
		return "", ""
	}
	return p[:i], p[i+1:]
}

func set(root any, parent, key string, value any) {
	switch x := at(root, parent).(type) {
	case map[string]any:
		x[strings.ReplaceAll(strings.ReplaceAll(key, "~1", "/"), "~0", "~")] = value
	case []any:
		i, _ := strconv.Atoi(key)
		x[i] = value
	}
}

// TestSameVerdictsAsAJSONSchemaOracle validates the real Atlas bodies, and
// variants of each with one change, with this package and with
// santhosh-tekuri/jsonschema on the portable translation: the verdicts are
// the same, and every pointer of ours is where the oracle finds an error.
// It checks the evaluator, the discriminator and the selector of oneOf and
// anyOf against an independent implementation of JSON Schema.
func TestSameVerdictsAsAJSONSchemaOracle(t *testing.T) {
	s := atlasValidators(t)
	bodies := readBodies(t)
	var pointers []string
	for _, b := range bodies {
		if !slices.Contains(pointers, b.Schema) {
			pointers = append(pointers, b.Schema)
		}
	}
	o := newOracle(t, s, pointers)
	// The oracle takes up to 0.2 s on a large list body.
	perBody, perLargeBody := 24, 2
	if testing.Short() {
		perBody, perLargeBody = 3, 0
	}
	var cases, invalid int
	for _, b := range bodies {
		v, err := s.ValidatorAt(b.Schema)
		if err != nil {
			t.Fatal(err)
		}
		n := perBody
		if b.size > 20_000 {
			n = perLargeBody
		}
		for i, value := range append([]any{b.value}, mutations(b.value, n)...) {
			cases++
			ours := v.Validate(value)
			valid, locations := o.locations(b.Schema, value)
			if !valid {
				invalid++
			}
			if (len(ours) == 0) != valid {
				t.Errorf("%s, variant %d: the oracle says valid=%v, we say:\n%s\n(oracle's locations: %q)", b.File, i, valid, render(ours), locations)
				continue
			}
			for _, x := range ours {
				if !slices.Contains(locations, x.Pointer) {
					t.Errorf("%s, variant %d: we report %s (%s); the oracle finds nothing there: %q", b.File, i, x.Pointer, x.Reason, locations)
				}
			}
		}
	}
	if invalid == 0 || invalid == cases {
		t.Fatalf("%d cases, %d invalid: the variants do not exercise both verdicts", cases, invalid)
	}
	t.Logf("%d values (%d invalid): the same verdicts as the oracle", cases, invalid)
}
