package oaschema

import (
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/atlascontract/deferwindow/internal/ecmaregexp"
)

// vocabulary holds what this package's translation needs beyond JSON
// Schema (see translate.go): a discriminator that validates the one branch
// its property's value selects, a writeOnly property that a response must
// not carry, and oneOf and anyOf that skip the branches an enum of a common
// property rules out.
func vocabulary() *jsonschema.Vocabulary {
	return &jsonschema.Vocabulary{
		URL: defBase + "vocab/openapi-3.0",
		Subschemas: []jsonschema.SchemaPath{
			{jsonschema.Prop(kwDiscriminator), jsonschema.Prop("mapping"), jsonschema.AllProp{}},
			{jsonschema.Prop(kwOneOf), jsonschema.Prop("branches"), jsonschema.AllItem{}},
			{jsonschema.Prop(kwAnyOf), jsonschema.Prop("branches"), jsonschema.AllItem{}},
		},
		Compile: compileKeywords,
	}
}

// keywords is the compiled vocabulary of one schema.
type keywords struct {
	writeOnly bool
	disc      *discriminator
	oneOf     *choice
	anyOf     *choice
}

type discriminator struct {
	property string
	values   []any // for reasons, in the document's order
	branches map[string]*jsonschema.Schema
}

// choice is a oneOf or an anyOf. When its branches name their values of a
// common property (selector) in an enum, a branch whose enum rules out the
// object's value is not evaluated: it would fail.
type choice struct {
	one      bool // oneOf: exactly one branch; anyOf: at least one
	branches []*jsonschema.Schema
	labels   []string
	selector string
	values   []map[string]bool // per branch; nil: any value
	nullOK   []bool            // per branch: null is among its values
	required []bool            // per branch: it requires the selector
	all      []any             // every value of every branch, for reasons
}

func compileKeywords(ctx *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
	k := &keywords{writeOnly: obj[kwWriteOnly] == true}
	if d, ok := obj[kwDiscriminator].(map[string]any); ok {
		pn, _ := d["propertyName"].(string)
		mapping, _ := d["mapping"].(map[string]any)
		values, _ := d["values"].([]any)
		disc := &discriminator{property: pn, values: values, branches: make(map[string]*jsonschema.Schema, len(mapping))}
		for value := range mapping {
			disc.branches[value] = ctx.Enqueue([]string{kwDiscriminator, "mapping", value})
		}
		k.disc = disc
	}
	k.oneOf = compileChoice(ctx, obj, kwOneOf)
	k.anyOf = compileChoice(ctx, obj, kwAnyOf)
	if !k.writeOnly && k.disc == nil && k.oneOf == nil && k.anyOf == nil {
		return nil, nil
	}
	return k, nil
}

func compileChoice(ctx *jsonschema.CompilerContext, obj map[string]any, kw string) *choice {
	d, ok := obj[kw].(map[string]any)
	if !ok {
		return nil
	}
	branches, _ := d["branches"].([]any)
	c := &choice{one: kw == kwOneOf, branches: make([]*jsonschema.Schema, len(branches))}
	for i := range branches {
		c.branches[i] = ctx.Enqueue([]string{kw, "branches", strconv.Itoa(i)})
	}
	for _, l := range asList(d["labels"]) {
		label, _ := l.(string)
		c.labels = append(c.labels, label)
	}
	sel, ok := d["selector"].(map[string]any)
	if !ok {
		return c
	}
	c.selector, _ = sel["property"].(string)
	for i, vs := range asList(sel["values"]) {
		if vs == nil {
			c.values = append(c.values, nil)
			c.nullOK = append(c.nullOK, false)
		} else {
			set := map[string]bool{}
			nullOK := false
			for _, v := range asList(vs) {
				if s, ok := v.(string); ok {
					set[s] = true
				} else if v == nil {
					nullOK = true
				}
				c.all = append(c.all, v)
			}
			c.values = append(c.values, set)
			c.nullOK = append(c.nullOK, nullOK)
		}
		req, _ := asList(sel["required"])[i].(bool)
		c.required = append(c.required, req)
	}
	return c
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// Validate applies the keywords of one schema to v.
func (k *keywords) Validate(ctx *jsonschema.ValidatorContext, v any) {
	if k.writeOnly && v != nil {
		ctx.AddErr(keywordError(ctx.ValueLocation(), "", &writeOnlyPresent{}))
	}
	if k.disc != nil {
		k.disc.validate(ctx, v)
	}
	if k.oneOf != nil {
		k.oneOf.validate(ctx, v)
	}
	if k.anyOf != nil {
		k.anyOf.validate(ctx, v)
	}
}

func (d *discriminator) validate(ctx *jsonschema.ValidatorContext, v any) {
	obj, ok := v.(map[string]any)
	if !ok {
		return // the type keyword says what is wrong
	}
	pv, ok := obj[d.property]
	if !ok {
		ctx.AddErr(keywordError(ctx.ValueLocation(), "", &kind.Required{Missing: []string{d.property}}))
		return
	}
	value, ok := pv.(string)
	if !ok {
		ctx.AddErr(keywordError(ctx.ValueLocation(), d.property, &kind.Type{Got: jsonType(pv), Want: []string{"string"}}))
		return
	}
	branch := d.branches[value]
	if branch == nil {
		ctx.AddErr(keywordError(ctx.ValueLocation(), d.property, &unmappedDiscriminator{kind.Enum{Want: d.values}}))
		return
	}
	if err := ctx.Validate(branch, v, nil); err != nil {
		ctx.AddErr(err)
	}
}

func (c *choice) validate(ctx *jsonschema.ValidatorContext, v any) {
	keyword := "anyOf"
	if c.one {
		keyword = "oneOf"
	}
	var errs []*jsonschema.ValidationError
	var labels []string
	matched := -1
	candidates := 0
	for i, b := range c.branches {
		if !c.candidate(i, v) {
			continue
		}
		candidates++
		err := ctx.Validate(b, v, nil)
		if err == nil {
			if !c.one {
				return
			}
			if matched >= 0 {
				ctx.AddErr(keywordError(ctx.ValueLocation(), "", &ambiguousChoice{Labels: [2]string{c.label(matched), c.label(i)}}))
				return
			}
			matched = i
			continue
		}
		if matched < 0 {
			verr, _ := err.(*jsonschema.ValidationError)
			errs = append(errs, verr)
			labels = append(labels, c.label(i))
		}
	}
	if matched >= 0 {
		return
	}
	if obj, ok := v.(map[string]any); ok && candidates == 0 && c.selector != "" {
		// Every branch rules the selector's value out.
		if _, ok := obj[c.selector]; !ok {
			ctx.AddErr(keywordError(ctx.ValueLocation(), "", &kind.Required{Missing: []string{c.selector}}))
			return
		}
		ctx.AddErr(keywordError(ctx.ValueLocation(), c.selector, &unselectedChoice{Enum: kind.Enum{Want: c.all}, Keyword: keyword}))
		return
	}
	e := keywordError(ctx.ValueLocation(), "", &failedChoice{Keyword: keyword, Labels: labels, Branches: len(c.branches)})
	e.Causes = errs
	ctx.AddErr(e)
}

// candidate reports whether branch i can hold for v, as far as its values
// of the selector tell.
func (c *choice) candidate(i int, v any) bool {
	if c.values == nil || c.values[i] == nil && !c.required[i] {
		return true
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return true // properties constrain objects only
	}
	pv, ok := obj[c.selector]
	if !ok {
		return !c.required[i]
	}
	if c.values[i] == nil {
		return true
	}
	switch pv := pv.(type) {
	case string:
		return c.values[i][pv]
	case nil:
		return c.nullOK[i]
	}
	return false
}

func (c *choice) label(i int) string {
	if i < len(c.labels) && c.labels[i] != "" {
		return c.labels[i]
	}
	if c.one {
		return "oneOf/" + strconv.Itoa(i)
	}
	return "anyOf/" + strconv.Itoa(i)
}

// The kinds of violation this vocabulary adds. Each embeds the santhosh
// kind it resembles, for its methods.
type (
	// writeOnlyPresent: a writeOnly property in a response.
	writeOnlyPresent struct{ kind.FalseSchema }
	// unmappedDiscriminator: a discriminator value that maps to no branch.
	unmappedDiscriminator struct{ kind.Enum }
	// unselectedChoice: a selector value that no branch of a oneOf or
	// anyOf allows.
	unselectedChoice struct {
		kind.Enum
		Keyword string
	}
	// failedChoice: no branch holds; Causes has one error per branch tried,
	// Labels their names.
	failedChoice struct {
		kind.OneOf
		Keyword  string
		Labels   []string
		Branches int
	}
	// ambiguousChoice: two branches of a oneOf hold.
	ambiguousChoice struct {
		kind.OneOf
		Labels [2]string
	}
)

// keywordError is a violation found by this vocabulary at loc (and
// property, when not empty).
func keywordError(loc []string, property string, k jsonschema.ErrorKind) *jsonschema.ValidationError {
	loc = slices.Clip(slices.Clone(loc))
	if property != "" {
		loc = append(loc, property)
	}
	return &jsonschema.ValidationError{InstanceLocation: loc, ErrorKind: k}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "number"
}

// The formats kin-openapi v0.153.0 validates by default, with its rules:
// byte, date and date-time for strings (its regular expressions, and a
// day that exists in its month), int32 and int64 for integers.
var (
	reByte     = regexp.MustCompile(openapi3.FormatOfStringByte)
	reDate     = regexp.MustCompile(openapi3.FormatOfStringDate)
	reDateTime = regexp.MustCompile(openapi3.FormatOfStringDateTime)

	errFormat = errors.New("does not match the format")
)

func formats() []*jsonschema.Format {
	return []*jsonschema.Format{
		{Name: "byte", Validate: stringFormat(reByte, false)},
		{Name: "date", Validate: stringFormat(reDate, true)},
		{Name: "date-time", Validate: stringFormat(reDateTime, true)},
		{Name: "int32", Validate: integerFormat(math.MinInt32, math.MaxInt32)},
		{Name: "int64", Validate: integerFormat(math.MinInt64, math.MaxInt64)},
	}
}

func stringFormat(re *regexp.Regexp, date bool) func(any) error {
	return func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		if !re.MatchString(s) {
			return errFormat
		}
		if date {
			if _, err := time.Parse(time.DateOnly, s[:len(time.DateOnly)]); err != nil {
				return errFormat
			}
		}
		return nil
	}
}

// integerFormat checks the range as kin-openapi does: the float64 is
// converted to an int64 first, so 2^63 counts as math.MaxInt64.
func integerFormat(lo, hi int64) func(any) error {
	return func(v any) error {
		var f float64
		switch n := v.(type) {
		case float64:
			f = n
		case json.Number:
			var err error
			if f, err = n.Float64(); err != nil {
				return errFormat
			}
		default:
			return nil
		}
		var i int64
		switch {
		case f == float64(math.MaxInt64):
			i = math.MaxInt64
		case f >= float64(math.MinInt64) && f < float64(math.MaxInt64):
			i = int64(f)
		default:
			return errFormat
		}
		if i < lo || i > hi {
			return errFormat
		}
		return nil
	}
}

// regexpEngine compiles patterns as ECMAScript, once per distinct pattern.
// It is called only while compiling, under Schemas.mu.
func regexpEngine() jsonschema.RegexpEngine {
	cache := map[string]jsonschema.Regexp{}
	return func(expr string) (jsonschema.Regexp, error) {
		if re, ok := cache[expr]; ok {
			return re, nil
		}
		m, err := ecmaregexp.Compile(expr)
		if err != nil {
			return nil, err
		}
		re := pattern{m, expr}
		cache[expr] = re
		return re, nil
	}
}

type pattern struct {
	ecmaregexp.Matcher
	expr string
}

func (p pattern) String() string { return p.expr }
