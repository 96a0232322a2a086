package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/openapi"
)

// checkResponse judges a response against the operation's declaration of
// the status it means: its headers, its media type, its body's schema and,
// for an ApiError, what the error says.
func checkResponse(jd *judge, op *Operation, resp *recording.Response, b *judgedBody) {
	status := jd.j.Status
	info := op.response(status)
	if info == nil {
		m := msgStatusUndeclared
		if b.enveloped {
			m = msgEnvelopeStatusUndeclared
		}
		jd.add(RuleStatusUndeclared, "", m, status, op.id, joinInts(op.statuses))
		return
	}
	checkHeaders(jd, op, info, resp.Header)
	checkVersion(jd, op, resp.Header)
	// The body is judged against the schema of the version served: the
	// one its media type names, else the one the request's Accept reaches.
	version := jd.j.Version
	if v, ok := servedVersion(resp.Header); ok {
		version = v
	}
	var media *openapi3.MediaType
	if b.enveloped {
		if media, _ = info.mediaFor(version); media == nil {
			media = info.jsonMedia()
		}
	} else {
		var ok bool
		if media, ok = checkContentType(jd, status, info, resp.Header.Get("Content-Type"), version, b.bytes); !ok {
			return
		}
	}
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return // no schema: any body, an empty one included, conforms
	}
	if len(b.bytes) == 0 {
		jd.add(RuleBodySchema, b.prefix, msgBodyEmpty, status, schemaName(media.Schema))
		return
	}
	var value any
	if !b.enveloped && media.Extensions[openapi.BodyTextExtension] == "text" {
		value = string(b.bytes) // an erratum: the body is the text itself
	} else {
		var err error
		if value, err = b.doc.get(); err != nil {
			jd.add(RuleBodySchema, b.prefix, msgBodyNotJSON, jsonErrorReason(err))
			return
		}
	}
	v, err := op.schemas.Validator(media.Schema)
	if err != nil {
		jd.add(RuleBodySchema, b.prefix, msgSchemaUncompiled, schemaName(media.Schema), err)
		return
	}
	for _, viol := range v.Validate(value) {
		jd.add(RuleBodySchema, b.prefix+viol.Pointer, msgBodySchema, viol.Reason, schemaName(media.Schema))
	}
	if obj, ok := value.(map[string]any); ok && isAPIErrorSchema(media.Schema) {
		checkAPIError(jd, obj, status, b.enveloped, b.prefix)
	}
}

// checkVersion judges the version a response says it is against the one
// the request's Accept reaches, and reports a version Atlas announced the
// retirement of (Deprecation, Sunset).
func checkVersion(jd *judge, op *Operation, h http.Header) {
	served, ok := servedVersion(h)
	if ok && jd.j.Version != "" && served != jd.j.Version {
		jd.add(RuleVersionMismatch, "", msgVersionMismatch, served, jd.j.Version)
	}
	if deprecated, sunset, ok := deprecation(h); ok {
		if served == "" {
			served = jd.j.Version
		}
		if served == "" {
			served = "a version it does not name"
		} else {
			served = "version " + served
		}
		if sunset != "" {
			jd.add(RuleVersionDeprecated, "", msgVersionDeprecated, op.id, served, orUndated(deprecated), sunset)
		} else {
			jd.add(RuleVersionDeprecated, "", msgVersionDeprecatedNoSunset, op.id, served, orUndated(deprecated))
		}
	}
}

func orUndated(day string) string {
	if day == "" {
		return "undated"
	}
	return "since " + day
}

// checkContentType checks the response media type against those declared
// for status and returns the declared media type to judge the body by
// (for a body without Content-Type, the one of version). It returns
// ok=false when the body cannot be judged.
func checkContentType(jd *judge, status int, info *responseInfo, ct, version string, body []byte) (*openapi3.MediaType, bool) {
	declared := info.types
	if ct == "" {
		if len(body) == 0 {
			if media, _ := info.mediaFor(version); media != nil {
				return media, true
			}
			return info.jsonMedia(), true
		}
		if len(declared) == 0 {
			return nil, false
		}
		jd.add(RuleContentType, "", msgNoContentType, status, strings.Join(declared, ", "))
		return nil, false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		jd.add(RuleContentType, "", msgBadContentType, err)
		return nil, false
	}
	if len(declared) == 0 {
		if len(body) > 0 {
			jd.add(RuleContentType, "", msgNoBodyDeclared, status, quote(mt))
		}
		return nil, false
	}
	media := info.response.Content.Get(mt)
	if media == nil {
		jd.add(RuleContentType, "", msgMediaTypeUndeclared, quote(mt), status, strings.Join(declared, ", "))
		return nil, false
	}
	if media.Schema != nil && !isJSONMediaType(mt) {
		return nil, false // only JSON bodies are judged by schema
	}
	return media, true
}

// checkHeaders checks the declared response headers that are present (and
// the required ones) against their schemas.
func checkHeaders(jd *judge, op *Operation, info *responseInfo, h http.Header) {
	for _, d := range info.headers {
		values := h[d.key]
		if len(values) == 0 {
			if d.header.Required {
				jd.add(RuleHeaderSchema, "", msgHeaderMissing, d.name)
			}
			continue
		}
		if d.header.Schema == nil || d.header.Schema.Value == nil {
			continue
		}
		schema := d.header.Schema.Value
		v, err := parseHeaderValue(strings.TrimSpace(values[0]), schema)
		if err != nil {
			jd.add(RuleHeaderSchema, "", msgHeaderInvalid, d.name, err)
			continue
		}
		validator, err := op.schemas.Validator(d.header.Schema)
		if err != nil {
			jd.add(RuleHeaderSchema, "", msgHeaderInvalid, d.name, err)
			continue
		}
		for _, viol := range validator.Validate(v) {
			jd.add(RuleHeaderSchema, "", msgHeaderInvalid, d.name, viol.Reason)
		}
	}
}

func parseHeaderValue(s string, schema *openapi3.Schema) (any, error) {
	switch {
	case schema.Type.Is("integer"):
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, errors.New("the value is not an integer")
		}
		return float64(n), nil
	case schema.Type.Is("number"):
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, errors.New("the value is not a number")
		}
		return n, nil
	case schema.Type.Is("boolean"):
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errors.New("the value is not a boolean")
		}
		return b, nil
	}
	return s, nil
}

// checkAPIError checks what an ApiError means: its error must be the status
// the response means, and its errorCode UPPER_SNAKE_CASE.
func checkAPIError(jd *judge, obj map[string]any, status int, enveloped bool, prefix string) {
	if e, ok := obj["error"].(float64); ok && e != float64(status) {
		m := msgAPIErrorStatus
		if enveloped {
			m = msgAPIErrorEnvelopeStatus
		}
		jd.add(RuleAPIErrorStatusMismatch, prefix+"/error", m, strconv.FormatFloat(e, 'f', -1, 64), status)
	}
	if code, ok := obj["errorCode"].(string); ok {
		switch {
		case code == "":
			jd.add(RuleAPIErrorCodeFormat, prefix+"/errorCode", msgAPIErrorCodeEmpty)
		case !isUpperSnake(code):
			jd.add(RuleAPIErrorCodeFormat, prefix+"/errorCode", msgAPIErrorCodeFormat)
		}
	}
}

func isUpperSnake(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_' && s[i-1] != '_':
		default:
			return false
		}
	}
	return true
}

// isAPIErrorSchema tells whether a response schema is the ApiError schema,
// by reference or by shape (required error and errorCode).
func isAPIErrorSchema(ref *openapi3.SchemaRef) bool {
	if strings.HasSuffix(ref.Ref, "/ApiError") {
		return true
	}
	s := ref.Value
	return s != nil && slices.Contains(s.Required, "error") && slices.Contains(s.Required, "errorCode")
}

// lazyJSON decodes a body at most once, when a check first needs it.
type lazyJSON struct {
	body  []byte
	done  bool
	value any
	err   error
}

func (l *lazyJSON) get() (any, error) {
	if !l.done {
		l.done = true
		l.value, l.err = decodeJSON(l.body)
	}
	return l.value, l.err
}

// getObject returns the body as a JSON object, if it is one.
func (l *lazyJSON) getObject() (map[string]any, bool) {
	v, err := l.get()
	obj, ok := v.(map[string]any)
	return obj, err == nil && ok
}

// looksEnveloped tells whether a body is an Atlas envelope: a JSON object
// with both status and content.
func looksEnveloped(doc *lazyJSON) bool {
	b := bytes.TrimLeft(doc.body, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	obj, ok := doc.getObject()
	if !ok {
		return false
	}
	_, status := obj["status"]
	_, content := obj["content"]
	return status && content
}

// repeatedMembers returns those of names that occur more than once among
// the members of the JSON object body, in the order of names. body is
// valid JSON (ParseEnvelope accepted it).
func repeatedMembers(body []byte, names ...string) []string {
	if !bytes.ContainsRune(body, '\\') {
		// Without escapes a member name is its quoted self: a name seen at
		// most once needs no decoding.
		twice := false
		for _, n := range names {
			twice = twice || bytes.Count(body, []byte(`"`+n+`"`)) > 1
		}
		if !twice {
			return nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	seen := make(map[string]int, len(names))
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		if key, ok := t.(string); ok && slices.Contains(names, key) {
			seen[key]++
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	var out []string
	for _, n := range names {
		if seen[n] > 1 {
			out = append(out, n)
		}
	}
	return out
}

func isJSONNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }

func isJSONMediaType(ct string) bool {
	mt := mediaTypeOf(ct)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func mediaTypeOf(ct string) string {
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
}

func schemaName(ref *openapi3.SchemaRef) string {
	if i := strings.LastIndexByte(ref.Ref, '/'); i >= 0 {
		return ref.Ref[i+1:]
	}
	return "inline schema"
}

func jsonErrorReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		kind, _, _ := strings.Cut(ute.Value, " ")
		return "unexpected " + kind + " at byte " + strconv.FormatInt(ute.Offset, 10)
	}
	return err.Error()
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
