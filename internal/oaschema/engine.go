package oaschema

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/atlascontract/deferwindow/internal/ecmaregexp"
)

// node is a compiled schema of the translation (translate.go): the JSON
// Schema 2020-12 keywords it emits, with their meaning, and the keywords of
// this package. Nodes are not changed once compiled, and are shared by the
// validators of a Schemas.
type node struct {
	never bool // the false schema
	// cyclic: the node can apply itself to the value it validates (through
	// $ref, allOf, oneOf, …); validate then skips it the second time, as
	// kin-openapi does.
	cyclic bool

	types    typeSet // 0: any type
	typeWant string  // the types, for reasons
	enum     []any
	enumText string          // the enum, for reasons
	enumSet  map[string]bool // the enum's strings, when it has only strings (and null)
	enumNull bool
	format   string
	formatOK func(any) bool

	ref    *node
	allOf  []*node
	not    *node
	nullOr *node // null passes; any other value must satisfy it
	disc   *discriminator
	oneOf  *choice
	anyOf  *choice

	writeOnly bool

	// Numbers.
	minimum, maximum, exclusiveMinimum, exclusiveMaximum *float64
	multipleOf                                           *big.Rat
	multipleOfText                                       string

	// Strings.
	minLength, maxLength int // -1: none
	pattern              ecmaregexp.Matcher
	patternText          string

	// Arrays.
	items              *node
	minItems, maxItems int // -1: none
	uniqueItems        bool

	// Objects.
	properties         map[string]*node
	required           []string
	additional         *node
	noAdditional       bool
	minProps, maxProps int // -1: none
}

// discriminator validates an object against the branch its property's value
// selects.
type discriminator struct {
	property string
	branches map[string]*node
	values   []any // for reasons, in the document's order
}

// choice is a oneOf or an anyOf. When its branches name their values of a
// common property (selector) in an enum, a branch whose enum rules out the
// object's value is not evaluated: it would fail.
type choice struct {
	one      bool // oneOf: exactly one branch; anyOf: at least one
	branches []*node
	labels   []string
	selector string
	values   []map[string]bool // per branch; nil: any value
	nullOK   []bool            // per branch: null is among its values
	required []bool            // per branch: it requires the selector
	all      []any             // every value of every branch, for reasons
}

// typeSet holds the JSON types a schema allows.
type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBoolean
	tObject
	tArray
	tNumber
	tInteger
	tString
)

var typeNames = map[string]typeSet{
	"null": tNull, "boolean": tBoolean, "object": tObject, "array": tArray,
	"number": tNumber, "integer": tInteger, "string": tString,
}

// state is one validation under way: where it is in the value, and what it
// found. In quick mode only whether anything is wrong matters.
type state struct {
	path   []step
	out    []Violation
	quick  bool
	failed bool
	// visiting holds the cyclic nodes applying to the current value, from
	// base on.
	visiting []*node
	base     int
}

// step is one token of the path: a property name, or an array index when
// key is empty and index >= 0.
type step struct {
	key   string
	index int
}

// fail records that something is wrong and reports whether to say what.
func (st *state) fail() bool {
	st.failed = true
	return !st.quick
}

func (st *state) add(reason string) {
	st.out = append(st.out, Violation{Pointer: st.pointer(""), Reason: reason})
}

// addAt reports at a property of the current object.
func (st *state) addAt(property, reason string) {
	st.out = append(st.out, Violation{Pointer: st.pointer(property), Reason: reason})
}

func (st *state) pointer(property string) string {
	var b strings.Builder
	for _, s := range st.path {
		b.WriteByte('/')
		if s.index >= 0 {
			b.WriteString(strconv.Itoa(s.index))
		} else {
			b.WriteString(escapeToken(s.key))
		}
	}
	if property != "" {
		b.WriteByte('/')
		b.WriteString(escapeToken(property))
	}
	return b.String()
}

// stop reports whether a quick validation has its answer.
func (st *state) stop() bool { return st.quick && st.failed }

// valid reports whether v, the value st is at, satisfies n.
func (n *node) valid(st *state, v any) bool {
	sub := state{path: st.path, quick: true, visiting: st.visiting, base: st.base}
	n.validate(&sub, v)
	return !sub.failed
}

// violations returns what is wrong with v, the value st is at, against n,
// finished.
func (n *node) violations(st *state, v any) []Violation {
	sub := state{path: st.path, visiting: st.visiting, base: st.base}
	n.validate(&sub, v)
	return finish(sub.out)
}

// enter pushes a step into the value.
func (st *state) enter(s step) (base int) {
	st.path = append(st.path, s)
	base, st.base = st.base, len(st.visiting)
	return base
}

func (st *state) leave(base int) {
	st.path = st.path[:len(st.path)-1]
	st.visiting, st.base = st.visiting[:st.base], base
}

// validate reports the violations of v against n to st. Its order follows
// JSON Schema 2020-12 as santhosh-tekuri/jsonschema applies it: a wrong
// type, enum or format ends the schema's checks.
func (n *node) validate(st *state, v any) {
	if n.cyclic {
		if slices.Contains(st.visiting[st.base:], n) {
			return // already applying to this value
		}
		st.visiting = append(st.visiting, n)
		defer func() { st.visiting = st.visiting[:len(st.visiting)-1] }()
	}
	if n.never {
		if st.fail() {
			st.add("no value is allowed here (the schema is false)")
		}
		return
	}
	if n.nullOr != nil && v != nil {
		n.nullOr.validate(st, v)
		if st.stop() {
			return
		}
	}
	t, f, ok := typeOf(v)
	if !ok {
		if st.fail() {
			st.add(fmt.Sprintf("a Go %T is not a JSON value", v))
		}
		return
	}
	if n.types != 0 && n.types&t == 0 && !(t == tNumber && n.types&tInteger != 0 && f == math.Trunc(f)) {
		if st.fail() {
			if n.typeWant == "" {
				st.add("got null, but the schema is not nullable")
			} else {
				st.add("got " + typeName(t) + ", want " + n.typeWant)
			}
		}
		return
	}
	if n.enum != nil && !n.inEnum(v) {
		if st.fail() {
			st.add("value is not one of the schema's enum (" + n.enumText + ")")
		}
		return
	}
	if n.formatOK != nil && !n.formatOK(v) {
		if st.fail() {
			st.add(formatReason(n.format))
		}
		return
	}
	if n.ref != nil {
		n.ref.validate(st, v)
		if st.stop() {
			return
		}
	}
	switch v := v.(type) {
	case map[string]any:
		n.object(st, v)
	case []any:
		n.array(st, v)
	case string:
		n.string(st, v)
	default:
		if t == tNumber {
			n.number(st, f)
		}
	}
	for _, sub := range n.allOf {
		if st.stop() {
			return
		}
		sub.validate(st, v)
	}
	if n.not != nil && n.not.valid(st, v) {
		if st.fail() {
			st.add("value matches the schema under not")
		}
	}
	if n.writeOnly && v != nil {
		if st.fail() {
			st.add("writeOnly property in a response")
		}
	}
	if n.disc != nil && !st.stop() {
		n.disc.validate(st, v)
	}
	if n.oneOf != nil && !st.stop() {
		n.oneOf.validate(st, v)
	}
	if n.anyOf != nil && !st.stop() {
		n.anyOf.validate(st, v)
	}
}

func (n *node) inEnum(v any) bool {
	if n.enumSet != nil {
		switch v := v.(type) {
		case string:
			return n.enumSet[v]
		case nil:
			return n.enumNull
		}
		return false
	}
	return slices.ContainsFunc(n.enum, func(e any) bool { return equal(e, v) })
}

func (n *node) object(st *state, obj map[string]any) {
	for _, name := range n.required {
		if _, ok := obj[name]; !ok && st.fail() {
			st.addAt(name, "missing property "+name)
		}
	}
	if n.minProps >= 0 && len(obj) < n.minProps && st.fail() {
		st.add(fmt.Sprintf("object has %d properties, fewer than minProperties %d", len(obj), n.minProps))
	}
	if n.maxProps >= 0 && len(obj) > n.maxProps && st.fail() {
		st.add(fmt.Sprintf("object has %d properties, more than maxProperties %d", len(obj), n.maxProps))
	}
	if n.properties == nil && n.additional == nil && !n.noAdditional {
		return
	}
	for key, value := range obj {
		if st.stop() {
			return
		}
		sub, ok := n.properties[key]
		switch {
		case ok:
		case n.noAdditional:
			if st.fail() {
				st.addAt(key, "property not allowed: additionalProperties is false")
			}
			continue
		case n.additional != nil:
			sub = n.additional
		default:
			continue
		}
		base := st.enter(step{key: key, index: -1})
		sub.validate(st, value)
		st.leave(base)
	}
}

func (n *node) array(st *state, arr []any) {
	if n.minItems >= 0 && len(arr) < n.minItems && st.fail() {
		st.add(fmt.Sprintf("array has %d items, fewer than minItems %d", len(arr), n.minItems))
	}
	if n.maxItems >= 0 && len(arr) > n.maxItems && st.fail() {
		st.add(fmt.Sprintf("array has %d items, more than maxItems %d", len(arr), n.maxItems))
	}
	if n.uniqueItems {
	pairs:
		for i := range arr {
			for j := i + 1; j < len(arr); j++ {
				if equal(arr[i], arr[j]) {
					if st.fail() {
						st.add(fmt.Sprintf("array items %d and %d are equal, but uniqueItems is true", i, j))
					}
					break pairs
				}
			}
		}
	}
	if n.items == nil {
		return
	}
	for i, item := range arr {
		if st.stop() {
			return
		}
		base := st.enter(step{index: i})
		n.items.validate(st, item)
		st.leave(base)
	}
}

func (n *node) string(st *state, s string) {
	if n.minLength >= 0 || n.maxLength >= 0 {
		length := utf8.RuneCountInString(s)
		if n.minLength >= 0 && length < n.minLength && st.fail() {
			st.add(fmt.Sprintf("string has %d characters, fewer than minLength %d", length, n.minLength))
		}
		if n.maxLength >= 0 && length > n.maxLength && st.fail() {
			st.add(fmt.Sprintf("string has %d characters, more than maxLength %d", length, n.maxLength))
		}
	}
	if n.pattern != nil && !n.pattern.MatchString(s) && st.fail() {
		st.add("string does not match the pattern " + n.patternText)
	}
}

func (n *node) number(st *state, f float64) {
	if n.minimum != nil && f < *n.minimum && st.fail() {
		st.add("number is less than the minimum " + formatFloat(*n.minimum))
	}
	if n.maximum != nil && f > *n.maximum && st.fail() {
		st.add("number is greater than the maximum " + formatFloat(*n.maximum))
	}
	if n.exclusiveMinimum != nil && f <= *n.exclusiveMinimum && st.fail() {
		st.add("number is not greater than the exclusive minimum " + formatFloat(*n.exclusiveMinimum))
	}
	if n.exclusiveMaximum != nil && f >= *n.exclusiveMaximum && st.fail() {
		st.add("number is not less than the exclusive maximum " + formatFloat(*n.exclusiveMaximum))
	}
	if n.multipleOf != nil && !new(big.Rat).Quo(decimal(f), n.multipleOf).IsInt() && st.fail() {
		st.add("number is not a multiple of " + n.multipleOfText)
	}
}

func (d *discriminator) validate(st *state, v any) {
	obj, ok := v.(map[string]any)
	if !ok {
		return // the type keyword says what is wrong
	}
	pv, ok := obj[d.property]
	if !ok {
		if st.fail() {
			st.addAt(d.property, "missing property "+d.property)
		}
		return
	}
	value, ok := pv.(string)
	if !ok {
		if st.fail() {
			t, _, _ := typeOf(pv)
			st.addAt(d.property, "got "+typeName(t)+", want string")
		}
		return
	}
	branch := d.branches[value]
	if branch == nil {
		if st.fail() {
			st.addAt(d.property, fmt.Sprintf("the discriminator value maps to no branch (want %s)", list(displayAll(d.values))))
		}
		return
	}
	branch.validate(st, v)
}

func (c *choice) validate(st *state, v any) {
	keyword := "anyOf"
	if c.one {
		keyword = "oneOf"
	}
	var candidates []int
	for i := range c.branches {
		if c.candidate(i, v) {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) == 1 && !st.quick {
		// The one branch that can hold: what it finds is what is wrong.
		i := candidates[0]
		if vs := c.branches[i].violations(st, v); len(vs) > 0 {
			st.fail()
			c.report(st, keyword, c.label(i), vs)
		}
		return
	}
	// First whether any branch holds, cheaply; what is wrong only if none.
	matched := -1
	for _, i := range candidates {
		if !c.branches[i].valid(st, v) {
			continue
		}
		if !c.one {
			return
		}
		if matched >= 0 {
			if st.fail() {
				st.add(fmt.Sprintf("value matches more than one oneOf branch (%s and %s)", c.label(matched), c.label(i)))
			}
			return
		}
		matched = i
	}
	if matched >= 0 || !st.fail() {
		return
	}
	if obj, ok := v.(map[string]any); ok && len(candidates) == 0 && c.selector != "" {
		// Every branch rules the selector's value out.
		if _, ok := obj[c.selector]; !ok {
			st.addAt(c.selector, "missing property "+c.selector)
		} else {
			st.addAt(c.selector, fmt.Sprintf("value is not one that any %s branch allows (want %s)", keyword, list(displayAll(c.all))))
		}
		return
	}
	// The violations of the closest branch: the one with the fewest; one
	// line when two are as close.
	var labels []string
	var best []Violation
	bestLabel, tie := "", false
	for _, i := range candidates {
		labels = append(labels, c.label(i))
		vs := c.branches[i].violations(st, v)
		switch {
		case len(vs) == 0:
		case best == nil || len(vs) < len(best):
			best, bestLabel, tie = vs, c.label(i), false
		case len(vs) == len(best):
			tie = true
		}
	}
	if best == nil || tie {
		st.add(fmt.Sprintf("value matches no %s branch (%s)", keyword, list(labels)))
		return
	}
	c.report(st, keyword, bestLabel, best)
}

// report adds the violations of the closest branch, saying which it is.
func (c *choice) report(st *state, keyword, label string, vs []Violation) {
	context := fmt.Sprintf(" (in %s branch %s, the closest", keyword, label)
	if len(c.branches) > 1 {
		context += fmt.Sprintf(" of %d", len(c.branches))
	}
	for _, x := range vs {
		x.Reason += context + ")"
		st.out = append(st.out, x)
	}
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

// number returns the value of a JSON number.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case float32:
		return float64(v), true
	}
	return 0, false
}

// typeOf returns the JSON type of v, and its value when it is a number.
func typeOf(v any) (typeSet, float64, bool) {
	switch v.(type) {
	case nil:
		return tNull, 0, true
	case bool:
		return tBoolean, 0, true
	case string:
		return tString, 0, true
	case map[string]any:
		return tObject, 0, true
	case []any:
		return tArray, 0, true
	}
	if f, ok := number(v); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return tNumber, f, true
	}
	return 0, 0, false
}

func typeName(t typeSet) string {
	for name, bit := range typeNames {
		if bit == t {
			return name
		}
	}
	return "?"
}

// equal reports whether two JSON values are equal, numbers by value.
func equal(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	switch a := a.(type) {
	case string, bool, nil:
		return a == b
	case []any:
		b, ok := b.([]any)
		return ok && slices.EqualFunc(a, b, equal)
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, va := range a {
			vb, ok := b[k]
			if !ok || !equal(va, vb) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func formatReason(format string) string {
	switch format {
	case "date-time":
		return "string is not an RFC 3339 date-time"
	case "date":
		return "string is not an RFC 3339 full-date (YYYY-MM-DD)"
	case "byte":
		return "string is not base64 (format byte)"
	case "int32", "int64":
		return "integer is out of the " + format + " range"
	}
	return "value is not a valid " + format
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
