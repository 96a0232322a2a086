package openapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// ExtractOptions says which operation to extract and how to patch it.
type ExtractOptions struct {
	// OperationID names the operation: its operationId, or, failing that, its
	// x-xgen-operation-id-override (the name MongoDB's own SDK uses).
	OperationID string
	// UpstreamName names the upstream document in error messages.
	UpstreamName string
	// Overlay is an OpenAPI Overlay 1.0 document applied to the fragment after
	// extraction; empty means none. OverlayName names it in error messages.
	Overlay     []byte
	OverlayName string
}

// httpMethods are the operation keys of a path item, in the order OpenAPI lists them.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Extract returns a self-contained OpenAPI 3.0 document holding exactly one
// operation of upstream and every component it references transitively
// (parameters, responses, schemas, headers, examples, request bodies), the
// security schemes it may use, the servers, and its tags. References stay
// component references; nothing is inlined.
//
// The errata overlay, when given, is written against the whole upstream
// document: each action must match something there (else Extract fails,
// naming the action and its line: upstream fixed the erratum or moved the
// field), and the actions are then applied to the fragment, where an action
// about other operations matches nothing. A component the errata make the
// fragment reference (a response they add) comes along from the patched
// upstream.
//
// Extract works on the YAML node tree, not on a loaded openapi3.T, so the
// 4 MB upstream is read once and never validated as a whole. The fragment is
// validated by kin-openapi as LoadPublished validates a spec: patterns as
// ECMAScript, examples apart, an example that does not match its schema
// being a warning (upstream's createGroupCluster has one).
//
// The output is deterministic: the same upstream and overlay give the same
// bytes. Upstream key order is kept, and the provenance (the upstream's
// SHA-256 and info.x-xgen-sha, the operation, the overlay's SHA-256) is
// recorded under info.x-fragment.
func Extract(upstream []byte, opts ExtractOptions) ([]byte, []Warning, error) {
	name := opts.UpstreamName
	if name == "" {
		name = "upstream"
	}
	if opts.OperationID == "" {
		return nil, nil, errors.New("extract: no operation given")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(upstream, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: not a YAML or JSON document: %w", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%s: expected an OpenAPI document (a mapping at the top level)", name)
	}
	root := doc.Content[0]
	if v := mapGet(root, "openapi"); v == nil || !strings.HasPrefix(v.Value, "3.0") {
		return nil, nil, fmt.Errorf("%s: expected an OpenAPI 3.0.x document (top-level openapi: 3.0.x)", name)
	}

	path, pathItem, method, op, err := findOperation(root, opts.OperationID)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}

	// The new path item keeps the path-level parameters and the one operation.
	newItem := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(pathItem.Content); i += 2 {
		k := pathItem.Content[i].Value
		if k == method || (!slices.Contains(httpMethods, k) && k != "$ref") {
			newItem.Content = append(newItem.Content, pathItem.Content[i], pathItem.Content[i+1])
		}
	}

	refs := newRefSet()
	if err := refs.collect(root, newItem); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}

	// Security: the schemes of the operation's own requirements and of the
	// document's, which the fragment keeps even when the operation
	// overrides them (listControlPlaneIpAddresses declares security: []).
	refs.securitySchemes(mapGet(op, "security"), mapGet(root, "security"))

	out := &yaml.Node{Kind: yaml.MappingNode}
	components, err := refs.components(root)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if components != nil {
		out.Content = append(out.Content, scalar("components"), components)
	}
	info := mapGet(root, "info")
	if info == nil || info.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%s: the document has no info object", name)
	}
	info = withProvenance(info, upstream, opts, path, method, op)
	out.Content = append(out.Content, scalar("info"), info)
	out.Content = append(out.Content, scalar("openapi"), mapGet(root, "openapi"))
	out.Content = append(out.Content, scalar("paths"), &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar(path), newItem}})
	if s := mapGet(root, "security"); s != nil {
		out.Content = append(out.Content, scalar("security"), s)
	}
	if s := mapGet(root, "servers"); s != nil {
		out.Content = append(out.Content, scalar("servers"), s)
	}
	if tags := usedTags(root, op); tags != nil {
		out.Content = append(out.Content, scalar("tags"), tags)
	}

	// The fragment gets nodes of its own, so that the errata applied to the
	// whole upstream below do not reach it twice.
	out = deepCopy(out)
	if len(opts.Overlay) > 0 {
		if err := applyErrata(root, out, name, opts); err != nil {
			return nil, nil, err
		}
	}

	outDoc := &yaml.Node{
		Kind:        yaml.DocumentNode,
		HeadComment: "Code generated by contractcheck extract; DO NOT EDIT.\nRegenerate with: make spec (see README.md).",
		Content:     []*yaml.Node{out},
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(4)
	if err := enc.Encode(outDoc); err != nil {
		return nil, nil, fmt.Errorf("extract: encoding the fragment: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, nil, fmt.Errorf("extract: encoding the fragment: %w", err)
	}
	warnings, err := validate(buf.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("extract: the fragment for %s: %w", opts.OperationID, err)
	}
	return buf.Bytes(), warnings, nil
}

// validate loads a fragment with kin-openapi and validates it as
// LoadPublished validates a spec.
func validate(fragment []byte) ([]Warning, error) {
	doc, err := openapi3.NewLoader().LoadFromData(fragment)
	if err != nil {
		return nil, fmt.Errorf("fragment: %w", err)
	}
	return checkDocument(doc, "fragment")
}

// applyErrata applies the overlay to the whole upstream root, where every
// action must match, then to the fragment out, and brings into the
// fragment the components the errata made it reference.
func applyErrata(root, out *yaml.Node, upstreamName string, opts ExtractOptions) error {
	e, err := parseErrata(opts.Overlay, opts.OverlayName)
	if err != nil {
		return err
	}
	unmatched, err := e.apply(root)
	if err != nil {
		return err
	}
	if len(unmatched) > 0 {
		return errors.New(e.stale(unmatched[0], "the upstream document "+upstreamName))
	}
	if _, err := e.apply(out); err != nil {
		return err
	}
	if err := addMissingComponents(root, out); err != nil {
		return err
	}
	return pruneComponents(out)
}

// addMissingComponents copies into the fragment out the components that
// its operation references, transitively, in the patched upstream root but
// that out lacks, at the end of their section.
func addMissingComponents(root, out *yaml.Node) error {
	refs := newRefSet()
	if err := refs.collect(root, mapGet(out, "paths")); err != nil {
		return err
	}
	components := mapGet(out, "components")
	up := mapGet(root, "components")
	for i := 0; up != nil && i+1 < len(up.Content); i += 2 {
		kind, all := up.Content[i].Value, up.Content[i+1]
		for j := 0; j+1 < len(all.Content); j += 2 {
			name := all.Content[j].Value
			if !refs.seen[kind][name] || mapGet(mapGet(components, kind), name) != nil {
				continue
			}
			if components == nil {
				components = &yaml.Node{Kind: yaml.MappingNode}
				out.Content = append([]*yaml.Node{scalar("components"), components}, out.Content...)
			}
			section := mapGet(components, kind)
			if section == nil {
				section = &yaml.Node{Kind: yaml.MappingNode}
				components.Content = append(components.Content, scalar(kind), section)
			}
			section.Content = append(section.Content, all.Content[j], deepCopy(all.Content[j+1]))
		}
	}
	return nil
}

// pruneComponents removes from the fragment out the components that
// nothing in it references (those an erratum adds for the operations that
// use them, when this one does not), and the sections left empty.
func pruneComponents(out *yaml.Node) error {
	components := mapGet(out, "components")
	if components == nil {
		return nil
	}
	refs := newRefSet()
	if err := refs.collect(out, mapGet(out, "paths")); err != nil {
		return err
	}
	refs.securitySchemes(mapGet(out, "security"))
	paths := mapGet(out, "paths")
	for i := 1; i < len(paths.Content); i += 2 {
		for _, m := range httpMethods {
			refs.securitySchemes(mapGet(mapGet(paths.Content[i], m), "security"))
		}
	}
	kept := components.Content[:0]
	for i := 0; i+1 < len(components.Content); i += 2 {
		kind, section := components.Content[i], components.Content[i+1]
		entries := section.Content[:0]
		for j := 0; j+1 < len(section.Content); j += 2 {
			if refs.seen[kind.Value][section.Content[j].Value] {
				entries = append(entries, section.Content[j], section.Content[j+1])
			}
		}
		section.Content = entries
		if len(entries) > 0 {
			kept = append(kept, kind, section)
		}
	}
	components.Content = kept
	if len(kept) == 0 {
		for i := 0; i+1 < len(out.Content); i += 2 {
			if out.Content[i].Value == "components" {
				out.Content = slices.Delete(out.Content, i, i+2)
				break
			}
		}
	}
	return nil
}

// deepCopy copies a node tree; an alias points into the copy.
func deepCopy(n *yaml.Node) *yaml.Node {
	copies := map[*yaml.Node]*yaml.Node{}
	var walk func(*yaml.Node) *yaml.Node
	walk = func(n *yaml.Node) *yaml.Node {
		if c, ok := copies[n]; ok {
			return c
		}
		c := *n
		copies[n] = &c
		if n.Alias != nil {
			c.Alias = walk(n.Alias)
		}
		if n.Content != nil {
			c.Content = make([]*yaml.Node, len(n.Content))
			for i, child := range n.Content {
				c.Content[i] = walk(child)
			}
		}
		return &c
	}
	return walk(n)
}

// findOperation finds the operation named id (see matchOperation).
func findOperation(root *yaml.Node, id string) (path string, item *yaml.Node, method string, op *yaml.Node, err error) {
	paths := mapGet(root, "paths")
	if paths == nil || paths.Kind != yaml.MappingNode {
		return "", nil, "", nil, errors.New("the document has no paths")
	}
	type hit struct{ item, op *yaml.Node }
	var names []opName
	var hits []hit
	for i := 0; i < len(paths.Content); i += 2 {
		p, it := paths.Content[i].Value, paths.Content[i+1]
		for _, m := range httpMethods {
			o := mapGet(it, m)
			if o == nil {
				continue
			}
			n := opName{method: m, path: p}
			if v := mapGet(o, "operationId"); v != nil {
				n.id = v.Value
			}
			if v := mapGet(o, OperationIDOverrideExtension); v != nil {
				n.override = v.Value
			}
			names = append(names, n)
			hits = append(hits, hit{it, o})
		}
	}
	i, ok, err := matchOperation(names, id)
	switch {
	case err != nil:
		return "", nil, "", nil, err
	case !ok:
		return "", nil, "", nil, fmt.Errorf("no operation has operationId or %s %q", OperationIDOverrideExtension, id)
	}
	return names[i].path, hits[i].item, names[i].method, hits[i].op, nil
}

// refSet collects the components a subtree references, transitively.
type refSet struct {
	seen map[string]map[string]bool // kind -> name -> seen
}

func newRefSet() *refSet { return &refSet{seen: map[string]map[string]bool{}} }

func (r *refSet) add(kind, name string) bool {
	if r.seen[kind] == nil {
		r.seen[kind] = map[string]bool{}
	}
	if r.seen[kind][name] {
		return false
	}
	r.seen[kind][name] = true
	return true
}

// securitySchemes adds the schemes that security requirement lists name:
// they are named by name, not by reference. A nil list names none.
func (r *refSet) securitySchemes(lists ...*yaml.Node) {
	for _, security := range lists {
		if security == nil {
			continue
		}
		for _, req := range security.Content {
			for i := 0; i+1 < len(req.Content); i += 2 {
				r.add("securitySchemes", req.Content[i].Value)
			}
		}
	}
}

// collect walks n and follows every local component reference it holds:
// $ref values, and discriminator mapping values, which are references too.
func (r *refSet) collect(root, n *yaml.Node) error {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case k.Value == "$ref" && v.Kind == yaml.ScalarNode:
				if err := r.follow(root, v); err != nil {
					return err
				}
			case k.Value == "discriminator" && v.Kind == yaml.MappingNode:
				if m := mapGet(v, "mapping"); m != nil {
					for j := 1; j < len(m.Content); j += 2 {
						if err := r.follow(root, m.Content[j]); err != nil {
							return err
						}
					}
				}
			default:
				if err := r.collect(root, v); err != nil {
					return err
				}
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := r.collect(root, c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *refSet) follow(root, ref *yaml.Node) error {
	kind, name, err := parseComponentRef(ref.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", ref.Line, err)
	}
	target := mapGet(mapGet(mapGet(root, "components"), kind), name)
	if target == nil {
		return fmt.Errorf("line %d: $ref %q points to no component", ref.Line, ref.Value)
	}
	if !r.add(kind, name) {
		return nil
	}
	return r.collect(root, target)
}

// parseComponentRef splits "#/components/<kind>/<name>" (JSON pointer escapes
// decoded). Any other reference, remote ones included, is an error: the
// fragment must be self-contained.
func parseComponentRef(ref string) (kind, name string, err error) {
	rest, ok := strings.CutPrefix(ref, "#/components/")
	if !ok {
		return "", "", fmt.Errorf("$ref %q is not a local component reference; the fragment must be self-contained", ref)
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", fmt.Errorf("$ref %q does not name one component", ref)
	}
	name, err = url.PathUnescape(parts[1])
	if err != nil {
		return "", "", fmt.Errorf("$ref %q: %w", ref, err)
	}
	return parts[0], pointerUnescaper.Replace(name), nil
}

// components builds the fragment's components object in upstream order.
func (r *refSet) components(root *yaml.Node) (*yaml.Node, error) {
	up := mapGet(root, "components")
	if up == nil {
		if len(r.seen) > 0 {
			return nil, errors.New("references point into components, but the document has none")
		}
		return nil, nil
	}
	out := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(up.Content); i += 2 {
		kind := up.Content[i].Value
		names := r.seen[kind]
		if len(names) == 0 {
			continue
		}
		section := &yaml.Node{Kind: yaml.MappingNode}
		all := up.Content[i+1]
		for j := 0; j < len(all.Content); j += 2 {
			if names[all.Content[j].Value] {
				section.Content = append(section.Content, all.Content[j], all.Content[j+1])
			}
		}
		if len(section.Content)/2 != len(names) {
			var missing []string
			for n := range names {
				if mapGet(all, n) == nil {
					missing = append(missing, n)
				}
			}
			slices.Sort(missing)
			return nil, fmt.Errorf("components.%s lacks %s", kind, strings.Join(missing, ", "))
		}
		out.Content = append(out.Content, up.Content[i], section)
	}
	for kind := range r.seen {
		if mapGet(up, kind) == nil {
			return nil, fmt.Errorf("references point into components.%s, which the document lacks", kind)
		}
	}
	return out, nil
}

// usedTags returns the document's tag objects that the operation names, in
// document order; a tag the operation names but the document does not
// describe is added by name alone.
func usedTags(root, op *yaml.Node) *yaml.Node {
	opTags := mapGet(op, "tags")
	if opTags == nil || len(opTags.Content) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, t := range opTags.Content {
		want[t.Value] = true
	}
	out := &yaml.Node{Kind: yaml.SequenceNode}
	if all := mapGet(root, "tags"); all != nil {
		for _, t := range all.Content {
			if n := mapGet(t, "name"); n != nil && want[n.Value] {
				out.Content = append(out.Content, t)
				delete(want, n.Value)
			}
		}
	}
	for _, t := range opTags.Content {
		if want[t.Value] {
			out.Content = append(out.Content, &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("name"), scalar(t.Value)}})
		}
	}
	return out
}

// withProvenance returns a copy of info with x-fragment appended. It records
// the operation's own operationId, whichever name it was found by.
func withProvenance(info *yaml.Node, upstream []byte, opts ExtractOptions, path, method string, op *yaml.Node) *yaml.Node {
	sum := sha256.Sum256(upstream)
	prov := &yaml.Node{Kind: yaml.MappingNode}
	pair := func(k, v string) {
		prov.Content = append(prov.Content, scalar(k), scalar(v))
	}
	pair("operation", strings.ToUpper(method)+" "+path)
	id := opts.OperationID
	if v := mapGet(op, "operationId"); v != nil {
		id = v.Value
	}
	pair("operationId", id)
	pair("upstreamSha256", hex.EncodeToString(sum[:]))
	if sha := mapGet(info, "x-xgen-sha"); sha != nil {
		pair("upstreamXgenSha", sha.Value)
	}
	if len(opts.Overlay) > 0 {
		o := sha256.Sum256(opts.Overlay)
		pair("overlaySha256", hex.EncodeToString(o[:]))
	}
	pair("extractedBy", "contractcheck extract")
	out := *info
	out.Content = append(slices.Clip(info.Content), scalar("x-fragment"), prov)
	return &out
}

// mapGet returns the value for key in mapping m, or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}
