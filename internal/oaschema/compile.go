package oaschema

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// compiler compiles the translated defs into nodes, on demand. It is used
// under Schemas.mu.
type compiler struct {
	t        *translator
	nodes    map[string]*node
	patterns patterns
	added    []string // the defs of the compile under way
}

func newCompiler(t *translator) *compiler {
	return &compiler{t: t, nodes: map[string]*node{}, patterns: patterns{}}
}

// root compiles the def named key and every def it reaches; on an error it
// forgets them all, so that no node refers to an unfinished one.
func (c *compiler) root(key string) (*node, error) {
	c.added = c.added[:0]
	n, err := c.def(key)
	if err != nil {
		for _, k := range c.added {
			delete(c.nodes, k)
		}
		return nil, err
	}
	markCycles(n)
	return n, nil
}

// sameValue calls fn with the nodes n applies to the value n validates.
func (n *node) sameValue(fn func(*node)) {
	for _, x := range []*node{n.ref, n.not, n.nullOr} {
		if x != nil {
			fn(x)
		}
	}
	for _, x := range n.allOf {
		fn(x)
	}
	if n.disc != nil {
		for _, x := range n.disc.branches {
			fn(x)
		}
	}
	for _, c := range []*choice{n.oneOf, n.anyOf} {
		if c != nil {
			for _, x := range c.branches {
				fn(x)
			}
		}
	}
}

// children calls fn with the nodes n applies to the values inside.
func (n *node) children(fn func(*node)) {
	if n.items != nil {
		fn(n.items)
	}
	if n.additional != nil {
		fn(n.additional)
	}
	for _, x := range n.properties {
		fn(x)
	}
}

// markCycles sets cyclic on the nodes reachable from root that lie on a
// cycle of same-value applications (Tarjan's strongly connected
// components). A node already validating values is never written: its
// components were complete when it was compiled.
func markCycles(root *node) {
	index := map[*node]int{}
	low := map[*node]int{}
	onStack := map[*node]bool{}
	var stack []*node
	var strong func(n *node)
	strong = func(n *node) {
		index[n], low[n] = len(index), len(index)
		stack = append(stack, n)
		onStack[n] = true
		selfLoop := false
		n.sameValue(func(m *node) {
			if m == n {
				selfLoop = true
			}
			if _, seen := index[m]; !seen {
				strong(m)
				low[n] = min(low[n], low[m])
			} else if onStack[m] {
				low[n] = min(low[n], index[m])
			}
		})
		if low[n] == index[n] {
			i := len(stack) - 1
			for stack[i] != n {
				i--
			}
			component := stack[i:]
			stack = stack[:i]
			for _, m := range component {
				onStack[m] = false
				if (len(component) > 1 || selfLoop) && !m.cyclic {
					m.cyclic = true
				}
			}
		}
	}
	var all []*node
	seen := map[*node]bool{}
	var walk func(n *node)
	walk = func(n *node) {
		if seen[n] {
			return
		}
		seen[n] = true
		all = append(all, n)
		n.sameValue(walk)
		n.children(walk)
	}
	walk(root)
	for _, n := range all {
		if _, done := index[n]; !done {
			strong(n)
		}
	}
}

func (c *compiler) def(key string) (*node, error) {
	if n, ok := c.nodes[key]; ok {
		return n, nil
	}
	n := &node{}
	c.nodes[key] = n
	c.added = append(c.added, key)
	v, err := c.t.translate(key)
	if err == nil {
		err = c.fill(n, v)
	}
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", key, err)
	}
	return n, nil
}

func (c *compiler) compile(v any) (*node, error) {
	n := &node{}
	return n, c.fill(n, v)
}

func (c *compiler) fill(n *node, v any) error {
	n.minLength, n.maxLength, n.minItems, n.maxItems, n.minProps, n.maxProps = -1, -1, -1, -1, -1, -1
	switch v := v.(type) {
	case bool:
		n.never = !v
		return nil
	case map[string]any:
		for kw, x := range v {
			if err := c.keyword(n, kw, x); err != nil {
				return fmt.Errorf("%s: %w", kw, err)
			}
		}
		return nil
	}
	return fmt.Errorf("a schema is a %T", v)
}

func (c *compiler) keyword(n *node, kw string, x any) error {
	var err error
	switch kw {
	case "type":
		var names []string
		switch x := x.(type) {
		case string:
			names = []string{x}
		case []any:
			for _, t := range x {
				s, _ := t.(string)
				names = append(names, s)
			}
		}
		for _, name := range names {
			t, ok := typeNames[name]
			if !ok {
				return fmt.Errorf("unknown type %q", name)
			}
			n.types |= t
		}
		n.typeWant = strings.Join(names, " or ")
		if n.types == tBoolean|tObject|tArray|tNumber|tString {
			n.typeWant = "" // not nullable: see validate
		}
	case "enum":
		n.enum, _ = x.([]any)
		n.enumText = list(displayAll(n.enum))
		n.enumSet = make(map[string]bool, len(n.enum))
		for _, e := range n.enum {
			switch e := e.(type) {
			case string:
				n.enumSet[e] = true
			case nil:
				n.enumNull = true
			default:
				n.enumSet = nil
			}
			if n.enumSet == nil {
				break
			}
		}
	case "format":
		n.format, _ = x.(string)
		n.formatOK = formats[n.format]
	case "$ref":
		s, _ := x.(string)
		key, ok := strings.CutPrefix(s, defsPrefix)
		if !ok {
			return fmt.Errorf("%q is no translated schema", s)
		}
		n.ref, err = c.def(strings.ReplaceAll(strings.ReplaceAll(key, "~1", "/"), "~0", "~"))
	case "allOf":
		n.allOf, err = c.list(x)
	case "not":
		n.not, err = c.compile(x)
	case "if":
		// The translation's nullable wrapper: {"if": {"type": "null"}, "else": …}.
		if m, ok := x.(map[string]any); !ok || len(m) != 1 || m["type"] != "null" {
			return fmt.Errorf("only {\"type\": \"null\"} is supported")
		}
	case "else":
		n.nullOr, err = c.compile(x)
	case kwDiscriminator:
		n.disc, err = c.discriminator(x)
	case kwOneOf, kwAnyOf:
		var ch *choice
		if ch, err = c.choice(x); err == nil {
			ch.one = kw == kwOneOf
			if ch.one {
				n.oneOf = ch
			} else {
				n.anyOf = ch
			}
		}
	case kwWriteOnly:
		n.writeOnly = x == true
	case "minimum":
		n.minimum, err = float(x)
	case "maximum":
		n.maximum, err = float(x)
	case "exclusiveMinimum":
		n.exclusiveMinimum, err = float(x)
	case "exclusiveMaximum":
		n.exclusiveMaximum, err = float(x)
	case "multipleOf":
		var f *float64
		if f, err = float(x); err == nil {
			if *f <= 0 || math.IsInf(*f, 0) || math.IsNaN(*f) {
				return fmt.Errorf("%v is not a positive number", *f)
			}
			n.multipleOf, n.multipleOfText = decimal(*f), formatFloat(*f)
		}
	case "minLength":
		n.minLength, err = count(x)
	case "maxLength":
		n.maxLength, err = count(x)
	case "pattern":
		n.patternText, _ = x.(string)
		n.pattern, err = c.patterns.compile(n.patternText)
	case "items":
		n.items, err = c.compile(x)
	case "minItems":
		n.minItems, err = count(x)
	case "maxItems":
		n.maxItems, err = count(x)
	case "uniqueItems":
		n.uniqueItems = x == true
	case "properties":
		m, _ := x.(map[string]any)
		n.properties = make(map[string]*node, len(m))
		for name, s := range m {
			if n.properties[name], err = c.compile(s); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	case "required":
		for _, r := range asList(x) {
			s, _ := r.(string)
			n.required = append(n.required, s)
		}
	case "additionalProperties":
		if x == false {
			n.noAdditional = true
		} else {
			n.additional, err = c.compile(x)
		}
	case "minProperties":
		n.minProps, err = count(x)
	case "maxProperties":
		n.maxProps, err = count(x)
	default:
		return fmt.Errorf("this package does not translate to it")
	}
	return err
}

func (c *compiler) list(x any) ([]*node, error) {
	var out []*node
	for _, s := range asList(x) {
		n, err := c.compile(s)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func (c *compiler) discriminator(x any) (*discriminator, error) {
	d, _ := x.(map[string]any)
	pn, _ := d["propertyName"].(string)
	mapping, _ := d["mapping"].(map[string]any)
	disc := &discriminator{property: pn, values: asList(d["values"]), branches: make(map[string]*node, len(mapping))}
	for value, s := range mapping {
		n, err := c.compile(s)
		if err != nil {
			return nil, err
		}
		disc.branches[value] = n
	}
	return disc, nil
}

func (c *compiler) choice(x any) (*choice, error) {
	d, _ := x.(map[string]any)
	branches, err := c.list(d["branches"])
	if err != nil {
		return nil, err
	}
	ch := &choice{branches: branches}
	for _, l := range asList(d["labels"]) {
		label, _ := l.(string)
		ch.labels = append(ch.labels, label)
	}
	sel, ok := d["selector"].(map[string]any)
	if !ok {
		return ch, nil
	}
	ch.selector, _ = sel["property"].(string)
	required := asList(sel["required"])
	for i, vs := range asList(sel["values"]) {
		var set map[string]bool
		nullOK := false
		if vs != nil {
			set = map[string]bool{}
			for _, v := range asList(vs) {
				if s, ok := v.(string); ok {
					set[s] = true
				} else if v == nil {
					nullOK = true
				}
				ch.all = append(ch.all, v)
			}
		}
		req, _ := required[i].(bool)
		ch.values, ch.nullOK, ch.required = append(ch.values, set), append(ch.nullOK, nullOK), append(ch.required, req)
	}
	return ch, nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func float(x any) (*float64, error) {
	if f, ok := number(x); ok {
		return &f, nil
	}
	if u, ok := x.(uint64); ok {
		f := float64(u)
		return &f, nil
	}
	return nil, fmt.Errorf("%v is not a number", x)
}

func count(x any) (int, error) {
	switch x := x.(type) {
	case uint64:
		if x <= math.MaxInt32 {
			return int(x), nil
		}
	case float64:
		if x >= 0 && x <= math.MaxInt32 && x == math.Trunc(x) {
			return int(x), nil
		}
	case int:
		if x >= 0 {
			return x, nil
		}
	}
	return 0, fmt.Errorf("%v is not a count", x)
}

// decimal is the number a float64 prints as, exactly.
func decimal(f float64) *big.Rat {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return r
}
