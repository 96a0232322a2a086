package openapi

import (
	"fmt"
	"strings"

	"github.com/speakeasy-api/openapi/overlay"
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

// apply applies the actions to root in order, each with
// github.com/speakeasy-api/openapi/overlay, and returns the indexes of
// those whose target matched nothing (they change nothing).
func (e *errata) apply(root *yaml.Node) (unmatched []int, err error) {
	for i, action := range e.overlay.Actions {
		path, err := e.overlay.NewPath(action.Target, nil) // checked by parseErrata
		if err != nil {
			return nil, err
		}
		if len(path.Query(root)) == 0 {
			unmatched = append(unmatched, i)
			continue
		}
		one := e.overlay
		one.Actions = []overlay.Action{action}
		if err := one.ApplyTo(root); err != nil {
			return nil, fmt.Errorf("%s (%s): %w", e.where(i), action.Description, err)
		}
	}
	return unmatched, nil
}

// stale says that action i matched nothing in the document called doc.
func (e *errata) stale(i int, doc string) string {
	a := e.overlay.Actions[i]
	return fmt.Sprintf("%s (%s): no longer applies: target %s matches nothing in %s; upstream may have fixed the erratum or moved the field, so check it and update or remove the action", e.where(i), a.Description, a.Target, doc)
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
