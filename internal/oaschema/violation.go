package oaschema

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
