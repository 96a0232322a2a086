package contract

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/ecmaregexp"
)

// Checker judges interactions against a Spec. It is safe for concurrent use.
type Checker struct {
	spec    *Spec
	mount   string
	reqOpts *openapi3filter.Options
}

// NewChecker returns a Checker for spec. mount is a path prefix to strip
// before routing, for recordings made through a proxy that mounts the API
// below a path ("/atlas-proxy"); empty for none. It is used as given: see
// NormalizeMount.
func NewChecker(spec *Spec, mount string) *Checker {
	return &Checker{
		spec:  spec,
		mount: mount,
		reqOpts: &openapi3filter.Options{
			MultiError: true,
			// Request bodies are what a client chose to send; the contract
			// judged here is the API's answers, and the request parameters
			// and Accept that select them.
			ExcludeRequestBody: true,
			// Patterns are ECMAScript (look-aheads included).
			RegexCompiler: compilePattern,
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
	// AuthEndpoint is true for a call to the OAuth 2.0 token endpoint of the
	// spec's security schemes or to its revocation endpoint: recorded with
	// the API calls they authorise, and not judged.
	AuthEndpoint bool
	// Problems are the ways the request breaks the spec.
	Problems []Problem
	// Version is the version of the operation the request's Accept reaches
	// (see RequestVerdict.Version).
	Version string
	// RequestNotRecorded is true when the recording holds no request
	// headers (recording.Request.NotRecorded): the rules about the request
	// were skipped.
	RequestNotRecorded bool
	Findings           []Finding
}

// judge collects the findings of one interaction.
type judge struct {
	in *recording.Interaction
	j  *Judgement
}

func (jd *judge) add(rule Rule, pointer string, m message, args ...any) {
	info, _ := rule.Info()
	jd.j.Findings = append(jd.j.Findings, Finding{
		Rule: rule, Severity: info.Severity, File: jd.in.File, Line: findingLine(jd.in, rule), Interaction: jd.in.Index,
		Pointer: pointer, Message: m.format(args...),
	})
}

// findingLine is the line a finding of rule names: the recorded body's for
// a finding about the body, else the interaction's.
func findingLine(in *recording.Interaction, rule Rule) int {
	switch rule {
	case RuleBodySchema, RuleEnvelopeShape, RuleEnvelopeUnexpected, RuleAPIErrorStatusMismatch, RuleAPIErrorCodeFormat, RuleClientDecode:
		if in.Response.BodyLine > 0 {
			return in.Response.BodyLine
		}
	}
	return in.Line
}

// Check judges one interaction: its request against the operation's
// parameters and versioned Accept, its response against the declared
// statuses, media types, headers and schemas, the ApiError's meaning, and
// the envelope when the request asked for one. Each stage stops the
// judgement when what follows would only restate its finding.
func (c *Checker) Check(ctx context.Context, in *recording.Interaction) Judgement {
	var j Judgement
	jd := &judge{in: in, j: &j}
	req, resp := &in.Request, &in.Response
	if req.URL == nil {
		jd.add(RuleUnknownOperation, "", msgNoURL)
		return j
	}
	path := req.URL.EscapedPath()
	var buf [32]string
	op, _, ok := c.spec.route(buf[:0], req.Method, path, c.mount)
	if !ok {
		if c.spec.IsAuthEndpoint(req.Method, path, c.mount) {
			j.AuthEndpoint, j.Status = true, resp.StatusCode
			return j
		}
		jd.add(RuleUnknownOperation, "", msgUnknownOperation, quote(req.Method), quote(path), c.spec.describeOperations())
		return j
	}
	j.Operation = op
	if req.NotRecorded {
		j.RequestNotRecorded, j.Enveloped = true, op.envelope && op.asksEnvelope(req.URL.Query())
	} else {
		in := &paramInput{routed: routed{spec: c.spec, op: op, escapedPath: path, mount: c.mount}}
		v := c.checkRequest(ctx, op, in, req, func() time.Time { return recordedAt(resp.Header) })
		j.Problems, j.Enveloped, j.Version = v.Problems, v.Enveloped, v.Version
	}
	for _, p := range j.Problems {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			jd.add(RuleInvalidRequestAccepted, "", msgInvalidAccepted, p, resp.StatusCode)
		} else {
			jd.add(RuleRequestInvalid, "", msgInvalidRefused, p, resp.StatusCode)
		}
	}
	j.Status = resp.StatusCode
	if !checkRecorded(jd, resp) {
		return j
	}
	body, ok := jd.unwrap(op, resp)
	if !ok {
		return j
	}
	checkResponse(jd, op, resp, body)
	return j
}

// checkRecorded tells whether the recording holds the response body whole;
// when it does not, the finding says why it was not judged.
func checkRecorded(jd *judge, resp *recording.Response) bool {
	switch {
	case resp.BodyTooLarge && resp.Header.Get(recording.OmittedHeader) != "":
		jd.add(RuleBodyTooLarge, "", msgRecorderOmittedBody)
	case resp.BodyTooLarge:
		jd.add(RuleBodyTooLarge, "", msgBodyTooLarge, sizeOf(resp.BodySize))
	case resp.BodyNotRecorded:
		jd.add(RuleBodyNotRecorded, "", msgBodyNotRecorded, sizeOf(resp.BodySize))
	default:
		return true
	}
	return false
}

// judgedBody is the body the response rules judge: the recorded one, or
// the content of an envelope.
type judgedBody struct {
	bytes []byte
	doc   lazyJSON
	// prefix is the JSON pointer of the judged body in the recorded one
	// ("/content" inside an envelope).
	prefix string
	// enveloped is true when the body came out of an envelope.
	enveloped bool
}

// unwrap returns the body to judge and sets the status the response means:
// for envelope=true, the envelope's, after judging the envelope itself. ok
// is false when nothing more can be judged.
func (jd *judge) unwrap(op *Operation, resp *recording.Response) (b *judgedBody, ok bool) {
	b = &judgedBody{bytes: resp.Body}
	b.doc.body = resp.Body
	if !jd.j.Enveloped {
		// An operation whose declared body is itself {"status", "content"}
		// (the Performance Advisor's Enveloped…Response) answers so unasked.
		if looksEnveloped(&b.doc) && !op.response(resp.StatusCode).isEnvelope() {
			jd.add(RuleEnvelopeUnexpected, "", msgEnvelopeUnexpected)
			return nil, false
		}
		return b, true
	}
	env, err := atlas.ParseEnvelope(resp.Body)
	if err != nil {
		jd.add(RuleEnvelopeShape, "", msgEnvelopeInvalid, err)
		return nil, false
	}
	jd.j.Status = env.Status
	for _, name := range repeatedMembers(resp.Body, "status", "content") {
		// encoding/json keeps the last; other decoders keep the first.
		judged := "the last"
		if name == "status" {
			judged += ", " + strconv.Itoa(env.Status) + ","
		}
		jd.add(RuleEnvelopeShape, "/"+name, msgEnvelopeRepeated, name, judged)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != env.Status {
		jd.add(RuleEnvelopeShape, "/status", msgEnvelopeTransport, resp.StatusCode, env.Status)
	}
	switch ct := resp.Header.Get("Content-Type"); {
	case ct == "":
		jd.add(RuleContentType, "", msgEnvelopeNoContentType)
	case !isJSONMediaType(ct):
		jd.add(RuleContentType, "", msgEnvelopeNotJSON, quote(mediaTypeOf(ct)))
	}
	b.enveloped = true
	if env.Content == nil {
		// A list gains a status member instead of being wrapped: the page is
		// judged as it is. A single entity without content is no envelope.
		if info := op.response(env.Status); info != nil && info.isList() {
			// The page is judged without the status member it gained.
			if page, ok := b.doc.getObject(); ok {
				delete(page, "status")
			}
			return b, true
		}
		if info := op.response(env.Status); info != nil {
			media, _ := info.mediaFor(jd.j.Version)
			if media == nil {
				media = info.jsonMedia()
			}
			if media != nil && media.Schema != nil {
				jd.add(RuleEnvelopeShape, "", msgEnvelopeNoContent, env.Status, schemaName(media.Schema))
				return nil, false
			}
		}
	}
	b.bytes, b.prefix = env.Content, "/content"
	if isJSONNull(b.bytes) {
		b.bytes = nil
	}
	b.doc = lazyJSON{body: b.bytes}
	return b, true
}

// sizeOf writes a body size for people.
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

// maxQuoted bounds how much of a recorded value a message quotes: eight
// dozen bytes hold any real method, media type or Atlas path.
const maxQuoted = 96

// quote writes a recorded value for a message: at most maxQuoted bytes of
// it, cut at a character boundary, with the total size when it was cut. A
// recording is input from outside: a method of megabytes must not become a
// report of megabytes.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

// compilePattern compiles a schema's pattern as the ECMAScript regular
// expression OpenAPI says it is.
func compilePattern(expr string) (openapi3.RegexMatcher, error) { return ecmaregexp.Compile(expr) }
