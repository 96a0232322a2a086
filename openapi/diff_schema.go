package openapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// side says which way a schema's values travel.
type side int

const (
	request  side = iota // the client sends the values
	response             // the client reads the values
)

// schemaCtx is what the verdict on a schema change depends on.
type schemaCtx struct {
	side side
	// optionalProperty says the schema is that of a property which is
	// optional on both sides.
	optionalProperty bool
}

// schemaKey identifies one comparison of two schemas.
type schemaKey struct {
	old, new *openapi3.Schema
	ctx      schemaCtx
}

// effect is what a change does to the set of valid values.
type effect int

const (
	changes effect = iota // neither a subset nor a superset
	narrows               // fewer values are valid
	widens                // more values are valid
)

// breaks applies the rules of Diff: narrowing and unrelated changes break
// everywhere, widening breaks what a client reads.
func (c schemaCtx) breaks(e effect) bool {
	return e != widens || c.side == response
}

// change builds a schema change relative to the schema's location.
func (c schemaCtx) change(kind string, e effect, rel, format string, args ...any) Change {
	return Change{Kind: kind, Breaking: c.breaks(e), Location: rel, Message: fmt.Sprintf(format, args...)}
}

// schemaRef compares two schemas, following their resolved $refs, and
// returns the changes with locations relative to the schema. A nil schema
// stands for "no schema": any value.
func (d *differ) schemaRef(oldRef, newRef *openapi3.SchemaRef, ctx schemaCtx) []Change {
	oldS, newS := schemaValue(oldRef), schemaValue(newRef)
	switch {
	case oldS == nil && newS == nil:
		return nil
	case oldS == nil:
		return []Change{ctx.change(KindSchemaAdded, narrows, "", "schema added%s; values were unconstrained", refNote(newRef))}
	case newS == nil:
		return []Change{ctx.change(KindSchemaRemoved, widens, "", "schema%s removed; values are unconstrained", refNote(oldRef))}
	}
	key := schemaKey{oldS, newS, ctx}
	if cs, ok := d.memo[key]; ok {
		return cs
	}
	if d.onStack[key] {
		return nil // a cycle: this pair is being compared further up
	}
	d.onStack[key] = true
	cs := d.schema(oldS, newS, ctx)
	delete(d.onStack, key)
	d.memo[key] = cs
	return cs
}

func schemaValue(r *openapi3.SchemaRef) *openapi3.Schema {
	if r == nil {
		return nil
	}
	return r.Value
}

func refNote(r *openapi3.SchemaRef) string {
	if r == nil || r.Ref == "" {
		return ""
	}
	return " (" + r.Ref + ")"
}

// schema compares the keywords of two schemas.
func (d *differ) schema(o, n *openapi3.Schema, ctx schemaCtx) []Change {
	var out []Change
	add := func(c Change) { out = append(out, c) }
	nest := func(prefix string, cs []Change) {
		for _, c := range cs {
			c.Location = join(prefix, c.Location)
			out = append(out, c)
		}
	}

	if o.Description != n.Description {
		add(Change{Kind: KindDescriptionChanged, Location: "description", Message: textChange("description", o.Description, n.Description)})
	}
	if a, b := canonical(o.Example), canonical(n.Example); a != b {
		add(Change{Kind: KindExampleChanged, Location: "example", Message: fmt.Sprintf("example changed from %s to %s", a, b)})
	}
	if o.Deprecated != n.Deprecated {
		add(Change{Kind: KindDeprecatedChanged, Location: "deprecated", Message: fmt.Sprintf("deprecated changed from %t to %t", o.Deprecated, n.Deprecated)})
	}

	if a, b := typeList(o.Type), typeList(n.Type); a != b {
		add(ctx.change(KindTypeChanged, changes, "type", "type changed from %s to %s", a, b))
	}
	if o.Format != n.Format {
		add(ctx.change(KindFormatChanged, changes, "format", "format changed from %s to %s", orNone(o.Format), orNone(n.Format)))
	}
	if a, b := canonical(o.Default), canonical(n.Default); a != b {
		add(ctx.change(KindDefaultChanged, changes, "default", "default changed from %s to %s", a, b))
	}
	out = append(out, enumChanges(o.Enum, n.Enum, ctx)...)
	switch {
	case o.Pattern == n.Pattern:
	case o.Pattern == "":
		add(ctx.change(KindPatternAdded, narrows, "pattern", "pattern %q added", n.Pattern))
	case n.Pattern == "":
		add(ctx.change(KindPatternRemoved, widens, "pattern", "pattern %q removed", o.Pattern))
	default:
		add(ctx.change(KindPatternChanged, changes, "pattern", "pattern changed from %q to %q", o.Pattern, n.Pattern))
	}
	switch {
	case o.Nullable == n.Nullable:
	case n.Nullable:
		c := ctx.change(KindNullableAdded, widens, "nullable", "nullable added: the value may be null")
		if ctx.optionalProperty {
			c.Breaking = false // the property could already be absent
			c.Message += " (the property was already optional)"
		}
		add(c)
	default:
		add(ctx.change(KindNullableRemoved, narrows, "nullable", "nullable removed: the value may no longer be null"))
	}
	out = append(out, limitChanges(o, n, ctx)...)

	nest("", d.properties(o, n, ctx))
	nest("items", d.schemaRef(o.Items, n.Items, schemaCtx{side: ctx.side}))
	out = append(out, d.additionalProperties(o, n, ctx)...)
	for _, comp := range []struct {
		name     string
		old, new openapi3.SchemaRefs
	}{{"allOf", o.AllOf, n.AllOf}, {"anyOf", o.AnyOf, n.AnyOf}, {"oneOf", o.OneOf, n.OneOf}} {
		if len(comp.old) != len(comp.new) {
			add(ctx.change(KindCompositionChanged, changes, comp.name, "%s changed from %d to %d schemas", comp.name, len(comp.old), len(comp.new)))
			continue
		}
		for i := range comp.old {
			nest(loc(comp.name, fmt.Sprint(i)), d.schemaRef(comp.old[i], comp.new[i], schemaCtx{side: ctx.side}))
		}
	}
	return out
}

// properties compares properties and required lists.
func (d *differ) properties(o, n *openapi3.Schema, ctx schemaCtx) []Change {
	var out []Change
	oldReq, newReq := setOf(o.Required), setOf(n.Required)
	names := map[string]bool{}
	for _, m := range []map[string]bool{oldReq, newReq} {
		for k := range m {
			names[k] = true
		}
	}
	for k := range o.Properties {
		names[k] = true
	}
	for k := range n.Properties {
		names[k] = true
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		at := loc("properties", name)
		oldP, inOld := o.Properties[name]
		newP, inNew := n.Properties[name]
		switch {
		case inOld && !inNew:
			out = append(out, ctx.change(KindPropertyRemoved, changes, at, "property %q removed", name))
			continue
		case !inOld && inNew && newReq[name]:
			out = append(out, ctx.change(KindRequiredPropertyAdded, narrows, at, "required property %q added", name))
			continue
		case !inOld && inNew:
			// Widening, but exempt on both sides: a request may omit it, a
			// client that reads the response ignores it.
			out = append(out, Change{Kind: KindPropertyAdded, Location: at, Message: fmt.Sprintf("optional property %q added", name)})
			continue
		}
		switch {
		case !oldReq[name] && newReq[name]:
			out = append(out, ctx.change(KindPropertyBecameRequired, narrows, at, "property %q became required", name))
		case oldReq[name] && !newReq[name]:
			out = append(out, ctx.change(KindPropertyBecameOptional, widens, at, "property %q became optional", name))
		}
		if inOld && inNew {
			sub := schemaCtx{side: ctx.side, optionalProperty: !oldReq[name] && !newReq[name]}
			for _, c := range d.schemaRef(oldP, newP, sub) {
				c.Location = join(at, c.Location)
				out = append(out, c)
			}
		}
	}
	return out
}

// additionalProperties compares whether, and which, properties beyond the
// declared ones are allowed.
func (d *differ) additionalProperties(o, n *openapi3.Schema, ctx schemaCtx) []Change {
	const at = "additionalProperties"
	oldOK, newOK := allowsAdditional(o.AdditionalProperties), allowsAdditional(n.AdditionalProperties)
	switch {
	case oldOK && !newOK:
		return []Change{ctx.change(KindAdditionalPropsNarrowed, narrows, at, "additional properties are no longer allowed")}
	case !oldOK && newOK:
		return []Change{ctx.change(KindAdditionalPropsWidened, widens, at, "additional properties are now allowed")}
	case !oldOK:
		return nil
	}
	var out []Change
	for _, c := range d.schemaRef(o.AdditionalProperties.Schema, n.AdditionalProperties.Schema, schemaCtx{side: ctx.side}) {
		c.Location = join(at, c.Location)
		out = append(out, c)
	}
	return out
}

func allowsAdditional(a openapi3.AdditionalProperties) bool {
	return a.Schema != nil || a.Has == nil || *a.Has
}

// enumChanges compares two enums as sets of JSON values; an empty enum
// allows any value.
func enumChanges(o, n []any, ctx schemaCtx) []Change {
	if len(o) == 0 && len(n) == 0 {
		return nil
	}
	oldSet, newSet := canonicalSet(o), canonicalSet(n)
	switch {
	case len(o) == 0:
		return []Change{ctx.change(KindEnumNarrowed, narrows, "enum", "enum added: only %s allowed", strings.Join(sortedKeys(newSet), ", "))}
	case len(n) == 0:
		return []Change{ctx.change(KindEnumWidened, widens, "enum", "enum removed: any value allowed (was %s)", strings.Join(sortedKeys(oldSet), ", "))}
	}
	var removed, added []string
	for v := range oldSet {
		if !newSet[v] {
			removed = append(removed, v)
		}
	}
	for v := range newSet {
		if !oldSet[v] {
			added = append(added, v)
		}
	}
	slices.Sort(removed)
	slices.Sort(added)
	var out []Change
	if len(removed) > 0 {
		out = append(out, ctx.change(KindEnumNarrowed, narrows, "enum", "enum values removed: %s", strings.Join(removed, ", ")))
	}
	if len(added) > 0 {
		out = append(out, ctx.change(KindEnumWidened, widens, "enum", "enum values added: %s", strings.Join(added, ", ")))
	}
	return out
}

// limitChanges compares the numeric, length, size and uniqueness limits.
func limitChanges(o, n *openapi3.Schema, ctx schemaCtx) []Change {
	var out []Change
	lower := func(name string, a, b *float64) {
		if e, ok := boundEffect(a, b, false); ok {
			out = append(out, limitChange(ctx, e, name, a, b))
		}
	}
	upper := func(name string, a, b *float64) {
		if e, ok := boundEffect(a, b, true); ok {
			out = append(out, limitChange(ctx, e, name, a, b))
		}
	}
	lower("minimum", o.Min, n.Min)
	upper("maximum", o.Max, n.Max)
	lower("minLength", nonZero(o.MinLength), nonZero(n.MinLength))
	upper("maxLength", ptr(o.MaxLength), ptr(n.MaxLength))
	lower("minItems", nonZero(o.MinItems), nonZero(n.MinItems))
	upper("maxItems", ptr(o.MaxItems), ptr(n.MaxItems))
	lower("minProperties", nonZero(o.MinProps), nonZero(n.MinProps))
	upper("maxProperties", ptr(o.MaxProps), ptr(n.MaxProps))

	flag := func(name string, a, b bool) {
		switch {
		case a == b:
		case b:
			out = append(out, ctx.change(KindLimitNarrowed, narrows, name, "%s added", name))
		default:
			out = append(out, ctx.change(KindLimitWidened, widens, name, "%s removed", name))
		}
	}
	flag("exclusiveMinimum", o.ExclusiveMin.IsTrue(), n.ExclusiveMin.IsTrue())
	flag("exclusiveMaximum", o.ExclusiveMax.IsTrue(), n.ExclusiveMax.IsTrue())
	flag("uniqueItems", o.UniqueItems, n.UniqueItems)

	switch a, b := o.MultipleOf, n.MultipleOf; {
	case a == nil && b == nil, a != nil && b != nil && *a == *b:
	case a == nil:
		out = append(out, ctx.change(KindLimitNarrowed, narrows, "multipleOf", "multipleOf %g added", *b))
	case b == nil:
		out = append(out, ctx.change(KindLimitWidened, widens, "multipleOf", "multipleOf %g removed", *a))
	default:
		out = append(out, ctx.change(KindLimitNarrowed, changes, "multipleOf", "multipleOf changed from %g to %g", *a, *b))
	}
	return out
}

// boundEffect says what moving a bound from a to b does (nil: no bound);
// ok is false when nothing changed.
func boundEffect(a, b *float64, upper bool) (e effect, ok bool) {
	switch {
	case a == nil && b == nil:
		return 0, false
	case a == nil:
		return narrows, true
	case b == nil:
		return widens, true
	case *a == *b:
		return 0, false
	case (*b < *a) == upper:
		return narrows, true
	default:
		return widens, true
	}
}

func limitChange(ctx schemaCtx, e effect, name string, a, b *float64) Change {
	kind := KindLimitNarrowed
	if e == widens {
		kind = KindLimitWidened
	}
	return ctx.change(kind, e, name, "%s changed from %s to %s", name, bound(a), bound(b))
}

func bound(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprintf("%g", *v)
}

func nonZero(v uint64) *float64 {
	if v == 0 {
		return nil
	}
	f := float64(v)
	return &f
}

func ptr(v *uint64) *float64 {
	if v == nil {
		return nil
	}
	f := float64(*v)
	return &f
}

// typeList renders a schema's types, saying when it has none (any type).
func typeList(t *openapi3.Types) string {
	if t == nil || len(*t) == 0 {
		return "none (any type)"
	}
	s := slices.Clone(*t)
	slices.Sort(s)
	return strings.Join(s, "|")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// canonical renders a JSON value deterministically (object keys sorted);
// "none" for an absent value.
func canonical(v any) string {
	if v == nil {
		return "none"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func canonicalSet(vs []any) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		if v == nil {
			m["null"] = true
			continue
		}
		m[canonical(v)] = true
	}
	return m
}

func setOf(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}

// textChange describes a change of a text field without quoting long text.
func textChange(field, a, b string) string {
	switch {
	case a == "":
		return field + " added"
	case b == "":
		return field + " removed"
	}
	return field + " changed"
}
