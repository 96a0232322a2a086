package atlastest

import (
	"fmt"
	"net/http"

	"github.com/atlascontract/deferwindow/contract"
)

// The answers below are Atlas's. Sources: the shipped recordings in
// contract/recordings (defer-errors, defer-deferral-limit, defer-variants),
// MongoDB's documentation of the Digest challenge and of the envelope, and
// a public Atlas CLI capture of a 406.

// notScheduled: defer-errors.yaml, interaction 0.
func notScheduled(id string) *contract.Answer {
	return contract.ErrorAnswer(http.StatusBadRequest, "ATLAS_MAINTENANCE_NOT_SCHEDULED",
		"No maintenance is scheduled for the project, so there is nothing to defer.", []any{id})
}

// deferralsExceeded: defer-deferral-limit.yaml, interaction 2.
func deferralsExceeded(id string) *contract.Answer {
	return contract.ErrorAnswer(http.StatusBadRequest, "ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED",
		fmt.Sprintf("Scheduled maintenance can be deferred at most %d times.", MaxDeferrals), []any{id})
}

// windowNotDefined: defer-errors.yaml, interaction 6.
func windowNotDefined(id string) *contract.Answer {
	return contract.ErrorAnswer(http.StatusBadRequest, "ATLAS_MAINTENANCE_WINDOW_NOT_DEFINED",
		"The project has no maintenance window defined.", []any{id})
}

// unauthorized: defer-errors.yaml, interaction 1 (there without a
// challenge; Atlas sends its Digest challenge with every 401, see
// contract.DigestChallenge).
func unauthorized() *contract.Answer {
	return contract.ErrorAnswer(http.StatusUnauthorized, "USER_UNAUTHORIZED",
		"Current user is not authorized to perform this action.", nil)
}

// forbidden answers a credential without access to the project. Atlas's
// exact code for this case is not in the recordings or the public captures
// found; the fake uses the spec's 403 response with the code named here.
func forbidden(id string) *contract.Answer {
	return contract.ErrorAnswer(http.StatusForbidden, "USER_CANNOT_ACCESS_GROUP",
		fmt.Sprintf("The credential has no access to project %s.", id), []any{id})
}

// notFound answers a well-formed project id the fake does not know, with
// the code the spec's notFound example and the documented codes give.
func notFound(id string) *contract.Answer {
	return contract.ErrorAnswer(http.StatusNotFound, "RESOURCE_NOT_FOUND",
		fmt.Sprintf("Cannot find resource group %s.", id), []any{id})
}

// unexpected: defer-errors.yaml, interaction 5.
func unexpected() *contract.Answer {
	return contract.ErrorAnswer(http.StatusInternalServerError, "UNEXPECTED_ERROR", "Unexpected error.", nil)
}

// ipNotAllowed: defer-errors.yaml, interaction 2.
func ipNotAllowed() *contract.Answer {
	return contract.ErrorAnswer(http.StatusForbidden, "IP_ADDRESS_NOT_ON_ACCESS_LIST",
		"IP address 203.0.113.7 is not allowed to access this resource.", []any{"203.0.113.7"})
}

// versionGone: the code Atlas documents for a retired version.
func versionGone() *contract.Answer {
	return contract.ErrorAnswer(http.StatusGone, "VERSION_GONE", "The requested API version has been retired.", nil)
}

// scriptedError is the fake's answer with a scripted status: the status's
// usual Atlas error.
func scriptedError(status int, code, id, path string) *contract.Answer {
	var a *contract.Answer
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
		a = contract.InvalidVersionAnswer()
	case http.StatusGone:
		a = versionGone()
	case http.StatusTooManyRequests:
		a = rateLimited(path, 10, 60, 1, 0)
	case http.StatusInternalServerError:
		a = unexpected()
	default:
		a = contract.ErrorAnswer(status, "UNEXPECTED_ERROR", http.StatusText(status)+".", nil)
	}
	if code != "" {
		a = contract.ErrorAnswer(status, code, detailOf(a), nil)
	}
	return a
}

// rateLimited: defer-errors.yaml, interaction 4: the detail and the scalar
// parameters [path, 55, 10, 5, 60] (path without its leading slash, then
// limit, retry-after seconds, window seconds; the second value's meaning is
// not documented, the fake sends the number of refusals so far).
func rateLimited(path string, limit, window, retryAfter, refusals int) *contract.Answer {
	if len(path) > 0 && path[0] == '/' {
		path = path[1:]
	}
	a := contract.ErrorAnswer(http.StatusTooManyRequests, "RATE_LIMITED_TOKEN_BUCKET",
		fmt.Sprintf("You have exceeded the rate limit of %d requests per %d seconds for this endpoint; retry after %d seconds.", limit, window, retryAfter),
		[]any{path, refusals, limit, retryAfter, window})
	a.Header.Set("Retry-After", fmt.Sprint(retryAfter))
	a.Header.Set("RateLimit-Limit", fmt.Sprint(limit))
	a.Header.Set("RateLimit-Remaining", "0")
	return a
}
