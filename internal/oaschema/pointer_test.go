package oaschema

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// lookup finds the schema a JSON pointer into doc names, following the
// $refs of responses, parameters, headers and request bodies on the way:
// "#/components/schemas/X", a media type's "…/content/<type>/schema", a
// parameter's or header's "…/schema", and from any schema on, properties/<name>,
// items, additionalProperties, allOf/<i>, anyOf/<i>, oneOf/<i> and not.
func lookup(doc *openapi3.T, ptr string) (*openapi3.SchemaRef, error) {
	frag, _ := strings.CutPrefix(ptr, "#")
	if strings.Contains(frag, "%") {
		if u, err := url.PathUnescape(frag); err == nil {
			frag = u
		}
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, fmt.Errorf("%q is not a JSON pointer such as #/components/schemas/Name", ptr)
	}
	var toks []string
	for _, tok := range strings.Split(frag[1:], "/") {
		toks = append(toks, strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"))
	}
	w := walker{toks: toks}
	sr := w.document(doc)
	if w.err == nil && sr == nil {
		w.fail("a schema")
	}
	if w.err != nil {
		return nil, fmt.Errorf("%s: %w", ptr, w.err)
	}
	return sr, nil
}

// walker reads the tokens of a pointer one by one; the first token it
// cannot follow sets err.
type walker struct {
	toks  []string
	i     int
	ended bool // a token was wanted past the last
	err   error
}

func (w *walker) next() (string, bool) {
	if w.err != nil {
		return "", false
	}
	if w.i >= len(w.toks) {
		w.ended = true
		return "", false
	}
	w.i++
	return w.toks[w.i-1], true
}

func (w *walker) done() bool { return w.err == nil && w.i == len(w.toks) }

func (w *walker) fail(want string) {
	if w.err != nil {
		return
	}
	if w.ended {
		w.err = fmt.Errorf("the pointer ends before reaching %s", want)
		return
	}
	var at strings.Builder
	for _, tok := range w.toks[:w.i] {
		at.WriteString("/" + escapeToken(tok))
	}
	w.err = fmt.Errorf("no %s at %s", want, at.String())
}

func (w *walker) document(doc *openapi3.T) *openapi3.SchemaRef {
	switch tok, _ := w.next(); tok {
	case "components":
		c := doc.Components
		if c == nil {
			w.fail("components")
			return nil
		}
		kind, _ := w.next()
		name, ok := w.next()
		if !ok {
			w.fail("a component")
			return nil
		}
		switch kind {
		case "schemas":
			return w.schema(c.Schemas[name])
		case "responses":
			if r := c.Responses[name]; r != nil {
				return w.response(r.Value)
			}
		case "parameters":
			if p := c.Parameters[name]; p != nil && p.Value != nil {
				return w.parameter(p.Value)
			}
		case "headers":
			if h := c.Headers[name]; h != nil && h.Value != nil {
				return w.parameter(&h.Value.Parameter)
			}
		case "requestBodies":
			if rb := c.RequestBodies[name]; rb != nil && rb.Value != nil {
				return w.requestBody(rb.Value)
			}
		}
		w.fail("component " + kind + "/" + name)
		return nil
	case "paths":
		path, _ := w.next()
		item := doc.Paths.Value(path)
		if item == nil {
			w.fail("path " + path)
			return nil
		}
		tok, _ := w.next()
		if tok == "parameters" {
			return w.parameters(item.Parameters)
		}
		op := item.GetOperation(strings.ToUpper(tok))
		if op == nil {
			w.fail("operation " + tok)
			return nil
		}
		switch tok, _ := w.next(); tok {
		case "responses":
			status, _ := w.next()
			if r := op.Responses.Value(status); r != nil {
				return w.response(r.Value)
			}
			w.fail("response " + status)
		case "parameters":
			return w.parameters(op.Parameters)
		case "requestBody":
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				return w.requestBody(op.RequestBody.Value)
			}
			w.fail("request body")
		default:
			w.fail("responses, parameters or requestBody")
		}
		return nil
	}
	w.fail("components or paths")
	return nil
}

func (w *walker) response(r *openapi3.Response) *openapi3.SchemaRef {
	if r == nil {
		w.fail("response")
		return nil
	}
	switch tok, _ := w.next(); tok {
	case "content":
		return w.content(r.Content)
	case "headers":
		name, _ := w.next()
		if h := r.Headers[name]; h != nil && h.Value != nil {
			return w.parameter(&h.Value.Parameter)
		}
		w.fail("header " + name)
		return nil
	}
	w.fail("content or headers")
	return nil
}

func (w *walker) requestBody(rb *openapi3.RequestBody) *openapi3.SchemaRef {
	if tok, _ := w.next(); tok != "content" {
		w.fail("content")
		return nil
	}
	return w.content(rb.Content)
}

// content reads "<media type>/schema".
func (w *walker) content(c openapi3.Content) *openapi3.SchemaRef {
	mt, _ := w.next()
	media := c[mt]
	if media == nil {
		w.fail("media type " + mt)
		return nil
	}
	if tok, _ := w.next(); tok != "schema" {
		w.fail("schema")
		return nil
	}
	return w.schema(media.Schema)
}

func (w *walker) parameters(ps openapi3.Parameters) *openapi3.SchemaRef {
	tok, _ := w.next()
	i, err := strconv.Atoi(tok)
	if err != nil || i < 0 || i >= len(ps) || ps[i].Value == nil {
		w.fail("parameter " + tok)
		return nil
	}
	return w.parameter(ps[i].Value)
}

func (w *walker) parameter(p *openapi3.Parameter) *openapi3.SchemaRef {
	switch tok, _ := w.next(); tok {
	case "schema":
		return w.schema(p.Schema)
	case "content":
		return w.content(p.Content)
	}
	w.fail("schema or content")
	return nil
}

// schema follows the rest of the pointer inside a schema.
func (w *walker) schema(sr *openapi3.SchemaRef) *openapi3.SchemaRef {
	for sr != nil && sr.Value != nil && !w.done() {
		s := sr.Value
		tok, _ := w.next()
		switch tok {
		case "properties":
			name, _ := w.next()
			sr = s.Properties[name]
		case "items":
			sr = s.Items
		case "additionalProperties":
			sr = s.AdditionalProperties.Schema
		case "not":
			sr = s.Not
		case "allOf", "anyOf", "oneOf":
			list := map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "anyOf": s.AnyOf, "oneOf": s.OneOf}[tok]
			idx, _ := w.next()
			i, err := strconv.Atoi(idx)
			if err != nil || i < 0 || i >= len(list) {
				w.fail("schema")
				return nil
			}
			sr = list[i]
		default:
			w.fail("schema keyword properties, items, additionalProperties, allOf, anyOf, oneOf or not")
			return nil
		}
	}
	if sr == nil || sr.Value == nil {
		w.fail("schema")
		return nil
	}
	return sr
}
