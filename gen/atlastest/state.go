package atlastest

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	atlas "github.com/atlascontract/deferwindow/gen"
)

// State is a fake's seed as data: what `contractcheck serve --fake --state
// FILE` reads from its YAML file, and WithState takes.
type State struct {
	// Projects replace the default project.
	Projects []Project
	// TokenLifetime is how long an access token lives; 0 keeps the default,
	// one hour.
	TokenLifetime time.Duration
	// RateLimit, when set, is a token bucket per credential.
	RateLimit *RateLimit
	// EnvelopeStatusOK sends envelope=true answers with transport status
	// 200 (see WithEnvelopeStatusOK).
	EnvelopeStatusOK bool
}

// The bounds of what a fake holds, so no input can make it grow without
// limit or overflow its clock.
const (
	// MaxProjects bounds the projects a fake holds.
	MaxProjects = 10000
	// MaxScriptedReplies bounds the replies queued for one project.
	MaxScriptedReplies = 1000
	// maxScriptedTotal bounds the replies queued for all projects.
	maxScriptedTotal = 10 * MaxScriptedReplies
	// MaxReplyDelay bounds a scripted reply's delay.
	MaxReplyDelay = time.Minute
	// MaxTokenLifetime bounds WithTokenLifetime.
	MaxTokenLifetime = 365 * 24 * time.Hour
	// MaxClockOffset bounds how far Advance may move the clock in all,
	// a hundred years: far from the overflow of time.Duration.
	MaxClockOffset = 100 * 365 * 24 * time.Hour
	// maxRateLimit bounds RateLimit.Limit.
	maxRateLimit = 1_000_000
)

// A FieldError is one value a fake refuses, in a State, an option or a
// control request. Field names it as a path of the state file's and the
// control API's keys, such as projects[1].deferrals or [0].delay.
type FieldError struct {
	Field  string
	Reason string
}

// Error returns "field: reason".
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// fieldErrors collects FieldErrors.
type fieldErrors []error

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (fe fieldErrors) err() error { return errors.Join(fe...) }

// Check returns every value of st that a fake refuses, at once: each a
// *FieldError (errors.Join), or nil when st is good. A project id must
// match atlas.GroupIDPattern and appear once; deferrals run from 0 to
// MaxDeferrals; the token lifetime is at least a second and at most
// MaxTokenLifetime; a rate limit allows 1 to 1,000,000 requests per 1s to
// 24h.
func (st State) Check() error {
	var fe fieldErrors
	checkProjects(&fe, "projects", st.Projects)
	if st.TokenLifetime != 0 {
		checkTokenLifetime(&fe, "tokenLifetime", st.TokenLifetime)
	}
	if st.RateLimit != nil {
		checkRateLimit(&fe, "rateLimit", *st.RateLimit)
	}
	return fe.err()
}

func checkProjects(fe *fieldErrors, field string, ps []Project) {
	if len(ps) > MaxProjects {
		fe.add(field, "%d projects; a fake holds at most %d", len(ps), MaxProjects)
		return
	}
	first := make(map[string]int, len(ps))
	for i, p := range ps {
		at := field + "[" + strconv.Itoa(i) + "]"
		if !checkProject(fe, at, p) {
			continue
		}
		if j, dup := first[p.ID]; dup {
			fe.add(at+".id", "project %s is already %s[%d]; give each project once", p.ID, field, j)
			continue
		}
		first[p.ID] = i
	}
}

// checkProject checks one project; it reports whether its id is valid.
func checkProject(fe *fieldErrors, at string, p Project) (idOK bool) {
	idOK = true
	if err := atlas.ValidateGroupID(p.ID); err != nil {
		var ge *atlas.GroupIDError
		if errors.As(err, &ge) {
			reason := "want 24 hexadecimal digits in lower case (" + atlas.GroupIDPattern + ")"
			if ge.Problem != "" {
				reason += ": " + ge.Problem
			}
			fe.add(at+".id", "%s", reason)
		} else {
			fe.add(at+".id", "%v", err)
		}
		idOK = false
	}
	if p.Deferrals < 0 || p.Deferrals > MaxDeferrals {
		fe.add(at+".deferrals", "%d; want 0 to %d (Atlas lets a maintenance be deferred %d times)", p.Deferrals, MaxDeferrals, MaxDeferrals)
	}
	return idOK
}

func checkTokenLifetime(fe *fieldErrors, field string, d time.Duration) {
	switch {
	case d < time.Second:
		fe.add(field, "%v; want at least 1s (Atlas's tokens live 1h)", d)
	case d > MaxTokenLifetime:
		fe.add(field, "%v; want at most %v", d, MaxTokenLifetime)
	}
}

func checkRateLimit(fe *fieldErrors, field string, rl RateLimit) {
	if rl.Limit < 1 || rl.Limit > maxRateLimit {
		fe.add(field+".limit", "%d; want 1 to %d requests", rl.Limit, maxRateLimit)
	}
	if rl.Per < time.Second || rl.Per > 24*time.Hour {
		fe.add(field+".per", "%v; want a period from 1s to 24h, such as 60s", rl.Per)
	}
}
