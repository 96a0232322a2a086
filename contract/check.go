package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// CheckOptions tune a Checker.
type CheckOptions struct {
	// Mount is a path prefix to strip before routing, for recordings made
	// through a proxy that mounts the API below a path (e.g. "/atlas").
	Mount string
}

// Checker judges interactions against a Spec. It is safe for concurrent use.
type Checker struct {
	spec    *Spec
	opts    CheckOptions
	reqOpts *openapi3filter.Options

	// seen remembers what kin-openapi said of recent requests: recordings
	// repeat the same request many times, and the verdict depends on
	// method, path and query alone for an operation without header, cookie
	// or body inputs (see Operation.urlOnly).
	mu   sync.Mutex
	seen map[string][]string
}

// seenMax bounds Checker.seen; it starts afresh when full.
const seenMax = 1024

// NewChecker returns a Checker for spec.
func NewChecker(spec *Spec, opts CheckOptions) *Checker {
	return &Checker{
		spec: spec,
		opts: opts,
		reqOpts: &openapi3filter.Options{
			MultiError: true,
			// Recordings are redacted: credentials are not judged.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			// Never write defaults into the recorded request.
			SkipSettingDefaults: true,
		},
	}
}

// Judgement is what Check concludes about one interaction.
type Judgement struct {
	// Operation is the operation the request routed to; nil for an unknown one.
	Operation *Operation
	// Status is the status the response means: the envelope's status when
	// the request asked for envelope=true and the body is an envelope, else
	// the HTTP status. 0 when it could not be told.
	Status int
	// Enveloped is true when the request asked for envelope=true.
	Enveloped bool
	// TokenExchange is true for a call to the OAuth 2.0 token endpoint of
	// the spec's security schemes: recorded with the API calls it
	// authorises, and not judged.
	TokenExchange bool
	Findings      []Finding
}

// judge collects the findings of one interaction.
type judge struct {
	in *recording.Interaction
	j  *Judgement
}

func (jd *judge) add(rule Rule, sev Severity, pointer, format string, args ...any) {
	jd.j.Findings = append(jd.j.Findings, Finding{
		Rule: rule, Severity: sev, File: jd.in.File, Line: jd.in.Line, Interaction: jd.in.Index,
		Pointer: pointer, Message: fmt.Sprintf(format, args...),
	})
}

// Check judges one interaction: its request against the operation's
// parameters and versioned Accept, its response against the declared
// statuses, media types, headers and schemas, the ApiError's meaning, and
// the envelope when the request asked for one.
func (c *Checker) Check(ctx context.Context, in *recording.Interaction) Judgement {
	var j Judgement
	jd := &judge{in: in, j: &j}
	req, resp := &in.Request, &in.Response
	if req.URL == nil {
		jd.add(RuleUnknownOperation, SeverityError, "", "the request has no URL")
		return j
	}
	op, params, ok := c.spec.Route(req.Method, req.URL.EscapedPath(), c.opts.Mount)
	if !ok && c.spec.IsTokenExchange(req.Method, req.URL.EscapedPath(), c.opts.Mount) {
		j.TokenExchange = true
		j.Status = resp.StatusCode
		return j
	}
	if !ok {
		jd.add(RuleUnknownOperation, SeverityError, "", "no operation in the fragment matches %s %s; it declares %s",
			req.Method, req.URL.EscapedPath(), c.spec.describeOperations())
		return j
	}
	j.Operation = op

	problems, enveloped := c.checkRequest(ctx, op, params, req)
	j.Enveloped = enveloped
	for _, p := range problems {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			jd.add(RuleInvalidRequestAccepted, SeverityError, "", "the request is invalid (%s), yet it was answered %d", p, resp.StatusCode)
		} else {
			jd.add(RuleRequestInvalid, SeverityInfo, "", "the request is invalid (%s); it was refused with %d, a correct negative case", p, resp.StatusCode)
		}
	}

	if resp.BodyTooLarge {
		j.Status = resp.StatusCode
		if resp.Header.Get(recording.OmittedHeader) != "" {
			jd.add(RuleBodyTooLarge, SeverityError, "", "the recording left the body out (it was over the recorder's cap), so it was not judged; record with a larger RecorderOptions.MaxBodyBytes")
		} else {
			jd.add(RuleBodyTooLarge, SeverityError, "", "the response body (%s) is larger than the cap on bodies read, so it was not judged; raise --max-body-bytes", sizeOf(resp.BodySize))
		}
		return j
	}
	if resp.BodyNotRecorded {
		j.Status = resp.StatusCode
		jd.add(RuleBodyNotRecorded, SeverityWarning, "", "the recording declares a body (%s) but does not hold it, so the body was not judged", sizeOf(resp.BodySize))
		return j
	}

	body, status, prefix := resp.Body, resp.StatusCode, ""
	if enveloped {
		env, err := atlas.ParseEnvelope(body)
		if err != nil {
			jd.add(RuleEnvelopeShape, SeverityError, "", "the request had envelope=true but %s", err)
			return j
		}
		for _, name := range repeatedMembers(body, "status", "content") {
			// encoding/json keeps the last; other decoders keep the first.
			judged := "the last"
			if name == "status" {
				judged += ", " + strconv.Itoa(env.Status) + ","
			}
			jd.add(RuleEnvelopeShape, SeverityError, "/"+name, "the envelope has %s more than once, and decoders disagree on which counts; %s was judged", name, judged)
		}
		if resp.StatusCode != http.StatusOK && resp.StatusCode != env.Status {
			jd.add(RuleEnvelopeShape, SeverityError, "/status", "the transport status %d is neither 200 nor the envelope's status %d", resp.StatusCode, env.Status)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "" && !isJSONMediaType(ct) {
			jd.add(RuleContentType, SeverityError, "", "an enveloped body must be JSON, but Content-Type is %s", mediaTypeOf(ct))
		}
		body, status, prefix = env.Content, env.Status, "/content"
		if isJSONNull(body) {
			body = nil
		}
	}
	doc := lazyJSON{body: body}
	if !enveloped && looksEnveloped(&doc) {
		j.Status = status
		jd.add(RuleEnvelopeUnexpected, SeverityError, "", "the body is an envelope ({\"status\", \"content\"}) but the request did not ask for envelope=true")
		return j
	}
	j.Status = status

	info := op.response(status)
	if info == nil {
		what := "the response status"
		if enveloped {
			what = "the envelope's status"
		}
		jd.add(RuleStatusUndeclared, SeverityError, "", "%s %d is not declared for %s; declared: %s", what, status, op.id, joinInts(op.statuses))
		return j
	}
	checkHeaders(jd, info, resp.Header)

	var media *openapi3.MediaType
	if enveloped {
		media = jsonMediaType(info)
	} else {
		var ok bool
		if media, ok = checkContentType(jd, status, info, resp.Header.Get("Content-Type"), body); !ok {
			return j
		}
	}
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return j // no schema: any body, an empty one included, conforms
	}
	if len(body) == 0 {
		jd.add(RuleBodySchema, SeverityError, prefix, "the body is empty, but the %d response declares a %s body", status, schemaName(media.Schema))
		return j
	}
	value, err := doc.get()
	if err != nil {
		jd.add(RuleBodySchema, SeverityError, prefix, "the body is not valid JSON: %s", jsonErrorReason(err))
		return j
	}
	if err := media.Schema.Value.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		for _, se := range flattenSchemaErrors(err) {
			jd.add(RuleBodySchema, SeverityError, prefix+se.pointer, "%s (schema %s)", se.reason, schemaName(media.Schema))
		}
	}
	if obj, ok := value.(map[string]any); ok && isAPIErrorSchema(media.Schema) {
		checkAPIError(jd, obj, status, resp.StatusCode, enveloped, prefix)
	}
	return j
}

// checkRequest validates the request with kin-openapi and checks the
// versioned Accept header. It returns one reason per problem, and whether
// the request asked for an envelope.
func (c *Checker) checkRequest(ctx context.Context, op *Operation, params map[string]string, rec *recording.Request) (problems []string, enveloped bool) {
	problems = c.validateRequest(ctx, op, params, rec)
	if op.envelope && rec.URL.RawQuery != "" {
		if v := rec.URL.Query().Get("envelope"); v != "" {
			b, err := strconv.ParseBool(v)
			enveloped = err == nil && b
		}
	}
	if len(op.versions) > 0 {
		accept := rec.Header.Get("Accept")
		date, ok := acceptVersion(accept)
		switch {
		case accept == "":
			problems = append(problems, fmt.Sprintf("it has no Accept header; Atlas needs a versioned media type such as application/vnd.atlas.%s+json", op.versions[len(op.versions)-1]))
		case !ok:
			problems = append(problems, "its Accept header names no versioned media type application/vnd.atlas.YYYY-MM-DD+json")
		default:
			if _, ok := op.versionFor(date); !ok {
				problems = append(problems, fmt.Sprintf("its Accept header asks for version %s, older than the operation's first version %s", date, op.versions[0]))
			}
		}
	}
	return problems, enveloped
}

// validateRequest runs kin-openapi's request validation, or recalls its
// verdict on the same request.
func (c *Checker) validateRequest(ctx context.Context, op *Operation, params map[string]string, rec *recording.Request) []string {
	var key string
	if op.urlOnly {
		key = rec.Method + " " + rec.URL.EscapedPath() + "?" + rec.URL.RawQuery
		c.mu.Lock()
		problems, ok := c.seen[key]
		c.mu.Unlock()
		if ok {
			return slices.Clone(problems)
		}
	}
	hreq := &http.Request{Method: rec.Method, URL: rec.URL, Header: rec.Header, Body: http.NoBody, Host: rec.URL.Host}
	if hreq.Header == nil {
		hreq.Header = http.Header{}
	}
	problems := requestProblems(openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
		Request: hreq, PathParams: params, Route: op.validation, Options: c.reqOpts,
	}))
	if op.urlOnly {
		c.mu.Lock()
		if len(c.seen) >= seenMax || c.seen == nil {
			c.seen = make(map[string][]string)
		}
		c.seen[key] = slices.Clone(problems)
		c.mu.Unlock()
	}
	return problems
}

// requestProblems turns kin-openapi's request errors into reasons that name
// the parameter and never quote its value.
func requestProblems(err error) []string {
	if err == nil {
		return nil
	}
	// A type assertion, not errors.As: MultiError's As would match inside a
	// RequestError and lose the parameter it names.
	if me, ok := err.(openapi3.MultiError); ok {
		var out []string
		for _, e := range me {
			out = append(out, requestProblems(e)...)
		}
		return out
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		reason := requestErrorReason(re)
		if p := re.Parameter; p != nil {
			return []string{fmt.Sprintf("%s parameter %s: %s", p.In, p.Name, reason)}
		}
		return []string{"request body: " + reason}
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) && se.Reason != "" {
		return []string{se.Reason}
	}
	return []string{firstLine(err.Error())}
}

func requestErrorReason(re *openapi3filter.RequestError) string {
	var pe *openapi3filter.ParseError
	switch {
	case re.Err == nil && re.Reason != "":
		return re.Reason
	case re.Err == nil:
		return "it is invalid"
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return "it is required but missing"
	case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
		return "it is empty"
	case errors.As(re.Err, &pe) && pe.Reason != "":
		return pe.Reason
	}
	var reasons []string
	for _, p := range flattenSchemaErrors(re.Err) {
		reasons = append(reasons, p.reason)
	}
	return strings.Join(reasons, "; ")
}

// checkContentType checks the response media type against those declared
// for status and returns the declared media type to judge the body by. It
// returns ok=false when the body cannot be judged.
func checkContentType(jd *judge, status int, info *responseInfo, ct string, body []byte) (*openapi3.MediaType, bool) {
	declared := info.types
	if ct == "" {
		if len(body) == 0 {
			return jsonMediaType(info), true
		}
		if len(declared) == 0 {
			return nil, false
		}
		jd.add(RuleContentType, SeverityError, "", "a non-empty body has no Content-Type; the %d response declares %s", status, strings.Join(declared, ", "))
		return nil, false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		jd.add(RuleContentType, SeverityError, "", "Content-Type is not a valid media type: %s", err)
		return nil, false
	}
	if len(declared) == 0 {
		if len(body) > 0 {
			jd.add(RuleContentType, SeverityError, "", "the %d response declares no body, but one came as %s", status, mt)
		}
		return nil, false
	}
	media := info.response.Content.Get(mt)
	if media == nil {
		jd.add(RuleContentType, SeverityError, "", "media type %s is not declared for %d; declared: %s", mt, status, strings.Join(declared, ", "))
		return nil, false
	}
	if media.Schema != nil && !isJSONMediaType(mt) {
		return nil, false // only JSON bodies are judged by schema
	}
	return media, true
}

// checkHeaders checks the declared response headers that are present (and
// the required ones) against their schemas.
func checkHeaders(jd *judge, info *responseInfo, h http.Header) {
	for _, d := range info.headers {
		values := h.Values(d.name)
		if len(values) == 0 {
			if d.header.Required {
				jd.add(RuleHeaderSchema, SeverityError, "", "the required header %s is missing", d.name)
			}
			continue
		}
		if d.header.Schema == nil || d.header.Schema.Value == nil {
			continue
		}
		schema := d.header.Schema.Value
		v, err := parseHeaderValue(strings.TrimSpace(values[0]), schema)
		if err != nil {
			jd.add(RuleHeaderSchema, SeverityError, "", "header %s: %s", d.name, err)
			continue
		}
		if d.typeOnly {
			continue // parsing checked the type, all the schema says
		}
		if err := schema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
			for _, se := range flattenSchemaErrors(err) {
				jd.add(RuleHeaderSchema, SeverityError, "", "header %s: %s", d.name, se.reason)
			}
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
func checkAPIError(jd *judge, obj map[string]any, status, transport int, enveloped bool, prefix string) {
	if e, ok := obj["error"].(float64); ok && e != float64(status) {
		if enveloped {
			jd.add(RuleAPIErrorStatusMismatch, SeverityError, prefix+"/error", "error is %s but the envelope's status is %d", strconv.FormatFloat(e, 'f', -1, 64), status)
		} else {
			jd.add(RuleAPIErrorStatusMismatch, SeverityError, prefix+"/error", "error is %s but the HTTP status is %d", strconv.FormatFloat(e, 'f', -1, 64), status)
		}
	}
	if code, ok := obj["errorCode"].(string); ok {
		switch {
		case code == "":
			jd.add(RuleAPIErrorCodeFormat, SeverityWarning, prefix+"/errorCode", "errorCode is empty; Atlas error codes are UPPER_SNAKE_CASE")
		case !isUpperSnake(code):
			jd.add(RuleAPIErrorCodeFormat, SeverityWarning, prefix+"/errorCode", "errorCode is not UPPER_SNAKE_CASE")
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
		l.err = json.Unmarshal(l.body, &l.value)
	}
	return l.value, l.err
}

// looksEnveloped tells whether a body is an Atlas envelope: a JSON object
// with both status and content.
func looksEnveloped(doc *lazyJSON) bool {
	b := bytes.TrimLeft(doc.body, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	v, err := doc.get()
	obj, ok := v.(map[string]any)
	if err != nil || !ok {
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

func isJSONNull(b []byte) bool { return strings.TrimSpace(string(b)) == "null" }

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

// jsonMediaType picks the media type a body without Content-Type, or an
// enveloped content, is judged by: the declared JSON one, application/json
// first.
func jsonMediaType(info *responseInfo) *openapi3.MediaType {
	content := info.response.Content
	if m := content["application/json"]; m != nil {
		return m
	}
	for _, mt := range info.types {
		if isJSONMediaType(mt) {
			return content[mt]
		}
	}
	return nil
}

func schemaName(ref *openapi3.SchemaRef) string {
	if i := strings.LastIndexByte(ref.Ref, '/'); i >= 0 {
		return ref.Ref[i+1:]
	}
	return "inline schema"
}

type schemaProblem struct{ pointer, reason string }

// flattenSchemaErrors lists every violation in a kin-openapi validation
// error with its JSON pointer, built from the reason, never the value.
func flattenSchemaErrors(err error) []schemaProblem {
	var out []schemaProblem
	var walk func(error)
	walk = func(err error) {
		if me, ok := err.(openapi3.MultiError); ok {
			for _, e := range me {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			reason := se.Reason
			if reason == "" {
				reason = fmt.Sprintf("does not match the schema's %s", se.SchemaField)
			}
			out = append(out, schemaProblem{pointer: jsonPointer(se.JSONPointer()), reason: reason})
			return
		}
		var me openapi3.MultiError
		if errors.As(err, &me) {
			walk(me)
			return
		}
		out = append(out, schemaProblem{reason: firstLine(err.Error())})
	}
	walk(err)
	return out
}

func jsonPointer(tokens []string) string {
	var b strings.Builder
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(esc.Replace(t))
	}
	return b.String()
}

// clientDecodeReason says why the generated client could not decode a
// response, without quoting the value (strconv and encoding/json errors
// would).
func clientDecodeReason(err error) string {
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	var ne *strconv.NumError
	switch {
	case errors.As(err, &ute):
		kind, _, _ := strings.Cut(ute.Value, " ") // "number 400.0": keep the kind, drop the value
		return fmt.Sprintf("a JSON %s cannot be decoded into the Go field %s.%s of type %s", kind, ute.Struct, ute.Field, ute.Type)
	case errors.As(err, &se):
		return fmt.Sprintf("the body is not valid JSON (byte %d)", se.Offset)
	case errors.As(err, &ne):
		return fmt.Sprintf("a declared response header is not a valid %s value (%s)", strings.TrimPrefix(ne.Func, "Parse"), ne.Err)
	}
	return firstLine(err.Error())
}

func jsonErrorReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		kind, _, _ := strings.Cut(ute.Value, " ")
		return fmt.Sprintf("unexpected %s at byte %d", kind, ute.Offset)
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

func sizeOf(n int64) string {
	switch {
	case n <= 0:
		return "size unknown"
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// describeOperations lists the spec's operations as "METHOD path".
func (s *Spec) describeOperations() string {
	var out []string
	for _, o := range s.operations {
		out = append(out, o.method+" "+o.path)
	}
	return strings.Join(out, ", ")
}
