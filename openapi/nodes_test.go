package openapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yaml4 "go.yaml.in/yaml/v4"
	"gopkg.in/yaml.v3"
)

// TestNodeKindsAndStylesAgree: toYAML4 converts kinds and styles by value.
func TestNodeKindsAndStylesAgree(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []yaml4.Kind{yaml4.DocumentNode, yaml4.SequenceNode, yaml4.MappingNode, yaml4.ScalarNode, yaml4.AliasNode},
		[]yaml4.Kind{yaml4.Kind(yaml.DocumentNode), yaml4.Kind(yaml.SequenceNode), yaml4.Kind(yaml.MappingNode), yaml4.Kind(yaml.ScalarNode), yaml4.Kind(yaml.AliasNode)})
	assert.Equal(t, []yaml4.Style{yaml4.TaggedStyle, yaml4.DoubleQuotedStyle, yaml4.SingleQuotedStyle, yaml4.LiteralStyle, yaml4.FoldedStyle, yaml4.FlowStyle},
		[]yaml4.Style{yaml4.Style(yaml.TaggedStyle), yaml4.Style(yaml.DoubleQuotedStyle), yaml4.Style(yaml.SingleQuotedStyle), yaml4.Style(yaml.LiteralStyle), yaml4.Style(yaml.FoldedStyle), yaml4.Style(yaml.FlowStyle)})
}

// TestJSONNodes: the tree has the YAML parser's shape and tags, and decodes
// as the same JSON parsed as YAML does.
func TestJSONNodes(t *testing.T) {
	t.Parallel()
	const doc = `{"s":"2023-01-01","i":3,"f":3.0,"e":1e3,"b":true,"n":null,"a":[{},[]],"u":"\u00e9\n"}`
	root, err := jsonNodes([]byte(doc))
	require.NoError(t, err)
	require.Equal(t, yaml.DocumentNode, root.Kind)
	var tags []string
	members := root.Content[0].Content
	for i := 1; i < len(members); i += 2 {
		tags = append(tags, members[i].Tag)
	}
	assert.Equal(t, []string{"!!str", "!!int", "!!float", "!!float", "!!bool", "!!null", "!!seq", "!!str"}, tags)

	v4, err := toYAML4(root.Content[0])
	require.NoError(t, err)
	var got, want map[string]any
	require.NoError(t, v4.Decode(&got))
	require.NoError(t, yaml4.Unmarshal([]byte(doc), &want))
	assert.Equal(t, want, got, "a date in a JSON string stays a string")

	for _, bad := range []string{`{"a":1,"a":2}`, `{"a":`, `{"a":1} {}`, "{\"a\":\"\xff\"}", ``} {
		_, err := jsonNodes([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
}

// TestToYAML4Retags: overlay values come from YAML; a timestamp, an
// application's own tag or a non-string key is read as text, as
// kin-openapi reads YAML; an alias inside what it names is refused.
func TestToYAML4Retags(t *testing.T) {
	t.Parallel()
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("d: 2023-01-01\nm: !md hello\n1: one\n"), &n))
	v4, err := toYAML4(n.Content[0])
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, v4.Decode(&got))
	assert.Equal(t, map[string]any{"d": "2023-01-01", "m": "hello", "1": "one"}, got)

	require.NoError(t, yaml.Unmarshal([]byte("a: &x [1, *x]\n"), &n))
	_, err = toYAML4(n.Content[0])
	assert.ErrorContains(t, err, "alias *x names no node before it")
}
