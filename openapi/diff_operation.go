package openapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// operation compares two operations: identity, text, parameters, request
// body and responses.
func (d *differ) operation(o, n *located) {
	if o.op.OperationID != n.op.OperationID {
		msg := fmt.Sprintf("operationId changed from %q to %q: a client generated from the operationId renames its methods and types", o.op.OperationID, n.op.OperationID)
		if ov, _ := n.op.Extensions[OperationIDOverrideExtension].(string); ov == o.op.OperationID {
			msg += fmt.Sprintf(" (MongoDB's SDKs keep %q through %s)", ov, OperationIDOverrideExtension)
		}
		d.add(Change{Kind: KindOperationIDChanged, Breaking: true, Location: "operationId", Message: msg})
	}
	oldOv, _ := o.op.Extensions[OperationIDOverrideExtension].(string)
	newOv, _ := n.op.Extensions[OperationIDOverrideExtension].(string)
	if oldOv != newOv {
		d.add(Change{Kind: KindOperationIDOverrideChanged, Location: loc(OperationIDOverrideExtension),
			Message: fmt.Sprintf("%s changed from %s to %s: the names MongoDB's SDKs use follow it; a client generated from the operationId does not", OperationIDOverrideExtension, quoteOrNone(oldOv), quoteOrNone(newOv))})
	}
	if o.method != n.method {
		d.add(Change{Kind: KindOperationMethodChanged, Breaking: true, Location: "method", Message: fmt.Sprintf("method changed from %s to %s", o.method, n.method)})
	}
	if o.path != n.path {
		d.add(Change{Kind: KindOperationPathChanged, Breaking: true, Location: "path", Message: fmt.Sprintf("path changed from %s to %s", o.path, n.path)})
	}
	if o.op.Summary != n.op.Summary {
		d.add(Change{Kind: KindSummaryChanged, Location: "summary", Message: fmt.Sprintf("summary changed from %q to %q", o.op.Summary, n.op.Summary)})
	}
	d.text("", "description", o.op.Description, n.op.Description)
	d.deprecated("", o.op.Deprecated, n.op.Deprecated)

	d.parameters(effectiveParameters(o), effectiveParameters(n))
	d.requestBody(o.op.RequestBody, n.op.RequestBody)
	d.responses(o.op.Responses, n.op.Responses)
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return fmt.Sprintf("%q", s)
}

// text reports a description change at prefix/field.
func (d *differ) text(prefix, field, a, b string) {
	if a != b {
		d.add(Change{Kind: KindDescriptionChanged, Location: join(prefix, field), Message: textChange(field, a, b)})
	}
}

func (d *differ) deprecated(prefix string, a, b bool) {
	if a != b {
		d.add(Change{Kind: KindDeprecatedChanged, Location: join(prefix, "deprecated"), Message: fmt.Sprintf("deprecated changed from %t to %t", a, b)})
	}
}

// examples reports a change of an example or of the named examples.
func (d *differ) examples(prefix string, oldEx, newEx any, oldExs, newExs openapi3.Examples) {
	if a, b := canonical(oldEx), canonical(newEx); a != b {
		d.add(Change{Kind: KindExampleChanged, Location: join(prefix, "example"), Message: "example changed"})
	}
	if examplesText(oldExs) != examplesText(newExs) {
		d.add(Change{Kind: KindExampleChanged, Location: join(prefix, "examples"), Message: "examples changed"})
	}
}

func examplesText(exs openapi3.Examples) string {
	type ex struct {
		Summary, Description, ExternalValue string
		Value                               any
	}
	m := make(map[string]ex, len(exs))
	for name, r := range exs {
		if r != nil && r.Value != nil {
			m[name] = ex{r.Value.Summary, r.Value.Description, r.Value.ExternalValue, r.Value.Value}
		} else {
			m[name] = ex{}
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Sprint(m)
	}
	return string(b)
}

// paramKey identifies a parameter: its location and name (header names
// without regard to case).
type paramKey struct{ in, name string }

// effectiveParameters returns the operation's parameters, path-level ones
// included unless the operation overrides them.
func effectiveParameters(l *located) map[paramKey]*openapi3.Parameter {
	out := map[paramKey]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{l.item.Parameters, l.op.Parameters} {
		for _, r := range list {
			if r == nil || r.Value == nil {
				continue
			}
			p := r.Value
			k := paramKey{p.In, p.Name}
			if p.In == openapi3.ParameterInHeader {
				k.name = strings.ToLower(p.Name)
			}
			out[k] = p
		}
	}
	return out
}

func (d *differ) parameters(olds, news map[paramKey]*openapi3.Parameter) {
	keys := map[paramKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	for _, k := range slices.SortedFunc(maps.Keys(keys), func(a, b paramKey) int {
		return strings.Compare(a.in+"/"+a.name, b.in+"/"+b.name)
	}) {
		o, n := olds[k], news[k]
		switch {
		case o == nil:
			at := loc("parameters", n.In, n.Name)
			if n.Required {
				d.add(Change{Kind: KindRequiredParameterAdded, Breaking: true, Location: at, Message: fmt.Sprintf("required %s parameter %q added", n.In, n.Name)})
			} else {
				d.add(Change{Kind: KindParameterAdded, Location: at, Message: fmt.Sprintf("optional %s parameter %q added", n.In, n.Name)})
			}
		case n == nil:
			d.add(Change{Kind: KindParameterRemoved, Breaking: true, Location: loc("parameters", o.In, o.Name), Message: fmt.Sprintf("%s parameter %q removed", o.In, o.Name)})
		default:
			d.parameter(loc("parameters", n.In, n.Name), o, n)
		}
	}
}

func (d *differ) parameter(at string, o, n *openapi3.Parameter) {
	switch {
	case !o.Required && n.Required:
		d.add(Change{Kind: KindParameterBecameRequired, Breaking: true, Location: join(at, "required"), Message: fmt.Sprintf("%s parameter %q became required", n.In, n.Name)})
	case o.Required && !n.Required:
		d.add(Change{Kind: KindParameterBecameOptional, Location: join(at, "required"), Message: fmt.Sprintf("%s parameter %q became optional", n.In, n.Name)})
	}
	if a, b := serialization(o), serialization(n); a != b {
		d.add(Change{Kind: KindParameterStyleChanged, Breaking: true, Location: join(at, "style"), Message: fmt.Sprintf("%s parameter %q serialization changed from %s to %s", n.In, n.Name, a, b)})
	}
	d.text(at, "description", o.Description, n.Description)
	d.deprecated(at, o.Deprecated, n.Deprecated)
	d.examples(at, o.Example, n.Example, o.Examples, n.Examples)
	d.nest(join(at, "schema"), d.schemaRef(o.Schema, n.Schema, schemaCtx{side: request}))
	d.content(join(at, "content"), o.Content, n.Content, request)
}

// serialization renders a parameter's effective style and explode.
func serialization(p *openapi3.Parameter) string {
	style := p.Style
	if style == "" {
		style = "simple"
		if p.In == openapi3.ParameterInQuery || p.In == openapi3.ParameterInCookie {
			style = "form"
		}
	}
	explode := style == "form"
	if p.Explode != nil {
		explode = *p.Explode
	}
	return fmt.Sprintf("style=%s explode=%t", style, explode)
}

// nest adds changes found relative to prefix.
func (d *differ) nest(prefix string, cs []Change) {
	for _, c := range cs {
		c.Location = join(prefix, c.Location)
		d.add(c)
	}
}

func (d *differ) requestBody(oldRef, newRef *openapi3.RequestBodyRef) {
	var o, n *openapi3.RequestBody
	if oldRef != nil {
		o = oldRef.Value
	}
	if newRef != nil {
		n = newRef.Value
	}
	const at = "requestBody"
	switch {
	case o == nil && n == nil:
		return
	case o == nil && n.Required:
		d.add(Change{Kind: KindRequiredRequestBodyAdded, Breaking: true, Location: at, Message: "required request body added"})
		return
	case o == nil:
		d.add(Change{Kind: KindRequestBodyAdded, Location: at, Message: "optional request body added"})
		return
	case n == nil:
		d.add(Change{Kind: KindRequestBodyRemoved, Breaking: true, Location: at, Message: "request body removed"})
		return
	}
	switch {
	case !o.Required && n.Required:
		d.add(Change{Kind: KindRequestBodyBecameRequired, Breaking: true, Location: join(at, "required"), Message: "request body became required"})
	case o.Required && !n.Required:
		d.add(Change{Kind: KindRequestBodyBecameOptional, Location: join(at, "required"), Message: "request body became optional"})
	}
	d.text(at, "description", o.Description, n.Description)
	d.content(join(at, "content"), o.Content, n.Content, request)
}

// content compares the media types of a request body, response or
// parameter. When exactly one media type went and one came, that is one
// change of media type, and their schemas are compared.
func (d *differ) content(at string, o, n openapi3.Content, s side) {
	var removed, added []string
	for _, k := range slices.Sorted(maps.Keys(o)) {
		if _, ok := n[k]; !ok {
			removed = append(removed, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(n)) {
		if _, ok := o[k]; !ok {
			added = append(added, k)
		}
	}
	if len(removed) == 1 && len(added) == 1 {
		d.add(Change{Kind: KindMediaTypeChanged, Breaking: true, Location: join(at, loc(removed[0])),
			Message: fmt.Sprintf("media type changed from %s to %s", removed[0], added[0])})
		d.mediaType(join(at, loc(added[0])), o[removed[0]], n[added[0]], s)
	} else {
		for _, k := range removed {
			d.add(Change{Kind: KindMediaTypeRemoved, Breaking: true, Location: join(at, loc(k)), Message: fmt.Sprintf("media type %s removed", k)})
		}
		for _, k := range added {
			d.add(Change{Kind: KindMediaTypeAdded, Location: join(at, loc(k)), Message: fmt.Sprintf("media type %s added", k)})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o)) {
		if nm, ok := n[k]; ok {
			d.mediaType(join(at, loc(k)), o[k], nm, s)
		}
	}
}

func (d *differ) mediaType(at string, o, n *openapi3.MediaType, s side) {
	if o == nil {
		o = &openapi3.MediaType{}
	}
	if n == nil {
		n = &openapi3.MediaType{}
	}
	d.examples(at, o.Example, n.Example, o.Examples, n.Examples)
	d.nest(join(at, "schema"), d.schemaRef(o.Schema, n.Schema, schemaCtx{side: s}))
}

func (d *differ) responses(o, n *openapi3.Responses) {
	var om, nm map[string]*openapi3.ResponseRef
	if o != nil {
		om = o.Map()
	}
	if n != nil {
		nm = n.Map()
	}
	codes := map[string]bool{}
	for k := range om {
		codes[k] = true
	}
	for k := range nm {
		codes[k] = true
	}
	for _, code := range slices.Sorted(maps.Keys(codes)) {
		at := loc("responses", code)
		or, nr := responseValue(om[code]), responseValue(nm[code])
		switch {
		case or == nil && nr == nil:
		case or == nil:
			d.add(Change{Kind: KindResponseStatusAdded, Location: at, Message: fmt.Sprintf("response status %s added", code)})
			for _, name := range slices.Sorted(maps.Keys(nr.Headers)) {
				d.add(Change{Kind: KindResponseHeaderAdded, Location: join(at, loc("headers", name)), Message: fmt.Sprintf("response header %s added with new status %s", name, code)})
			}
		case nr == nil:
			d.add(Change{Kind: KindResponseStatusRemoved, Breaking: true, Location: at, Message: fmt.Sprintf("response status %s removed", code)})
		default:
			d.response(at, or, nr)
		}
	}
}

func responseValue(r *openapi3.ResponseRef) *openapi3.Response {
	if r == nil {
		return nil
	}
	return r.Value
}

func (d *differ) response(at string, o, n *openapi3.Response) {
	d.text(at, "description", deref(o.Description), deref(n.Description))
	d.headers(join(at, "headers"), o.Headers, n.Headers)
	d.content(join(at, "content"), o.Content, n.Content, response)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// headers compares response headers, whose names ignore case.
func (d *differ) headers(at string, o, n openapi3.Headers) {
	byLower := func(h openapi3.Headers) map[string]string {
		m := make(map[string]string, len(h))
		for name := range h {
			m[strings.ToLower(name)] = name
		}
		return m
	}
	ol, nl := byLower(o), byLower(n)
	names := map[string]bool{}
	for k := range ol {
		names[k] = true
	}
	for k := range nl {
		names[k] = true
	}
	for _, lower := range slices.Sorted(maps.Keys(names)) {
		oname, inOld := ol[lower]
		nname, inNew := nl[lower]
		var oh, nh *openapi3.Header
		if inOld && o[oname] != nil {
			oh = o[oname].Value
		}
		if inNew && n[nname] != nil {
			nh = n[nname].Value
		}
		switch {
		case oh == nil && nh == nil:
		case oh == nil:
			c := Change{Kind: KindResponseHeaderAdded, Location: join(at, loc(nname)), Message: fmt.Sprintf("optional response header %s added", nname)}
			if nh.Required {
				// Recorded responses without it no longer pass.
				c.Breaking, c.Message = true, fmt.Sprintf("required response header %s added", nname)
			}
			d.add(c)
		case nh == nil:
			d.add(Change{Kind: KindResponseHeaderRemoved, Breaking: true, Location: join(at, loc(oname)), Message: fmt.Sprintf("response header %s removed", oname)})
		default:
			d.header(join(at, loc(nname)), nname, oh, nh)
		}
	}
}

func (d *differ) header(at, name string, o, n *openapi3.Header) {
	switch {
	case !o.Required && n.Required:
		d.add(Change{Kind: KindResponseHeaderBecameRequired, Breaking: true, Location: join(at, "required"), Message: fmt.Sprintf("response header %s became required", name)})
	case o.Required && !n.Required:
		d.add(Change{Kind: KindResponseHeaderBecameOptional, Breaking: true, Location: join(at, "required"), Message: fmt.Sprintf("response header %s became optional: a client that reads it may not get it", name)})
	}
	d.text(at, "description", o.Description, n.Description)
	d.deprecated(at, o.Deprecated, n.Deprecated)
	d.examples(at, o.Example, n.Example, o.Examples, n.Examples)
	d.nest(join(at, "schema"), d.schemaRef(o.Schema, n.Schema, schemaCtx{side: response}))
	d.content(join(at, "content"), o.Content, n.Content, response)
}
