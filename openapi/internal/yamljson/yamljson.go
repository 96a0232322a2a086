// Package yamljson converts a YAML document into compact JSON that
// kin-openapi reads as it reads the YAML: members in the same order, every
// scalar the value kin-openapi's YAML decoding gives it.
//
// kin-openapi decodes YAML with go.yaml.in/yaml/v4 after retagging a few
// scalars (openapi3's prepareScalars): a mapping key is its text, a
// timestamp or a scalar with an application's own tag (!md) is a string,
// and an infinite or NaN number is refused. Convert applies the same rules
// on the same parser's nodes, so that the JSON form of MongoDB's published
// spec loads into the same openapi3.T as the YAML.
package yamljson

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"go.yaml.in/yaml/v4"
)

// maxExpansion bounds the output of a document whose aliases repeat a
// subtree many times (a "billion laughs"): at most this many times the
// input, plus a megabyte.
const maxExpansion = 16

// Convert returns the JSON form of a YAML document (the first of a stream,
// as kin-openapi reads it), compact and ending in a newline. An error names the line of what cannot be converted:
// a merge key (<<), a key that is not a scalar or is null, a number that is
// not finite, an alias that contains itself.
func Convert(data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("expected one YAML document")
	}
	c := converter{
		out:    make([]byte, 0, len(data)*3/4),
		limit:  len(data)*maxExpansion + 1<<20,
		onPath: map[*yaml.Node]bool{},
	}
	if err := c.value(doc.Content[0]); err != nil {
		return nil, err
	}
	return append(c.out, '\n'), nil
}

type converter struct {
	out   []byte
	limit int
	// onPath holds the aliased nodes being converted, to refuse an alias
	// inside the node it names.
	onPath map[*yaml.Node]bool
}

func (c *converter) value(n *yaml.Node) error {
	if len(c.out) > c.limit {
		return fmt.Errorf("line %d: the aliases expand the document beyond %d bytes", n.Line, c.limit)
	}
	switch n.Kind {
	case yaml.MappingNode:
		c.out = append(c.out, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				c.out = append(c.out, ',')
			}
			name, err := keyText(n.Content[i])
			if err != nil {
				return err
			}
			if err := c.str(name, n.Content[i].Line); err != nil {
				return err
			}
			c.out = append(c.out, ':')
			if err := c.value(n.Content[i+1]); err != nil {
				return err
			}
		}
		c.out = append(c.out, '}')
	case yaml.SequenceNode:
		c.out = append(c.out, '[')
		for i, item := range n.Content {
			if i > 0 {
				c.out = append(c.out, ',')
			}
			if err := c.value(item); err != nil {
				return err
			}
		}
		c.out = append(c.out, ']')
	case yaml.AliasNode:
		if n.Alias == nil {
			return fmt.Errorf("line %d: alias to nothing", n.Line)
		}
		if c.onPath[n.Alias] {
			return fmt.Errorf("line %d: alias *%s is inside the node it names", n.Line, n.Value)
		}
		c.onPath[n.Alias] = true
		err := c.value(n.Alias)
		delete(c.onPath, n.Alias)
		return err
	case yaml.ScalarNode:
		return c.scalar(n)
	default:
		return fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return nil
}

// keyText is a mapping key's name: its text, as kin-openapi reads it.
func keyText(k *yaml.Node) (string, error) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	switch {
	case k.Kind != yaml.ScalarNode:
		return "", fmt.Errorf("line %d: a mapping key must be a scalar", k.Line)
	case k.ShortTag() == "!!merge":
		return "", fmt.Errorf("line %d: merge keys (<<) are not supported", k.Line)
	case k.ShortTag() == "!!null":
		return "", fmt.Errorf("line %d: mapping key is null, so it names nothing", k.Line)
	}
	return k.Value, nil
}

func (c *converter) scalar(n *yaml.Node) error {
	switch tag := n.ShortTag(); tag {
	case "!!null":
		c.out = append(c.out, "null"...)
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		c.out = strconv.AppendBool(c.out, b)
	case "!!int":
		return c.integer(n)
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Errorf("line %d: %s is not a finite number", n.Line, n.Value)
		}
		// The text as written when it is a JSON number, so that 3.0 stays a
		// float; otherwise (.5, 1_000.0) the shortest form that reads back
		// as the same float.
		if isJSONNumber(n.Value) {
			c.out = append(c.out, n.Value...)
			break
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		c.out = append(c.out, s...)
	default:
		// Strings, and what kin-openapi reads as strings: timestamps,
		// binary, an application's own tags.
		return c.str(n.Value, n.Line)
	}
	return nil
}

func (c *converter) integer(n *yaml.Node) error {
	if isJSONNumber(n.Value) {
		c.out = append(c.out, n.Value...)
		return nil
	}
	var i int64
	if err := n.Decode(&i); err == nil {
		c.out = strconv.AppendInt(c.out, i, 10)
		return nil
	}
	var u uint64
	if err := n.Decode(&u); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	c.out = strconv.AppendUint(c.out, u, 10)
	return nil
}

func (c *converter) str(s string, line int) error {
	out, err := jsontext.AppendQuote(c.out, s)
	if err != nil {
		return fmt.Errorf("line %d: %w", line, err)
	}
	c.out = out
	return nil
}

// isJSONNumber reports whether s is a number in JSON's grammar (RFC 8259):
// a valid JSON value that starts and ends as only a number does, so with no
// whitespace around it.
func isJSONNumber(s string) bool {
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	return s != "" && (s[0] == '-' || isDigit(s[0])) && isDigit(s[len(s)-1]) && jsontext.Value(s).IsValid()
}
