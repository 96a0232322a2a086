package openapi

import (
	"fmt"
	"strings"

	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"
)

// applyOverlay applies an OpenAPI Overlay 1.0 document to root, one action at
// a time, so that a failure names its action. Every action must say why it
// exists (its description), and its target must match at least one node: an
// action that matches nothing no longer applies (upstream fixed the erratum
// or moved the field), and extraction fails rather than silently shipping an
// unpatched fragment.
func applyOverlay(root *yaml.Node, src []byte, name string) error {
	if name == "" {
		name = "overlay"
	}
	var node yaml.Node
	if err := yaml.Unmarshal(src, &node); err != nil {
		return fmt.Errorf("%s: not a YAML document: %w", name, err)
	}
	var o overlay.Overlay
	if err := node.Decode(&o); err != nil {
		return fmt.Errorf("%s: not an OpenAPI Overlay document: %w", name, err)
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("%s: invalid overlay: %s", name, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	lines := actionLines(&node)
	for i, action := range o.Actions {
		where := fmt.Sprintf("%s: action %d", name, i+1)
		if i < len(lines) {
			where = fmt.Sprintf("%s:%d: action %d", name, lines[i], i+1)
		}
		if strings.TrimSpace(action.Description) == "" {
			return fmt.Errorf("%s (target %s): every action needs a description saying why it exists", where, action.Target)
		}
		one := o
		one.Actions = []overlay.Action{action}
		path, err := one.NewPath(action.Target, nil)
		if err != nil {
			return fmt.Errorf("%s (%s): target %s is not a valid JSONPath: %w", where, action.Description, action.Target, err)
		}
		if len(path.Query(root)) == 0 {
			return fmt.Errorf("%s (%s): no longer applies: target %s matches nothing in the extracted fragment; upstream may have fixed the erratum or moved the field, so check it and update or remove the action", where, action.Description, action.Target)
		}
		if _, err := one.ApplyToStrict(root); err != nil {
			return fmt.Errorf("%s (%s): %w", where, action.Description, err)
		}
	}
	return nil
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
