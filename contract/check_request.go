package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// RequestVerdict is what CheckRequest concludes about a request.
type RequestVerdict struct {
	// Problems are the ways the request breaks the spec.
	Problems []Problem
	// Enveloped is true when the request asked for envelope=true.
	Enveloped bool
	// Version is the version of the operation the request's Accept
	// reaches, as Atlas resolves it; "" when the operation is not
	// versioned or the Accept reaches none.
	Version string
}

// CheckRequest judges a request that routed to op (with the path
// parameters Route returned): its parameters with kin-openapi, and the
// versioned Accept header Atlas selects the operation's version by, as of
// the time at (a version past its sunset is retired).
func (c *Checker) CheckRequest(ctx context.Context, op *Operation, params map[string]string, req *recording.Request, at time.Time) RequestVerdict {
	return c.checkRequest(ctx, op, &paramInput{path: params}, req, func() time.Time { return at })
}

// checkRequest is CheckRequest with the path parameters in in, and the
// time asked for only when it matters.
func (c *Checker) checkRequest(ctx context.Context, op *Operation, in *paramInput, req *recording.Request, at func() time.Time) RequestVerdict {
	in.header = req.Header
	if req.URL.RawQuery != "" && op.queryParams { // envelope is one
		in.query = req.URL.Query()
	}
	v := RequestVerdict{Enveloped: op.asksEnvelope(in.query)}
	v.Problems = c.judgeParams(ctx, op, in, func() *http.Request {
		hreq := &http.Request{Method: req.Method, URL: req.URL, Header: req.Header, Body: http.NoBody, Host: req.URL.Host}
		if hreq.Header == nil {
			hreq.Header = http.Header{}
		}
		return hreq
	})
	if op.versions.versioned() {
		version, p := op.versions.reach(req.Header.Get("Accept"), at)
		if p != nil {
			v.Problems = append(v.Problems, *p)
		}
		v.Version = version
	}
	return v
}

// asksEnvelope tells whether a request to the operation, with query q,
// asked for envelope=true.
func (o *Operation) asksEnvelope(q url.Values) bool {
	if !o.envelope || len(q) == 0 {
		return false
	}
	b, err := strconv.ParseBool(q.Get("envelope"))
	return err == nil && b
}

// requestProblems turns kin-openapi's request errors into problems that
// name the parameter and never quote its value.
func requestProblems(err error) []Problem {
	if err == nil {
		return nil
	}
	// A type assertion, not errors.As: MultiError's As would match inside a
	// RequestError and lose the parameter it names.
	if me, ok := err.(openapi3.MultiError); ok {
		var out []Problem
		for _, e := range me {
			out = append(out, requestProblems(e)...)
		}
		return out
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		if p := re.Parameter; p != nil {
			return []Problem{{In: p.In, Name: p.Name, Reason: requestErrorReason(re)}}
		}
		return []Problem{{In: InBody, Reason: requestErrorReason(re)}}
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) && se.Reason != "" {
		return []Problem{{In: InBody, Reason: se.Reason}}
	}
	return []Problem{{In: InBody, Reason: firstLine(err.Error())}}
}

func requestErrorReason(re *openapi3filter.RequestError) string {
	var pe *openapi3filter.ParseError
	switch {
	case re.Err == nil && re.Reason != "":
		return re.Reason
	case re.Err == nil:
		return "it is invalid"
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return reasonMissing
	case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
		return reasonEmpty
	case errors.As(re.Err, &pe) && pe.Reason != "":
		return pe.Reason
	}
	return strings.Join(schemaErrorReasons(re.Err), "; ")
}

// schemaErrorReasons lists the reason of every violation in a kin-openapi
// validation error, never its value.
func schemaErrorReasons(err error) []string {
	var out []string
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
			out = append(out, reason)
			return
		}
		var me openapi3.MultiError
		if errors.As(err, &me) {
			walk(me)
			return
		}
		out = append(out, firstLine(err.Error()))
	}
	walk(err)
	return out
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
