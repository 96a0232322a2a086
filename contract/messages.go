package contract

import "fmt"

// message names one template of the text findings and problems carry. The
// text is for people only: every decision (which rule, which answer a server
// gives, how a writer groups findings) is made from fields, never from it,
// and a test rewords every template to prove it.
type message int

// format fills in the template.
func (m message) format(args ...any) string { return fmt.Sprintf(templates[m], args...) }

const (
	msgNoURL message = iota
	msgUnknownOperation
	msgInvalidAccepted
	msgInvalidRefused
	msgRecorderOmittedBody
	msgBodyTooLarge
	msgBodyNotRecorded
	msgEnvelopeInvalid
	msgEnvelopeNoContent
	msgEnvelopeRepeated
	msgEnvelopeTransport
	msgEnvelopeNotJSON
	msgEnvelopeNoContentType
	msgEnvelopeUnexpected
	msgStatusUndeclared
	msgEnvelopeStatusUndeclared
	msgHeaderMissing
	msgHeaderInvalid
	msgNoContentType
	msgBadContentType
	msgNoBodyDeclared
	msgMediaTypeUndeclared
	msgBodyEmpty
	msgBodyNotJSON
	msgBodySchema
	msgSchemaUncompiled
	msgAPIErrorStatus
	msgAPIErrorEnvelopeStatus
	msgAPIErrorCodeEmpty
	msgAPIErrorCodeFormat
	msgClientDecode
	msgReplayFailed
	msgNotSent
	msgNotSentOperation
	msgNotSentPathSyntax
	msgNotSentInvalidID
	msgCoverageMissing
	msgWaiverExpired
	msgWaiverUnused
	msgMountHint
	msgMountHintOne
	msgProblemParameter
	msgProblemHeader
	msgProblemBody
	msgAcceptMissing
	msgAcceptUnversioned
	msgAcceptTooOld
	msgAcceptNoPreview
	msgAcceptPreviewOnly
	msgAcceptRetired
	msgAcceptFormatUnoffered
	msgVersionMismatch
	msgVersionDeprecated
	msgVersionDeprecatedNoSunset
	msgMediaTypeVersionUndeclared
)

// templates holds the text of every message; see message.
var templates = map[message]string{
	msgNoURL:                      "the request has no URL",
	msgUnknownOperation:           "no operation in the spec matches %s %s; it declares %s",
	msgInvalidAccepted:            "the request is invalid (%s), yet it was answered %d",
	msgInvalidRefused:             "the request is invalid (%s); it was refused with %d, a correct negative case",
	msgRecorderOmittedBody:        "the recording left the body out (it was over the recorder's cap), so it was not judged; record with a larger RecorderOptions.MaxBodyBytes",
	msgBodyTooLarge:               "the response body (%s) is larger than the cap on bodies read, so it was not judged; raise --max-body-bytes",
	msgBodyNotRecorded:            "the recording declares a body (%s) but does not hold it, so the body was not judged",
	msgEnvelopeInvalid:            "the request had envelope=true but %s",
	msgEnvelopeNoContent:          "the request had envelope=true but the envelope has no content member, and the %d response is a single %s, which Atlas wraps as {\"status\", \"content\"} (only lists gain a status member instead)",
	msgEnvelopeRepeated:           "the envelope has %s more than once, and decoders disagree on which counts; %s was judged",
	msgEnvelopeTransport:          "the transport status %d is neither 200 nor the envelope's status %d",
	msgEnvelopeNotJSON:            "an enveloped body must be JSON, but Content-Type is %s",
	msgEnvelopeNoContentType:      "an enveloped body has no Content-Type; an envelope is JSON (application/json)",
	msgEnvelopeUnexpected:         "the body is an envelope ({\"status\", \"content\"}) but the request did not ask for envelope=true",
	msgStatusUndeclared:           "the response status %d is not declared for %s; declared: %s",
	msgEnvelopeStatusUndeclared:   "the envelope's status %d is not declared for %s; declared: %s",
	msgHeaderMissing:              "the required header %s is missing",
	msgHeaderInvalid:              "header %s: %s",
	msgNoContentType:              "a non-empty body has no Content-Type; the %d response declares %s",
	msgBadContentType:             "Content-Type is not a valid media type: %s",
	msgNoBodyDeclared:             "the %d response declares no body, but one came as %s",
	msgMediaTypeUndeclared:        "media type %s is not declared for %d; declared: %s",
	msgBodyEmpty:                  "the body is empty, but the %d response declares a %s body",
	msgBodyNotJSON:                "the body is not valid JSON: %s",
	msgBodySchema:                 "%s (schema %s)",
	msgAPIErrorStatus:             "error is %s but the HTTP status is %d",
	msgAPIErrorEnvelopeStatus:     "error is %s but the envelope's status is %d",
	msgAPIErrorCodeEmpty:          "errorCode is empty; Atlas error codes are UPPER_SNAKE_CASE",
	msgAPIErrorCodeFormat:         "errorCode is not UPPER_SNAKE_CASE",
	msgClientDecode:               "the generated client cannot decode the %d response: %s",
	msgReplayFailed:               "the request could not be replayed: %s",
	msgNotSent:                    "not sent to the target: %s",
	msgNotSentOperation:           "%s is not %s %s, the only operation target mode sends",
	msgNotSentPathSyntax:          "%s: the project id holds path syntax",
	msgNotSentInvalidID:           "%s: the recorded project id is not a valid one, so --group-id does not replace it, and it is not sent as recorded to a project that may not be yours",
	msgCoverageMissing:            "no interaction exercises %s status %d %s",
	msgWaiverExpired:              "the waiver of %s (%s) expired on %s; its findings are reported again",
	msgWaiverUnused:               "the waiver of %s (%s) matched no finding; remove it",
	msgMountHint:                  "all %d interactions that did not match an operation start with %s before the spec's path: recordings made through a proxy mount? try --mount %s",
	msgMountHintOne:               "the interaction that did not match an operation starts with %s before the spec's path: recorded through a proxy mount? try --mount %s",
	msgProblemParameter:           "%s parameter %s: %s",
	msgProblemHeader:              "header %s: %s",
	msgProblemBody:                "request body: %s",
	msgAcceptMissing:              "it is missing; Atlas needs a versioned media type such as application/vnd.atlas.%s",
	msgAcceptUnversioned:          "it names no versioned media type application/vnd.atlas.YYYY-MM-DD+%s",
	msgAcceptTooOld:               "it asks for version %s, older than the operation's first version %s",
	msgAcceptNoPreview:            "it asks for the preview, which the operation does not offer",
	msgAcceptPreviewOnly:          "it asks for version %s, but the operation offers only its preview (%s)",
	msgAcceptRetired:              "it asks for version %s, which reaches version %s, retired on %s",
	msgAcceptFormatUnoffered:      "it asks for %s, a format the operation is not served in (it is served as %s)",
	msgVersionMismatch:            "the response is version %s, but the request's Accept reaches version %s",
	msgVersionDeprecated:          "%s answered with %s, deprecated (%s) and retired on %s: move to a newer version before then",
	msgVersionDeprecatedNoSunset:  "%s answered with %s, deprecated (%s): move to a newer version",
	msgMediaTypeVersionUndeclared: "version %s is not declared for %d; declared: %s",
}
