package openapi

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// OriginalPathExtension is set on an operation that resolvePathConflicts
// moved under another path template: its value is the template the spec
// declares the operation under.
const OriginalPathExtension = "x-contractcheck-path"

// resolvePathConflicts merges the path items whose templates differ only in
// their parameter names (upstream's …/sampleDatasetLoad/{name} and
// …/sampleDatasetLoad/{sampleDatasetId}), which OpenAPI forbids and
// kin-openapi refuses, since a request cannot tell them apart by its path.
//
// The first template in byte order keeps its name; the operations of the
// others move under it, their path parameters renamed by position, with
// OriginalPathExtension naming where the spec declares them. A request
// then reaches each of them by its method. An operation whose method the
// first template already has is dropped: no request could reach it. Each
// moved or dropped operation is a WarnPathConflict.
func resolvePathConflicts(doc *openapi3.T) []Warning {
	groups := map[string][]string{}
	for path := range doc.Paths.Map() {
		shape := templateShape(path)
		groups[shape] = append(groups[shape], path)
	}
	var warnings []Warning
	for _, shape := range slices.Sorted(maps.Keys(groups)) {
		paths := groups[shape]
		if len(paths) < 2 {
			continue
		}
		slices.Sort(paths)
		keep, keepItem := paths[0], doc.Paths.Value(paths[0])
		for _, other := range paths[1:] {
			item := doc.Paths.Value(other)
			rename := renames(other, keep)
			for _, method := range methodsOf(item) {
				op := item.GetOperation(method)
				w := Warning{Code: WarnPathConflict, Pointer: "/paths/" + escapePointer(other) + "/" + strings.ToLower(method), Operation: op.OperationID}
				if keepItem.GetOperation(method) != nil {
					w.Message = fmt.Sprintf("%s and %s differ only in parameter names and both declare %s; the operation under %s is dropped, as no request can reach it", keep, other, method, other)
					warnings = append(warnings, w)
					continue
				}
				keepItem.SetOperation(method, moved(op, item.Parameters, rename, other))
				w.Message = fmt.Sprintf("%s and %s differ only in parameter names, which OpenAPI forbids; %s %s is served under %s%s", keep, other, method, other, keep, describe(rename))
				warnings = append(warnings, w)
			}
			doc.Paths.Delete(other)
		}
	}
	return warnings
}

// templateShape is a template with its parameter names left out:
// /a/{x}/b and /a/{y}/b have the same shape.
func templateShape(path string) string {
	var b strings.Builder
	in := false
	for _, c := range path {
		switch {
		case c == '{':
			in = true
			b.WriteString("{}")
		case c == '}':
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// templateParams lists a template's parameter names in order.
func templateParams(path string) []string {
	var names []string
	for rest := path; ; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			return names
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return names
		}
		names = append(names, rest[open+1:open+end])
		rest = rest[open+end+1:]
	}
}

// renames maps the parameter names of template from to those of to, which
// has the same shape, leaving out the names that stay.
func renames(from, to string) map[string]string {
	out := map[string]string{}
	old, neu := templateParams(from), templateParams(to)
	for i := range min(len(old), len(neu)) {
		if old[i] != neu[i] {
			out[old[i]] = neu[i]
		}
	}
	return out
}

func describe(rename map[string]string) string {
	if len(rename) == 0 {
		return ""
	}
	var parts []string
	for _, old := range slices.Sorted(maps.Keys(rename)) {
		parts = append(parts, fmt.Sprintf("%q as %q", old, rename[old]))
	}
	return ", its path parameter " + strings.Join(parts, " and ")
}

// moved returns a copy of op to declare under another template: the path
// item's parameters it did not override join its own, the path parameters
// are renamed, and OriginalPathExtension records where it came from. The
// parameters renamed are copies: a component may be shared.
func moved(op *openapi3.Operation, itemParams openapi3.Parameters, rename map[string]string, from string) *openapi3.Operation {
	out := *op
	out.Extensions = maps.Clone(op.Extensions)
	if out.Extensions == nil {
		out.Extensions = map[string]any{}
	}
	out.Extensions[OriginalPathExtension] = from
	var params openapi3.Parameters
	for _, p := range itemParams {
		if p.Value != nil && op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			params = append(params, p)
		}
	}
	params = append(params, op.Parameters...)
	out.Parameters = make(openapi3.Parameters, len(params))
	for i, p := range params {
		out.Parameters[i] = p
		if p.Value == nil || p.Value.In != openapi3.ParameterInPath {
			continue
		}
		if name, ok := rename[p.Value.Name]; ok {
			renamed := *p.Value
			renamed.Name = name
			out.Parameters[i] = &openapi3.ParameterRef{Value: &renamed}
		}
	}
	return &out
}
