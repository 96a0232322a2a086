package atlas

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// EnvelopeBody is a response body that Atlas wrapped because the request
// asked for envelope=true: {"status": <HTTP status>, "content": <the body>}.
type EnvelopeBody struct {
	// Status is the HTTP status the API meant, whatever the transport status was.
	Status int
	// Content is the wrapped body, verbatim; nil when the envelope has no content member.
	Content json.RawMessage
}

// The reasons ParseEnvelope gives. Each reads as a clause ("the request had
// envelope=true but <reason>") and states the reason, never the value, so a
// report quoting it cannot leak body content.
var (
	errEnvelopeEmpty            = errors.New("the body is empty")
	errEnvelopeNotJSON          = errors.New("the body is not valid JSON")
	errEnvelopeNotObject        = errors.New("the body is not a JSON object")
	errEnvelopeNoStatus         = errors.New("the envelope has no status member")
	errEnvelopeStatusNotNumber  = errors.New("the envelope's status is not a JSON number")
	errEnvelopeStatusNotInteger = errors.New("the envelope's status is not an integer")
	errEnvelopeStatusOutOfRange = errors.New("the envelope's status is not an HTTP status code (100 to 599)")
)

// ParseEnvelope unwraps an enveloped body. It requires a JSON object whose
// status member is an integer from 100 to 599; content may be absent (list
// responses only gain a status member). Members are matched by exact name.
// The error names what is wrong, never a value.
func ParseEnvelope(body []byte) (EnvelopeBody, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		if len(body) == 0 {
			return EnvelopeBody{}, errEnvelopeEmpty
		}
		return EnvelopeBody{}, errEnvelopeNotJSON
	}
	if trimmed[0] != '{' {
		if json.Valid(body) {
			return EnvelopeBody{}, errEnvelopeNotObject
		}
		return EnvelopeBody{}, errEnvelopeNotJSON
	}
	// JSON v2 reads the two members in one pass, by exact name. Like
	// encoding/json, it keeps the last of repeated members and accepts
	// invalid UTF-8.
	var members struct {
		Status  jsontext.Value `json:"status"`
		Content jsontext.Value `json:"content"`
	}
	if jsonv2.Unmarshal(body, &members, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) != nil {
		return EnvelopeBody{}, errEnvelopeNotJSON
	}
	if members.Status == nil {
		return EnvelopeBody{}, errEnvelopeNoStatus
	}
	status, err := envelopeStatus(json.RawMessage(members.Status))
	if err != nil {
		return EnvelopeBody{}, err
	}
	return EnvelopeBody{Status: status, Content: json.RawMessage(members.Content)}, nil
}

// envelopeStatus reads a status member: a JSON integer literal from 100 to 599.
func envelopeStatus(raw json.RawMessage) (int, error) {
	if len(raw) == 0 {
		return 0, errEnvelopeStatusNotNumber
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, errEnvelopeStatusNotNumber
	}
	if bytes.ContainsAny(raw, ".eE") {
		return 0, errEnvelopeStatusNotInteger
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 100 || n > 599 {
		return 0, errEnvelopeStatusOutOfRange
	}
	return n, nil
}
