package oaschema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Violation is one way a value breaks its schema.
type Violation struct {
	// Pointer is the RFC 6901 JSON pointer to the offending value within
	// the validated value; "" is the value itself. A missing property is
	// pointed at where it would be.
	Pointer string
	// Reason says what is wrong. It is built from the keyword and the
	// schema, never from the value, which may hold secrets.
	Reason string
}

// listMax bounds the values a reason lists (an enum, discriminator values).
const listMax = 12

// flattener turns the tree of a failed validation into violations: one per
// cause, and for a oneOf or anyOf that no branch satisfies, the violations
// of the closest branch.
type flattener struct {
	out []Violation
}

func (f *flattener) add(loc []string, reason string) {
	f.out = append(f.out, Violation{Pointer: pointer(loc), Reason: reason})
}

func (f *flattener) flatten(e *jsonschema.ValidationError) {
	loc := e.InstanceLocation
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
		for _, c := range e.Causes {
			f.flatten(c)
		}
	case *failedChoice:
		f.closest(e, k)
	case *ambiguousChoice:
		f.add(loc, fmt.Sprintf("value matches more than one oneOf branch (%s and %s)", k.Labels[0], k.Labels[1]))
	case *kind.OneOf, *kind.AnyOf:
		// Only the portable translation has these.
		f.add(loc, "value does not satisfy "+strings.Join(k.KeywordPath(), "/"))
	case *kind.Required:
		for _, name := range k.Missing {
			f.add(append(slices.Clip(loc), name), "missing property "+name)
		}
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			f.add(append(slices.Clip(loc), name), "property not allowed: additionalProperties is false")
		}
	case *kind.DependentRequired:
		for _, name := range k.Missing {
			f.add(append(slices.Clip(loc), name), "missing property "+name+", required with "+k.Prop)
		}
	default:
		f.add(loc, reason(e))
	}
}

// closest reports the violations of the branch with the fewest, or one
// line when branches tie.
func (f *flattener) closest(e *jsonschema.ValidationError, k *failedChoice) {
	best, tie := -1, false
	found := make([][]Violation, len(e.Causes))
	for i, c := range e.Causes {
		var sub flattener
		sub.flatten(c)
		found[i] = finish(sub.out)
		switch n := len(found[i]); {
		case n == 0:
		case best == -1 || n < len(found[best]):
			best, tie = i, false
		case n == len(found[best]):
			tie = true
		}
	}
	if best == -1 || tie {
		f.add(e.InstanceLocation, fmt.Sprintf("value matches no %s branch (%s)", k.Keyword, list(k.Labels)))
		return
	}
	context := fmt.Sprintf(" (in %s branch %s, the closest", k.Keyword, k.Labels[best])
	if k.Branches > 1 {
		context += fmt.Sprintf(" of %d", k.Branches)
	}
	for _, v := range found[best] {
		v.Reason += context + ")"
		f.out = append(f.out, v)
	}
}

// reason says why a single keyword failed.
func reason(e *jsonschema.ValidationError) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		if k.Got == "null" && len(k.Want) == len(nonNullTypes) {
			return "got null, but the schema is not nullable"
		}
		return fmt.Sprintf("got %s, want %s", k.Got, strings.Join(k.Want, " or "))
	case *unmappedDiscriminator:
		return fmt.Sprintf("the discriminator value maps to no branch (want %s)", list(displayAll(k.Want)))
	case *unselectedChoice:
		return fmt.Sprintf("value is not one that any %s branch allows (want %s)", k.Keyword, list(displayAll(k.Want)))
	case *kind.Enum:
		return fmt.Sprintf("value is not one of the schema's enum (%s)", list(displayAll(k.Want)))
	case *kind.Const:
		return "value is not the schema's const " + display(k.Want)
	case *writeOnlyPresent:
		return "writeOnly property in a response"
	case *kind.FalseSchema:
		return "no value is allowed here (the schema is false)"
	case *kind.Format:
		switch k.Want {
		case "date-time":
			return "string is not an RFC 3339 date-time"
		case "date":
			return "string is not an RFC 3339 full-date (YYYY-MM-DD)"
		case "byte":
			return "string is not base64 (format byte)"
		case "int32", "int64":
			return "integer is out of the " + k.Want + " range"
		}
		return "value is not a valid " + k.Want
	case *kind.Pattern:
		return "string does not match the pattern " + k.Want
	case *kind.MinLength:
		return fmt.Sprintf("string has %d characters, fewer than minLength %d", k.Got, k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("string has %d characters, more than maxLength %d", k.Got, k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("array has %d items, fewer than minItems %d", k.Got, k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("array has %d items, more than maxItems %d", k.Got, k.Want)
	case *kind.MinProperties:
		return fmt.Sprintf("object has %d properties, fewer than minProperties %d", k.Got, k.Want)
	case *kind.MaxProperties:
		return fmt.Sprintf("object has %d properties, more than maxProperties %d", k.Got, k.Want)
	case *kind.UniqueItems:
		return fmt.Sprintf("array items %d and %d are equal, but uniqueItems is true", k.Duplicates[0], k.Duplicates[1])
	case *kind.Minimum:
		return "number is less than the minimum " + ratString(k.Want)
	case *kind.Maximum:
		return "number is greater than the maximum " + ratString(k.Want)
	case *kind.ExclusiveMinimum:
		return "number is not greater than the exclusive minimum " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return "number is not less than the exclusive maximum " + ratString(k.Want)
	case *kind.MultipleOf:
		return "number is not a multiple of " + ratString(k.Want)
	case *kind.Not:
		return "value matches the schema under not"
	case *kind.RefCycle:
		return "the schema applies itself to the same value in a loop, so the value cannot be judged"
	case *kind.InvalidJsonValue:
		return fmt.Sprintf("a Go %T is not a JSON value", k.Value)
	}
	return "value does not satisfy " + strings.Join(e.ErrorKind.KeywordPath(), "/")
}

// finish removes repeated violations, keeps the discriminator's word over
// the enum's for the same value, and sorts by pointer.
func finish(vs []Violation) []Violation {
	if len(vs) == 0 {
		return nil
	}
	discriminated := map[string]bool{}
	for _, v := range vs {
		if strings.HasPrefix(v.Reason, "the discriminator value") {
			discriminated[v.Pointer] = true
		}
	}
	seen := make(map[Violation]bool, len(vs))
	out := vs[:0:0]
	for _, v := range vs {
		if seen[v] || discriminated[v.Pointer] && strings.HasPrefix(v.Reason, "value is not one of the schema's enum") {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	slices.SortStableFunc(out, func(a, b Violation) int {
		if c := comparePointers(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	return out
}

// comparePointers orders pointers token by token, array indexes as numbers.
func comparePointers(a, b string) int {
	for a != "" && b != "" {
		var ta, tb string
		ta, a = nextToken(a)
		tb, b = nextToken(b)
		if ta == tb {
			continue
		}
		na, errA := strconv.Atoi(ta)
		nb, errB := strconv.Atoi(tb)
		if errA == nil && errB == nil {
			if na < nb {
				return -1
			}
			return 1
		}
		return strings.Compare(ta, tb)
	}
	return strings.Compare(a, b)
}

func nextToken(p string) (tok, rest string) {
	p = p[1:] // the leading "/"
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

func pointer(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteByte('/')
		b.WriteString(escapeToken(tok))
	}
	return b.String()
}

func list(items []string) string {
	if len(items) > listMax {
		return strings.Join(items[:listMax], ", ") + fmt.Sprintf(", … %d more", len(items)-listMax)
	}
	return strings.Join(items, ", ")
}

func displayAll(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = display(v)
	}
	return out
}

// display writes a value of the schema (an enum member, a const).
func display(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}
