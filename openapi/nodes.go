package openapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	yaml4 "go.yaml.in/yaml/v4"
	"gopkg.in/yaml.v3"
)

// The published spec is 2.7 MB of JSON, about 400,000 nodes. It reaches
// kin-openapi as a node tree, not as bytes: the errata overlay is applied to
// yaml.v3 nodes (what github.com/speakeasy-api/openapi/overlay works on),
// and kin-openapi decodes go.yaml.in/yaml/v4 nodes (openapi3.T implements
// its Unmarshaler). Building the first tree from JSON with jsontext and
// copying it into the second costs a fraction of parsing the YAML twice.

// nodeSlab hands out nodes from chunks, so that a tree of 400,000 nodes
// takes a hundred allocations instead of 400,000.
type nodeSlab[N any] struct{ free []N }

func (s *nodeSlab[N]) next() *N {
	if len(s.free) == 0 {
		s.free = make([]N, 4096)
	}
	n := &s.free[0]
	s.free = s.free[1:]
	return n
}

// jsonNodes parses a JSON document into a yaml.v3 node tree whose scalars
// carry their tags (!!str, !!int, !!float, !!bool, !!null), as the YAML
// parser would give them for the same document. Duplicate member names and
// invalid UTF-8 are errors, with the byte offset.
func jsonNodes(data []byte) (*yaml.Node, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	var (
		slab nodeSlab[yaml.Node]
		// open holds the containers being read; items their children so
		// far, from starts[i] on for open[i].
		open   []*yaml.Node
		starts []int
		items  []*yaml.Node
		root   *yaml.Node
		// names interns member names: a few hundred distinct names make up
		// most of the 200,000 keys.
		names   = map[string]string{}
		unquote []byte
	)
	for {
		kind := dec.PeekKind()
		var n *yaml.Node
		switch kind {
		case '{', '[':
			if _, err := dec.ReadToken(); err != nil {
				return nil, jsonError(err, dec)
			}
			n = slab.next()
			if kind == '{' {
				n.Kind, n.Tag = yaml.MappingNode, "!!map"
			} else {
				n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
			}
			items = append(items, n)
			open = append(open, n)
			starts = append(starts, len(items))
			continue
		case '}', ']':
			if _, err := dec.ReadToken(); err != nil {
				return nil, jsonError(err, dec)
			}
			last := len(open) - 1
			n, start := open[last], starts[last]
			n.Content = append([]*yaml.Node(nil), items[start:]...)
			clear(items[start:])
			items, open, starts = items[:start], open[:last], starts[:last]
			if len(open) == 0 {
				root = n
			}
		case '"':
			raw, err := dec.ReadValue()
			if err != nil {
				return nil, jsonError(err, dec)
			}
			n = slab.next()
			n.Kind, n.Tag = yaml.ScalarNode, "!!str"
			if unquote, err = jsontext.AppendUnquote(unquote[:0], raw); err != nil {
				return nil, jsonError(err, dec)
			}
			// A member name is interned; the lookup does not allocate.
			if isName := len(open) > 0 && open[len(open)-1].Kind == yaml.MappingNode && (len(items)-starts[len(starts)-1])%2 == 0; isName {
				s, ok := names[string(unquote)]
				if !ok {
					s = string(unquote)
					names[s] = s
				}
				n.Value = s
			} else {
				n.Value = string(unquote)
			}
			items = append(items, n)
		case '0', 't', 'f', 'n':
			raw, err := dec.ReadValue()
			if err != nil {
				return nil, jsonError(err, dec)
			}
			n = slab.next()
			n.Kind, n.Value = yaml.ScalarNode, string(raw)
			switch kind {
			case '0':
				n.Tag = "!!int"
				if bytes.ContainsAny(raw, ".eE") {
					n.Tag = "!!float"
				}
			case 'n':
				n.Tag = "!!null"
			default:
				n.Tag = "!!bool"
			}
			items = append(items, n)
		default:
			_, err := dec.ReadToken() // the syntax error, or the end of the input
			if err == nil || errors.Is(err, io.EOF) {
				err = errors.New("unexpected end of the document")
			}
			return nil, jsonError(err, dec)
		}
		if len(open) == 0 {
			if root == nil {
				root = n
			}
			if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
				return nil, errors.New("more than one JSON value")
			}
			return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}, nil
		}
	}
}

// jsonError says where the JSON went wrong.
func jsonError(err error, dec *jsontext.Decoder) error {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		return err // names the byte offset and the JSON pointer
	}
	return fmt.Errorf("at byte %d: %w", dec.InputOffset(), err)
}

// toYAML4 copies a yaml.v3 tree into go.yaml.in/yaml/v4 nodes for
// kin-openapi, with kin-openapi's own retagging of scalars from YAML
// (openapi3's prepareScalars): a mapping key is a string, and so is a
// timestamp or a scalar with an application's own tag. Overlay values come
// from YAML and may be either.
func toYAML4(n *yaml.Node) (*yaml4.Node, error) {
	c := v4copier{aliases: map[*yaml.Node]*yaml4.Node{}}
	return c.node(n, false)
}

type v4copier struct {
	slab nodeSlab[yaml4.Node]
	// aliases maps each anchored node copied so far to its copy.
	aliases map[*yaml.Node]*yaml4.Node
}

func (c *v4copier) node(n *yaml.Node, isKey bool) (*yaml4.Node, error) {
	m := c.slab.next()
	m.Kind = yaml4.Kind(n.Kind) // the same values in both packages
	m.Style = yaml4.Style(n.Style)
	m.Tag, m.Value, m.Anchor = n.Tag, n.Value, n.Anchor
	m.Line, m.Column = n.Line, n.Column
	if n.Kind == yaml.ScalarNode {
		switch tag := n.ShortTag(); {
		case isKey && tag != "!!merge":
			m.Tag = "!!str"
		case tag == "!!timestamp", strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!"):
			m.Tag = "!!str"
		}
	}
	if n.Kind == yaml.AliasNode {
		target, ok := c.aliases[n.Alias]
		if !ok {
			return nil, fmt.Errorf("line %d: alias *%s names no node before it", n.Line, n.Value)
		}
		m.Alias = target
	}
	if len(n.Content) > 0 {
		m.Content = make([]*yaml4.Node, len(n.Content))
		for i, child := range n.Content {
			var err error
			if m.Content[i], err = c.node(child, n.Kind == yaml.MappingNode && i%2 == 0); err != nil {
				return nil, err
			}
		}
	}
	// Registered once copied, so that an alias inside the node it names
	// (which would loop the decoder) finds nothing.
	if n.Anchor != "" {
		c.aliases[n] = m
	}
	return m, nil
}
