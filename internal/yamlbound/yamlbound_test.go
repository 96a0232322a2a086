package yamlbound_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/atlascontract/deferwindow/internal/yamlbound"
)

// treeNodes counts the nodes of a tree yaml.Load built: every node once,
// aliases as one node each (their targets are counted where they stand).
func treeNodes(n *yaml.Node) int {
	count := 1
	for _, c := range n.Content {
		count += treeNodes(c)
	}
	return count
}

// checkBound holds yamlNodeBound to the tree yaml.Load builds from data:
// the bound is never below the node count.
func checkBound(t *testing.T, data []byte) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Load(data, &doc); err != nil {
		return
	}
	nodes := treeNodes(&doc)
	bound, _ := yamlNodeBound(data, 1<<62)
	if bound < nodes {
		t.Fatalf("bound %d below the %d nodes yaml.Load built from %q", bound, nodes, data)
	}
}

// boundSeeds are inputs where a scanner that skips scalars whole could
// be fooled into skipping structure: continuation lines that start with a
// quote or a block indicator, block scalars whose indentation ends them,
// ":" adjacent to flow values, anchors ending in colons.
var boundSeeds = []string{
	"a: b\n",
	"k: a\n  'x\nb: [a, a, a, a]\nc: y'\n",
	"k: a\n  - 'x\nb: [a, a, a, a]\nc: y'\n",
	"- a\n- [a,a,a,a]\n",
	"- a\n  'b'\n  'c\nx: [a,a,a]\n'\n",
	"key:\n|\nkey2: [a,a,a,a]\n",
	"- key: |\n  other: [a, a, a]\n",
	"a:\n  - |\n  - [a, a, a]\n",
	"a: |2\n   x\n  [a, a, a]: b\n",
	"a: >-\n\n   x\n  y: [a, a]\n",
	"[ 'start\n  key: ', a, a, a, a']\n",
	"{\"k\":'x, ', a, a, a, a, 'z'}\n",
	"[:'abc, x, x, x', y]\n",
	"{a: b, c: d, e, f}\n",
	"[a: b, : c, d: ]\n",
	"[*a:, *a:]\n",
	"[:,:]\n", // an empty plain scalar, then ":" as a value indicator
	"{a: :, b: :}\n",
	"x: &a [a]\ny: [*a, *a, *a]\n",
	"x: &a {a: b}\ny:\n  <<: *a\n  c: d\n",
	"? a\n: b\n? [c]\n",
	"- - - a\n    - b\n  - c\n",
	"a: 'multi\n  line'\nb: \"esc \\\" \\\n  aped\"\n",
	"# c\n--- # d\na: 1\n...\n",
	"a: b # c\n#d\nc: [a, # x\n  b]\n",
	"a:\n\tb\n",
	"a: x\r\n  'y\r\nb: [1,2]\r\n",
	"a: x\u2028  'y\u2028b: [1,2]\n",
	"&a a: *a\n",
	"!!map {a: !!str b}\n",
	"a: !<tag:yaml.org,2002:str> b\n",
	"[a\n b, 'c\n d']\n",
	"- >\n\n  folded\n   more\n- x\n",
	"--- |\n  top\n",
	"a: [b, {c: d}, [e, [f]]]\n",
}

func TestYAMLNodeBoundIsAnUpperBound(t *testing.T) {
	t.Parallel()
	for _, s := range boundSeeds {
		checkBound(t, []byte(s))
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "contract", "recording", "testdata", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatal("no cassettes in contract/recording/testdata")
	}
	shipped, _ := filepath.Glob(filepath.Join("..", "..", "contract", "recordings", "*.yaml"))
	for _, file := range append(files, shipped...) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		checkBound(t, data)
	}
}

func FuzzYAMLNodeBound(f *testing.F) {
	// The cassettes the recording package reads, and the seeds above.
	files, err := filepath.Glob(filepath.Join("..", "..", "contract", "recording", "testdata", "*.yaml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed cassettes: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range boundSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 || strings.Contains(string(data), "<<") && len(data) > 4096 {
			return
		}
		checkBound(t, data)
	})
}

// yamlNodeBound returns Count's bound on the nodes of data and the line
// where it passed maxNodes (0 if it did not), without a limit on values.
func yamlNodeBound(data []byte, maxNodes int) (nodes, line int) {
	b := yamlbound.Count(data, maxNodes, len(data))
	return b.Nodes, b.NodesLine
}
