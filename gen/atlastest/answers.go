package atlastest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/atlaswire"
)

// The answers below are Atlas's. Sources: the shipped recordings in
// contract/recordings (defer-errors, defer-deferral-limit, defer-variants,
// defer-envelope), the wire captures of the sibling maintenance-window
// operations in the upstream material, RFC 6749 for the token endpoint,
// and MongoDB's documentation of the Digest challenge. The refusals Atlas
// gives before an operation runs (404 INVALID_GROUP_ID, 406, 410) and the
// envelope are in internal/atlaswire, shared with the recordings mock.

// deferred is Atlas's success: 200 with no body and no Content-Type, the
// version in X-Content-Type (the PATCH capture in the upstream wire folder,
// and defer-deferral-limit.yaml, interactions 0 and 1).
func deferred() *atlaswire.Answer {
	return &atlaswire.Answer{Status: http.StatusOK, Header: http.Header{"X-Content-Type": {mediaType}}}
}

// notScheduled: defer-errors.yaml, interaction 0.
func notScheduled(id string) *atlaswire.Answer {
	return atlaswire.Error(http.StatusBadRequest, "ATLAS_MAINTENANCE_NOT_SCHEDULED",
		"No maintenance is scheduled for the project, so there is nothing to defer.", []any{id})
}

// deferralsExceeded: defer-deferral-limit.yaml, interaction 2.
func deferralsExceeded(id string) *atlaswire.Answer {
	return atlaswire.Error(http.StatusBadRequest, "ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED",
		fmt.Sprintf("Scheduled maintenance can be deferred at most %d times.", MaxDeferrals), []any{id})
}

// windowNotDefined: defer-errors.yaml, interaction 6.
func windowNotDefined(id string) *atlaswire.Answer {
	return atlaswire.Error(http.StatusBadRequest, "ATLAS_MAINTENANCE_WINDOW_NOT_DEFINED",
		"The project has no maintenance window defined.", []any{id})
}

// unauthorized: defer-errors.yaml, interaction 1 (there without a
// challenge; Atlas sends its Digest challenge with every 401, see
// atlaswire.DigestChallenge).
func unauthorized() *atlaswire.Answer {
	return atlaswire.Error(http.StatusUnauthorized, "USER_UNAUTHORIZED",
		"Current user is not authorized to perform this action.", nil)
}

// forbidden answers a credential without access to the project. Atlas's
// exact code for this case is not in the recordings or the public captures
// found; the fake uses the spec's 403 response with the code named here.
func forbidden(id string) *atlaswire.Answer {
	return atlaswire.Error(http.StatusForbidden, "USER_CANNOT_ACCESS_GROUP",
		fmt.Sprintf("The credential has no access to project %s.", id), []any{id})
}

// notFound answers a well-formed project id the fake does not know as Atlas
// does: 404 GROUP_NOT_FOUND "No group with ID <id> exists.", real Atlas's
// answer to the well-formed unknown id 111111111111111111111111 in the Atlas
// CLI's snapshots (contract/testdata/atlascli/interactive-setupfailure.yaml),
// as defer-errors.yaml (interaction 3) and defer-envelope.yaml (interaction
// 4) record it for the defer. A malformed id gets INVALID_GROUP_ID.
func notFound(id string) *atlaswire.Answer {
	return atlaswire.Error(http.StatusNotFound, atlas.CodeGroupNotFound, "No group with ID "+id+" exists.", []any{id})
}

// noResource answers a path that is no operation of the fake, with the
// code Atlas documents for it (RESOURCE_NOT_FOUND). The path is quoted at
// most 128 bytes long.
func noResource(method, path string) *atlaswire.Answer {
	if len(path) > 128 {
		path = path[:128] + "..."
	}
	return atlaswire.Error(http.StatusNotFound, "RESOURCE_NOT_FOUND",
		fmt.Sprintf("No resource matches %s %s.", method, path), nil)
}

// badEnvelope answers an envelope parameter that is not a boolean. No
// capture of Atlas's answer to it was found: the fake uses the code of the
// spec's badRequest example, VALIDATION_ERROR, naming the parameter.
func badEnvelope() *atlaswire.Answer {
	return atlaswire.Error(http.StatusBadRequest, "VALIDATION_ERROR",
		"The query parameter envelope must be true or false.", nil)
}

// unexpected: defer-errors.yaml, interaction 5.
func unexpected() *atlaswire.Answer {
	return atlaswire.Error(http.StatusInternalServerError, "UNEXPECTED_ERROR", "Unexpected error.", nil)
}

// ipNotAllowed: defer-errors.yaml, interaction 2.
func ipNotAllowed() *atlaswire.Answer {
	return atlaswire.Error(http.StatusForbidden, "IP_ADDRESS_NOT_ON_ACCESS_LIST",
		"IP address 203.0.113.7 is not allowed to access this resource.", []any{"203.0.113.7"})
}

// scriptedError is the fake's answer with a scripted status: the status's
// usual Atlas error, its code replaced when the script names one.
func scriptedError(status int, code, id, path string) *atlaswire.Answer {
	var a *atlaswire.Answer
	switch status {
	case http.StatusBadRequest:
		a = notScheduled(id)
	case http.StatusUnauthorized:
		a = unauthorized()
	case http.StatusForbidden:
		a = ipNotAllowed()
	case http.StatusNotFound:
		a = notFound(id)
	case http.StatusNotAcceptable:
		a = atlaswire.InvalidVersion()
	case http.StatusGone:
		a = atlaswire.VersionGone()
	case http.StatusTooManyRequests:
		a = rateLimited(path, 10, 60, 1, 0)
	case http.StatusInternalServerError:
		a = unexpected()
	default:
		a = atlaswire.Error(status, "UNEXPECTED_ERROR", http.StatusText(status)+".", nil)
	}
	if code != "" {
		// The usual error's detail and headers (a 429's Retry-After), the
		// script's code.
		b := atlaswire.Error(status, code, detailOf(a), nil)
		for k, vs := range a.Header {
			b.Header[k] = vs
		}
		a = b
	}
	return a
}

// detailOf is the detail of an ApiError answer.
func detailOf(a *atlaswire.Answer) string {
	var e struct {
		Detail string `json:"detail"`
	}
	// The fake's own errors are ApiErrors: the detail is there.
	_ = json.Unmarshal(a.Body, &e)
	return e.Detail
}

// rateLimited: defer-errors.yaml, interaction 4: the detail and the scalar
// parameters [path, 55, 10, 5, 60] (path without its leading slash, then
// limit, retry-after seconds, window seconds; the second value's meaning is
// not documented, the fake sends the number of refusals so far).
func rateLimited(path string, limit, window, retryAfter, refusals int) *atlaswire.Answer {
	if len(path) > 0 && path[0] == '/' {
		path = path[1:]
	}
	a := atlaswire.Error(http.StatusTooManyRequests, "RATE_LIMITED_TOKEN_BUCKET",
		fmt.Sprintf("You have exceeded the rate limit of %d requests per %d seconds for this endpoint; retry after %d seconds.", limit, window, retryAfter),
		[]any{path, refusals, limit, retryAfter, window})
	a.Header.Set("Retry-After", strconv.Itoa(retryAfter))
	a.Header.Set("RateLimit-Limit", strconv.Itoa(limit))
	a.Header.Set("RateLimit-Remaining", "0")
	return a
}

// proxyPage is a load balancer's HTML error page (in the shape of AWS
// ELB's), as a proxy between a client and Atlas gives when it cannot reach
// Atlas: a fault the fake gives only when scripted to.
func proxyPage(status int) *atlaswire.Answer {
	text := strconv.Itoa(status) + " " + http.StatusText(status)
	return &atlaswire.Answer{
		Status: status,
		Header: http.Header{"Content-Type": {"text/html"}, "Server": {"awselb/2.0"}},
		Body:   []byte("<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text + "</h1></center>\r\n</body>\r\n</html>\r\n"),
	}
}
