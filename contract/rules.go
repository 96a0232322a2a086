package contract

// Rule is a finding's stable identifier. Rule IDs never change meaning; new
// checks get new IDs.
type Rule string

// The rules. RuleInfo describes each; the README's rule table is built from
// the same descriptions.
const (
	RuleUnknownOperation       Rule = "unknown-operation"
	RuleRequestInvalid         Rule = "request-invalid"
	RuleInvalidRequestAccepted Rule = "invalid-request-accepted"
	RuleStatusUndeclared       Rule = "status-undeclared"
	RuleContentType            Rule = "content-type"
	RuleBodySchema             Rule = "body-schema"
	RuleHeaderSchema           Rule = "header-schema"
	RuleAPIErrorStatusMismatch Rule = "api-error-status-mismatch"
	RuleAPIErrorCodeFormat     Rule = "api-error-code-format"
	RuleEnvelopeShape          Rule = "envelope-shape"
	RuleEnvelopeUnexpected     Rule = "envelope-unexpected"
	RuleClientDecode           Rule = "client-decode"
	RuleBodyTooLarge           Rule = "body-too-large"
	RuleBodyNotRecorded        Rule = "body-not-recorded"
	RuleCoverageMissing        Rule = "coverage-missing"
	RuleWaiverExpired          Rule = "waiver-expired"
	RuleWaiverUnused           Rule = "waiver-unused"
)

// RuleInfo describes a rule: its default severity, what it checks and how to
// fix a finding.
type RuleInfo struct {
	Rule     Rule     `json:"rule"`
	Severity Severity `json:"severity"`
	Checks   string   `json:"checks"`
	Fix      string   `json:"fix"`
}

// Rules lists every rule in the order the checks run.
var Rules = []RuleInfo{
	{RuleUnknownOperation, SeverityError,
		"No operation in the fragment matches the request's method and path (below the server URL; the host never matters).",
		"Record only calls to the defer endpoint, or check the path for typos and a proxy prefix."},
	{RuleRequestInvalid, SeverityWarning,
		"The recorded request breaks the fragment (groupId pattern, a non-boolean envelope, a missing or malformed versioned Accept) and was refused with a non-2xx status: a correct negative case.",
		"Nothing, if the request was invalid on purpose; otherwise fix the caller."},
	{RuleInvalidRequestAccepted, SeverityError,
		"The recorded request breaks the fragment, yet it was answered 2xx: the server accepts what the contract forbids, or the fragment is too strict.",
		"Tighten the server, or patch the fragment through openapi/errata.overlay.yaml if upstream is wrong."},
	{RuleStatusUndeclared, SeverityError,
		"The response status (the envelope's status when enveloped) is not declared for the operation.",
		"Declare the status upstream (or in the errata overlay), or fix the server."},
	{RuleContentType, SeverityError,
		"The response media type is not one the fragment declares for its status (parameters such as ;charset=utf-8 are tolerated), or a non-empty body has no Content-Type. An empty body for a response without a schema conforms.",
		"Send the declared media type."},
	{RuleBodySchema, SeverityError,
		"The response body (or the envelope's content) is not valid JSON or breaks the schema; every violation is reported with its JSON pointer.",
		"Fix the server's body, or the schema through the errata overlay if upstream is wrong."},
	{RuleHeaderSchema, SeverityError,
		"A declared response header (RateLimit-Limit, RateLimit-Remaining, Retry-After) has a value of the wrong type.",
		"Send the header as the fragment types it (integers, in seconds for Retry-After)."},
	{RuleAPIErrorStatusMismatch, SeverityError,
		"An ApiError's error field differs from the HTTP status, or from the envelope's status.",
		"Make error equal the status the response means."},
	{RuleAPIErrorCodeFormat, SeverityWarning,
		"An ApiError's errorCode is empty or not UPPER_SNAKE_CASE.",
		"Use Atlas's UPPER_SNAKE_CASE error codes."},
	{RuleEnvelopeShape, SeverityError,
		"The request had envelope=true but the body is not {\"status\": 100..599, \"content\": ...}, or the transport status is neither 200 nor the envelope's status.",
		"Wrap the body as Atlas does; the content is judged by the other rules against the response declared for status."},
	{RuleEnvelopeUnexpected, SeverityError,
		"An enveloped body answered a request without envelope=true.",
		"Only wrap when the request asks for it."},
	{RuleClientDecode, SeverityError,
		"In replay mode, the generated client could not decode the response into the typed field for its status.",
		"Fix the body or the fragment; the generated client is what importers use."},
	{RuleBodyTooLarge, SeverityError,
		"The recorded response body is larger than the reader's cap, so it was not judged.",
		"Raise --max-body-bytes, or record smaller responses."},
	{RuleBodyNotRecorded, SeverityWarning,
		"The recording declares a response body but does not hold it (a HAR content with a size and no text: the browser did not keep it), so the body was not judged.",
		"Export the HAR with its content (in Chrome, \"Save all as HAR with content\"), or record with contractcheck record."},
	{RuleCoverageMissing, SeverityWarning,
		"A declared status, in one envelope mode, that no interaction in the run exercises (an error with --require-coverage).",
		"Add a recording that exercises it."},
	{RuleWaiverExpired, SeverityWarning,
		"A waiver in the configuration file is past its expiry date, so it no longer applies: the findings it waived are reported again.",
		"Fix what the waiver covered, or renew it with a new date and reason."},
	{RuleWaiverUnused, SeverityWarning,
		"A waiver in the configuration file matched no finding in the run.",
		"Remove the waiver, or correct its rule, file, interaction or pointer."},
}

// Info returns the description of r.
func (r Rule) Info() (RuleInfo, bool) {
	for _, ri := range Rules {
		if ri.Rule == r {
			return ri, true
		}
	}
	return RuleInfo{}, false
}
