package contract

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// paramRule is how one declared parameter of an operation is judged. The
// parameters Atlas declares (a primitive or an array of primitives, in the
// path, the query or a header, in the default style) are decoded here, as
// kin-openapi's openapi3filter decodes them, and judged by the compiled
// schema of the response rules; any other parameter is judged by
// openapi3filter.ValidateParameter.
type paramRule struct {
	p     *openapi3.Parameter
	plain bool   // decoded here; else by kin-openapi
	array bool   // an array of primitives
	typ   string // the primitive's type, the items' for an array
	split bool   // an array given as one comma-separated value (explode: false)
	key   string // a header's canonical name
	// escaped is a plain string path parameter whose pattern spells a
	// percent-escape outside a character class (%2[fF]: the ipAddress of
	// an access list entry, a CIDR block whose slash travels escaped): the
	// value passes its schema decoded or as it travels in the path.
	escaped bool
}

// newParamRules returns the rules of the parameters an operation declares
// (its path item's, unless the operation declares the same one, then its
// own), in the order kin-openapi validates them.
func newParamRules(item, op openapi3.Parameters) []paramRule {
	var refs openapi3.Parameters
	for _, ref := range item {
		if ref.Value != nil && op.GetByInAndName(ref.Value.In, ref.Value.Name) == nil {
			refs = append(refs, ref)
		}
	}
	var rules []paramRule
	for _, ref := range append(refs, op...) {
		if ref.Value != nil {
			rules = append(rules, newParamRule(ref.Value))
		}
	}
	return rules
}

func newParamRule(p *openapi3.Parameter) paramRule {
	r := paramRule{p: p, key: http.CanonicalHeaderKey(p.Name)}
	if p.Content != nil || p.Schema == nil || p.Schema.Value == nil {
		return r
	}
	sm, err := p.SerializationMethod()
	if err != nil {
		return r
	}
	s := p.Schema.Value
	r.typ = primitiveType(s)
	if s.Type.Is(openapi3.TypeArray) && !composed(s) && s.Items != nil && s.Items.Value != nil {
		r.array, r.typ, r.split = true, primitiveType(s.Items.Value), !sm.Explode
	}
	switch {
	case r.typ == "":
	case p.In == openapi3.ParameterInPath:
		r.plain = sm.Style == openapi3.SerializationSimple && !r.array
		r.escaped = r.plain && r.typ == openapi3.TypeString && spellsEscape(s.Pattern)
	case p.In == openapi3.ParameterInQuery:
		r.plain = sm.Style == openapi3.SerializationForm
	case p.In == openapi3.ParameterInHeader:
		r.plain = sm.Style == openapi3.SerializationSimple && !r.array
	}
	return r
}

// primitiveType returns the one primitive type a schema states, or "" when
// it states another, several or none, composes schemas, or has a multipleOf
// (kin-openapi allows a float's rounding error there; the compiled schema
// does not).
func primitiveType(s *openapi3.Schema) string {
	if composed(s) || s.Type == nil || len(*s.Type) != 1 || s.MultipleOf != nil {
		return ""
	}
	switch t := (*s.Type)[0]; t {
	case openapi3.TypeString, openapi3.TypeInteger, openapi3.TypeNumber, openapi3.TypeBoolean:
		return t
	}
	return ""
}

func composed(s *openapi3.Schema) bool {
	return len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) > 0 || s.Not != nil
}

// paramInput is a request as the parameter rules read it. Its path
// parameters are path, or else those op's template finds in the routed
// path (escapedPath below mount).
type paramInput struct {
	path   map[string]string
	routed routed // when routed.op is not nil
	query  url.Values
	header http.Header
	kin    *openapi3filter.RequestValidationInput // built for the first parameter kin-openapi judges
}

// pathParam returns the value of the path parameter name.
func (in *paramInput) pathParam(name string) (string, bool) {
	if in.path != nil || in.routed.op == nil {
		v, ok := in.path[name]
		return v, ok
	}
	return in.routed.param(name)
}

// rawPathParam returns the value of the path parameter name as it travels
// in the path: the escaped segment when the path is known, else the value
// escaped again.
func (in *paramInput) rawPathParam(name string) (string, bool) {
	if in.routed.op != nil {
		if raw, ok := in.routed.escaped(name); ok {
			return raw, true
		}
	}
	v, ok := in.path[name]
	return url.PathEscape(v), ok
}

// spellsEscape reports whether a pattern spells a percent-escape (%2F,
// %2[fF]) outside a character class: it is written for the value as it
// travels in a path.
func spellsEscape(pattern string) bool {
	inClass := false
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\':
			i++
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '%' && !inClass && i+1 < len(pattern) && strings.IndexByte("0123456789abcdefABCDEF", pattern[i+1]) >= 0:
			return true
		}
	}
	return false
}

// routed is a request's path that Spec.route routed to op.
type routed struct {
	spec               *Spec
	op                 *Operation
	escapedPath, mount string
}

// param returns the value of op's path parameter name.
func (r *routed) param(name string) (string, bool) {
	raw, ok := r.escaped(name)
	if !ok {
		return "", false
	}
	u, err := url.PathUnescape(raw)
	return u, err == nil
}

// escaped returns the value of op's path parameter name as it is in the
// path, escaped.
func (r *routed) escaped(name string) (string, bool) {
	var buf [32]string
	segs, ok := r.spec.segments(buf[:0], r.escapedPath, r.mount)
	for i, seg := range r.op.segments {
		if ok && seg.param == name && i < len(segs) {
			v, _ := seg.match(segs[i])
			return v, true
		}
	}
	return "", false
}

// params returns op's path parameters.
func (r *routed) params() map[string]string {
	var buf [32]string
	segs, _ := r.spec.segments(buf[:0], r.escapedPath, r.mount)
	params, _ := r.op.params(segs)
	return params
}

// judgeParams judges the declared parameters of a request.
func (c *Checker) judgeParams(ctx context.Context, op *Operation, in *paramInput, hreq func() *http.Request) []Problem {
	var out []Problem
	for i := range op.paramRules {
		r := &op.paramRules[i]
		if !r.plain {
			if in.kin == nil {
				if in.path == nil && in.routed.op != nil {
					in.path = in.routed.params()
				}
				in.kin = &openapi3filter.RequestValidationInput{Request: hreq(), PathParams: in.path, Route: op.validation, Options: c.reqOpts}
			}
			out = append(out, requestProblems(openapi3filter.ValidateParameter(ctx, in.kin, r.p))...)
			continue
		}
		if reason := r.judge(op, in); reason != "" {
			out = append(out, Problem{In: r.p.In, Name: r.p.Name, Reason: reason})
		}
	}
	return out
}

// The reasons of a parameter required but not sent, and of one sent empty
// where that is not allowed, in kin-openapi's judgement and in ours.
const reasonMissing, reasonEmpty = "it is required but missing", "it is empty"

// judge returns what is wrong with the parameter's value, or "".
func (r *paramRule) judge(op *Operation, in *paramInput) string {
	value, found, reason := r.decode(in)
	switch {
	case reason != "":
		return reason
	case r.p.Required && !found:
		return reasonMissing
	case value == nil && found && !r.p.AllowEmptyValue:
		return reasonEmpty
	case value == nil, value == "" && r.p.AllowEmptyValue:
		return ""
	}
	v, err := op.schemas.Validator(r.p.Schema)
	if err != nil {
		return err.Error()
	}
	violations := v.Validate(value)
	if len(violations) > 0 && r.escaped {
		if raw, ok := in.rawPathParam(r.p.Name); ok && len(v.Validate(raw)) == 0 {
			return ""
		}
	}
	var reasons []string
	for _, viol := range violations {
		if viol.Pointer != "" {
			viol.Reason = "item " + strings.TrimPrefix(viol.Pointer, "/") + ": " + viol.Reason
		}
		reasons = append(reasons, viol.Reason)
	}
	return strings.Join(reasons, "; ")
}

// decode reads the parameter's value as openapi3filter does: nil when it is
// absent or empty (an empty string for a string), found when it was sent.
func (r *paramRule) decode(in *paramInput) (value any, found bool, reason string) {
	var raws []string
	switch r.p.In {
	case openapi3.ParameterInPath:
		raw, ok := in.pathParam(r.p.Name)
		if !ok || raw == "" {
			return nil, false, ""
		}
		raws, found = []string{raw}, ok
	case openapi3.ParameterInQuery:
		raws, found = in.query[r.p.Name]
	case openapi3.ParameterInHeader:
		raws, found = in.header[r.key]
		raws = raws[:min(len(raws), 1)]
	}
	if len(raws) == 0 {
		return nil, found, ""
	}
	if !r.array {
		raw := raws[0]
		for _, v := range raws[1:] {
			if raw != "" {
				break
			}
			raw = v // the first non-empty value of a repeated query parameter
		}
		v, reason := parsePrimitive(raw, r.typ)
		return v, found, reason
	}
	if r.split {
		raws = strings.Split(raws[0], ",")
	}
	items := make([]any, len(raws))
	for i, raw := range raws {
		v, reason := parsePrimitive(raw, r.typ)
		switch {
		case reason != "":
			return nil, found, "item " + strconv.Itoa(i) + ": " + reason
		case v == nil:
			return nil, found, ""
		}
		items[i] = v
	}
	if len(items) == 1 && items[0] == "" {
		return nil, found, ""
	}
	return items, found, ""
}

// parsePrimitive parses a parameter's text as a JSON value of type typ
// (numbers as float64, as encoding/json decodes them); nil for an empty
// text of a type other than string.
func parsePrimitive(raw, typ string) (any, string) {
	if raw == "" && typ != openapi3.TypeString {
		return nil, ""
	}
	switch typ {
	case openapi3.TypeInteger:
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return float64(n), ""
		}
	case openapi3.TypeNumber:
		if !strings.ContainsFunc(raw, func(r rune) bool { return !strings.ContainsRune("+-.0123456789eE", r) }) {
			if n, err := strconv.ParseFloat(raw, 64); err == nil {
				return n, ""
			}
		}
	case openapi3.TypeBoolean:
		if b, err := strconv.ParseBool(raw); err == nil {
			return b, ""
		}
	default:
		return raw, ""
	}
	return nil, "an invalid " + typ
}
