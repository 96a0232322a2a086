package contract

import "slices"

// Rule is a finding's stable identifier. Rule IDs never change meaning; new
// checks get new IDs.
type Rule string

// The rules. Rules describes each; the rule table of docs/rules.md is those
// descriptions, row for row (a test holds them equal).
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
	RuleVersionMismatch        Rule = "version-mismatch"
	RuleVersionDeprecated      Rule = "version-deprecated"
	RuleClientDecode           Rule = "client-decode"
	RuleBodyTooLarge           Rule = "body-too-large"
	RuleBodyNotRecorded        Rule = "body-not-recorded"
	RuleReplayFailed           Rule = "replay-failed"
	RuleNotSent                Rule = "not-sent"
	RuleCoverageMissing        Rule = "coverage-missing"
	RuleWaiverExpired          Rule = "waiver-expired"
	RuleWaiverUnused           Rule = "waiver-unused"
)

// RuleInfo describes a rule: its severity, what it checks and how to fix a
// finding. Checks and Fix are Markdown: code in backticks.
type RuleInfo struct {
	Rule     Rule     `json:"rule"`
	Severity Severity `json:"severity"`
	Checks   string   `json:"checks"`
	Fix      string   `json:"fix"`
}

// Rules lists every rule in the order the checks run.
func Rules() []RuleInfo { return slices.Clone(rules) }

var rules = []RuleInfo{
	{RuleUnknownOperation, SeverityError,
		"No operation in the spec matches the method and the path below the server URL (the host never matters).",
		"Check the path and any proxy prefix (`--mount`); to judge operations other than the defer, judge against the whole API (`--spec atlas`)."},
	{RuleRequestInvalid, SeverityInfo,
		"The recorded request breaks the spec (a path parameter's pattern, a non-boolean `envelope`, an `Accept` that reaches no version or a retired one) and was refused with a non-2xx status: a correct negative case, reported as information (never a warning) and counted as a note.",
		"Nothing, if the request was invalid on purpose."},
	{RuleInvalidRequestAccepted, SeverityError,
		"The recorded request breaks the spec, yet it was answered 2xx.",
		"Tighten the server, or patch the fragment through the errata overlay if upstream is wrong."},
	{RuleStatusUndeclared, SeverityError,
		"The status (the envelope's `status` when enveloped) is not declared for the operation.",
		"Declare it upstream or in the overlay, or fix the server."},
	{RuleContentType, SeverityError,
		"The media type is not one declared for the status (`;charset=utf-8` and other parameters are tolerated), or a non-empty body has no `Content-Type`. An empty body for a response without a schema conforms (Atlas's real 200, which names its version in `X-Content-Type`).",
		"Send the declared media type."},
	{RuleBodySchema, SeverityError,
		"The body (or the envelope's `content`) is not JSON or breaks the schema; every violation is reported with its pointer.",
		"Fix the body, or the schema through the overlay."},
	{RuleHeaderSchema, SeverityError,
		"A declared response header (`RateLimit-Limit`, `RateLimit-Remaining`, `Retry-After`) has the wrong type.",
		"Send integers (seconds for `Retry-After`)."},
	{RuleAPIErrorStatusMismatch, SeverityError,
		"An `ApiError`'s `error` differs from the HTTP status, or from the envelope's `status`.",
		"Make `error` the status the response means."},
	{RuleAPIErrorCodeFormat, SeverityWarning,
		"`errorCode` is empty or not UPPER_SNAKE_CASE.",
		"Use Atlas's error codes."},
	{RuleEnvelopeShape, SeverityError,
		"The request had `envelope=true` but the body is not `{\"status\": 100..599, \"content\": ...}`, has `status` more than once (JSON decoders disagree on which one wins), or the transport status is neither 200 nor `status`.",
		"Wrap as Atlas does; `content` is judged by the other rules against the response declared for `status`."},
	{RuleEnvelopeUnexpected, SeverityError,
		"An enveloped body answered a request without `envelope=true`.",
		"Only wrap when asked."},
	{RuleVersionMismatch, SeverityError,
		"The response is a version (its `Content-Type`, else `X-Content-Type`) other than the one the request's `Accept` reaches: Atlas serves the newest version on or before the date asked for, the preview only when named.",
		"Serve the version the `Accept` reaches; the body is judged against the schema of the version served."},
	{RuleVersionDeprecated, SeverityWarning,
		"The response carries `Deprecation` (RFC 9745) or `Sunset` (RFC 8594): the version it serves is deprecated and will be retired, after which Atlas answers 410 `VERSION_GONE`.",
		"Move the client to a newer version of the operation before the sunset date (`Accept: application/vnd.atlas.YYYY-MM-DD+json`)."},
	{RuleClientDecode, SeverityError,
		"Replay mode: the generated client could not decode the response into the typed field for its status.",
		"Fix the body or the fragment; the generated client is what importers use."},
	{RuleBodyTooLarge, SeverityError,
		"The recorded body is larger than `--max-body-bytes`, so it was not judged.",
		"Raise the cap, or record smaller responses."},
	{RuleBodyNotRecorded, SeverityWarning,
		"The recording declares a response body but does not hold it (a HAR `content` with a size and no `text`: the browser did not keep it), so the body was not judged.",
		"Export the HAR with its content, or record with `contractcheck record`."},
	{RuleReplayFailed, SeverityError,
		"Replay and target modes: the recorded request could not be sent as recorded, or no answer came; the finding gives the cause, and the run goes on with the next interaction.",
		"Fix the recording (a header value with control characters, a malformed method), or the target's address."},
	{RuleNotSent, SeverityWarning,
		"Target mode: the request does not route to the defer operation, or its project id holds path syntax, so it was not sent. Only the operation's own requests ever reach a target, whatever the recording holds.",
		"Nothing: a browser's HAR holds every call the page made (deleting clusters, creating users, opening access lists), and those are never replayed."},
	{RuleCoverageMissing, SeverityError,
		"A coverage cell the run requires (`--require-coverage`, `require-coverage` in `contractcheck.yaml`: an operation, a declared status, an envelope mode) that no interaction exercises. Coverage itself is a table in every report; only required cells give findings.",
		"Add a recording that exercises it, or require only the cells you mean to exercise."},
	{RuleWaiverExpired, SeverityWarning,
		"A waiver in the configuration file is past its expiry date, so it no longer applies: the findings it waived are reported again.",
		"Fix what the waiver covered, or renew it with a new date and reason."},
	{RuleWaiverUnused, SeverityWarning,
		"A waiver in the configuration file matched no finding in the run.",
		"Remove the waiver, or correct its rule, file, interaction or pointer."},
}

// Info returns the description of r.
func (r Rule) Info() (RuleInfo, bool) {
	for _, ri := range rules {
		if ri.Rule == r {
			return ri, true
		}
	}
	return RuleInfo{}, false
}
