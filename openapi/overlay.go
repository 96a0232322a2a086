package openapi

import (
	"fmt"
	"slices"
	"strings"

	"github.com/speakeasy-api/openapi/overlay"
	"github.com/speakeasy-api/openapi/yml"
	"gopkg.in/yaml.v3"
)

// EvidenceExtension is the member of an errata action that lists what shows
// the erratum: a capture's repository, commit and path, or a document's URL.
const EvidenceExtension = "x-evidence"

// errata is a parsed OpenAPI Overlay 1.0 document of errata: every action
// says why it exists (its description) and what shows it
// (EvidenceExtension), and its target is a valid JSONPath.
//
// The errata are written against the whole published spec. Applied to it,
// an action whose target matches nothing no longer applies (upstream fixed
// the erratum or moved the field): Extract fails on it, and LoadPublished
// warns. A target that is a wildcard or a filter selects exactly the places
// that still need the erratum (the 406 action selects the versioned
// operations that declare no 406), so that rule keeps its meaning: once
// upstream declares 406 everywhere, the action matches nothing.
type errata struct {
	name    string
	overlay overlay.Overlay
	// lines are the lines of the actions in the overlay's source.
	lines []int
}

// parseErrata reads an overlay; name labels errors.
func parseErrata(src []byte, name string) (*errata, error) {
	if name == "" {
		name = "overlay"
	}
	var node yaml.Node
	if err := yaml.Unmarshal(src, &node); err != nil {
		return nil, fmt.Errorf("%s: not a YAML document: %w", name, err)
	}
	e := &errata{name: name, lines: actionLines(&node)}
	if err := node.Decode(&e.overlay); err != nil {
		return nil, fmt.Errorf("%s: not an OpenAPI Overlay document: %w", name, err)
	}
	if err := e.overlay.Validate(); err != nil {
		return nil, fmt.Errorf("%s: invalid overlay: %s", name, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	for i, action := range e.overlay.Actions {
		if strings.TrimSpace(action.Description) == "" {
			return nil, fmt.Errorf("%s (target %s): every action needs a description saying why it exists", e.where(i), action.Target)
		}
		if !hasEvidence(action.Extensions[EvidenceExtension]) {
			return nil, fmt.Errorf("%s (%s): every action needs %s, a list of what shows the erratum (a capture's repository, commit and path, or a document's URL)", e.where(i), action.Description, EvidenceExtension)
		}
		if _, err := e.overlay.NewPath(action.Target, nil); err != nil {
			return nil, fmt.Errorf("%s (%s): target %s is not a valid JSONPath: %w", e.where(i), action.Description, action.Target, err)
		}
		if action.Copy != "" {
			if _, err := e.overlay.NewPath(action.Copy, nil); err != nil {
				return nil, fmt.Errorf("%s (%s): copy %s is not a valid JSONPath: %w", e.where(i), action.Description, action.Copy, err)
			}
		}
	}
	return e, nil
}

// hasEvidence reports whether v is a non-empty list of non-empty strings.
func hasEvidence(v any) bool {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return false
	}
	for _, item := range list {
		if s, ok := item.(string); !ok || strings.TrimSpace(s) == "" {
			return false
		}
	}
	return true
}

// where names action i by its line: "errata.overlay.yaml:12: action 1".
func (e *errata) where(i int) string {
	if i < len(e.lines) {
		return fmt.Sprintf("%s:%d: action %d", e.name, e.lines[i], i+1)
	}
	return fmt.Sprintf("%s: action %d", e.name, i+1)
}

// apply applies the actions to root in order, with the semantics of
// github.com/speakeasy-api/openapi/overlay, and returns the indexes of
// those whose target (or, for a copy, whose source) matched nothing: they
// change nothing.
//
// The library's ApplyTo rebuilds an index of every node's parent for each
// removal and walks the whole document after each action; over the 4 MB
// published spec and a hundred actions that costs seconds. Here a removal
// uses one index of parents, built when first needed, and an update is
// merged by the library into exactly the nodes its target selected (given
// to it as a list, so that its walk covers only them); the document is
// walked once at the end. Other actions (copy) are applied by ApplyTo
// itself. TestErrataApplyAsTheLibraryDoes holds the result to ApplyTo's.
func (e *errata) apply(root *yaml.Node) (unmatched []int, err error) {
	var parents parentIndex
	applied := false
	for i, action := range e.overlay.Actions {
		path, err := e.overlay.NewPath(action.Target, nil) // checked by parseErrata
		if err != nil {
			return nil, err
		}
		nodes := path.Query(root)
		if len(nodes) == 0 || !e.copySourceMatches(action, root) {
			unmatched = append(unmatched, i)
			continue
		}
		applied = true
		one := e.overlay
		switch {
		case action.Remove:
			for _, n := range nodes {
				parents = parents.remove(root, n)
			}
			continue
		case !action.Update.IsZero():
			one.Actions = []overlay.Action{{Target: "$[*]", Update: action.Update}}
			err = one.ApplyTo(&yaml.Node{Kind: yaml.SequenceNode, Content: nodes})
		default:
			one.Actions = []overlay.Action{action}
			err = one.ApplyTo(root)
		}
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", e.where(i), action.Description, err)
		}
	}
	if applied {
		yml.StabilizeFoldedScalars(root)
	}
	return unmatched, nil
}

// copySourceMatches reports whether a copy action's source selects a node
// in root (the library skips a copy whose source selects nothing, which
// makes it as stale as a target that selects nothing); it is true for the
// other actions, and for a copy that an update or a removal overrides.
func (e *errata) copySourceMatches(action overlay.Action, root *yaml.Node) bool {
	if action.Copy == "" || action.Remove || !action.Update.IsZero() {
		return true
	}
	path, err := e.overlay.NewPath(action.Copy, nil)
	return err == nil && len(path.Query(root)) > 0
}

// parentIndex maps each node of a document to the node that holds it.
type parentIndex map[*yaml.Node]*yaml.Node

// add records the parent of every node under n.
func (p parentIndex) add(n *yaml.Node) {
	for _, c := range n.Content {
		p[c] = n
		p.add(c)
	}
}

// remove removes n from its parent as the library's remove action does (a
// mapping's value with its key, a key with its value, a sequence's item)
// and returns the index, built or rebuilt from root when it does not know
// n's parent (n came with an update or a copy).
func (p parentIndex) remove(root, n *yaml.Node) parentIndex {
	for try := 0; try < 2; try++ {
		if parent := p[n]; parent != nil {
			for i, c := range parent.Content {
				if c != n {
					continue
				}
				switch {
				case parent.Kind == yaml.SequenceNode:
					parent.Content = slices.Delete(parent.Content, i, i+1)
				case parent.Kind == yaml.MappingNode && i%2 == 1:
					parent.Content = slices.Delete(parent.Content, i-1, i+1)
				case parent.Kind == yaml.MappingNode:
					parent.Content = slices.Delete(parent.Content, i, i+2)
				}
				return p
			}
		}
		p = parentIndex{}
		p.add(root)
	}
	return p // n is root itself: nothing holds it
}

// stale says that action i matched nothing in the document called doc.
func (e *errata) stale(i int, doc string) string {
	a := e.overlay.Actions[i]
	what := "target " + a.Target
	if a.Copy != "" && !a.Remove && a.Update.IsZero() {
		what += " or copy source " + a.Copy
	}
	return fmt.Sprintf("%s (%s): no longer applies: %s matches nothing in %s; upstream may have fixed the erratum or moved the field, so check it and update or remove the action", e.where(i), a.Description, what, doc)
}

// actionLines returns the line of each entry of the overlay's actions list.
func actionLines(doc *yaml.Node) []int {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	actions := mapGet(doc.Content[0], "actions")
	if actions == nil {
		return nil
	}
	lines := make([]int, len(actions.Content))
	for i, a := range actions.Content {
		lines[i] = a.Line
	}
	return lines
}
