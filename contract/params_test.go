package contract

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// TestParamsAgreeWithKin holds the parameters this package decodes itself
// to kin-openapi's openapi3filter, which judges the others: for every
// parameter of every operation of the published spec, absent, empty and
// sent with values of every type (once, and repeated in the query), both
// must find the parameter invalid or both valid. -short tries one value of
// each kind.
func TestParamsAgreeWithKin(t *testing.T) {
	t.Parallel()
	spec := mustAtlasSpec(t)
	c := NewChecker(spec, "")
	ctx := context.Background()
	values := []string{"", "abc", "12", "-3", "1.5", "true", "32b6e34b3d91647abb20e7b8", "a,b", "2026-01-01T00:00:00Z"}
	if !testing.Short() {
		values = append(values, "1e3", "0x10", "FALSE", "1,2", "2026-01-01", "3000000000", "DESC", "AWS", " 7")
	}
	var plain, invalid int
	for _, op := range spec.operations {
		for i := range op.paramRules {
			r := &op.paramRules[i]
			if !r.plain {
				continue
			}
			plain++
			for _, v := range append([]string{"(absent)"}, values...) {
				for _, repeated := range []bool{false, true} {
					if repeated && r.p.In != openapi3.ParameterInQuery {
						continue
					}
					in := &paramInput{path: map[string]string{}, query: url.Values{}, header: http.Header{}}
					if v != "(absent)" {
						switch r.p.In {
						case openapi3.ParameterInPath:
							in.path[r.p.Name] = v
						case openapi3.ParameterInQuery:
							in.query[r.p.Name] = []string{v}
							if repeated {
								in.query[r.p.Name] = []string{v, "2"}
							}
						case openapi3.ParameterInHeader:
							in.header.Set(r.p.Name, v)
						}
					}
					u := &url.URL{Scheme: "https", Host: "cloud.mongodb.com", Path: op.path, RawQuery: in.query.Encode()}
					req := &http.Request{Method: op.method, URL: u, Header: in.header, Body: http.NoBody, Host: u.Host}
					kinIn := &openapi3filter.RequestValidationInput{Request: req, PathParams: in.path, Route: op.validation, Options: c.reqOpts}
					ours := r.judge(op, in)
					theirs := requestProblems(openapi3filter.ValidateParameter(ctx, kinIn, r.p))
					if ours != "" {
						invalid++
					}
					assert.Equal(t, len(theirs) > 0, ours != "", "%s %s parameter %s = %q (repeated %v): ours %q, kin-openapi's %v",
						op.id, r.p.In, r.p.Name, v, repeated, ours, theirs)
				}
			}
		}
	}
	// The published spec's parameters are almost all plain: the test would
	// prove nothing if a change made them kin-openapi's.
	require.Greater(t, plain, 1000, "plain parameters")
	require.Greater(t, invalid, plain, "invalid verdicts")
}

// TestParamsFallBackToKin checks that a parameter this package does not
// decode (an object in deepObject style, a header array) is judged by
// kin-openapi, with its problem named.
func TestParamsFallBackToKin(t *testing.T) {
	spec, err := LoadSpec([]byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    get:
      operationId: getThings
      parameters:
        - {in: query, name: filter, style: deepObject, explode: true, schema: {type: object, properties: {n: {type: integer}}}}
        - {in: header, name: X-Ids, schema: {type: array, items: {type: integer}}}
        - {in: query, name: limit, schema: {type: integer}}
        - {in: query, name: step, schema: {type: number, multipleOf: 0.1}}
      responses:
        "200": {description: ok}
`), "fallback.yaml")
	require.NoError(t, err)
	op, params, ok := spec.Route(http.MethodGet, "/things", "")
	require.True(t, ok)
	plain := map[string]bool{}
	for _, r := range op.paramRules {
		plain[r.p.Name] = r.plain
	}
	assert.Equal(t, map[string]bool{"filter": false, "X-Ids": false, "limit": true, "step": false}, plain)
	// kin-openapi allows a float's rounding error under multipleOf: 0.30000000000000004 is a multiple of 0.1.
	u, err := url.Parse("https://example.com/things?filter[n]=x&limit=y&step=0.30000000000000004")
	require.NoError(t, err)
	req := &recording.Request{Method: http.MethodGet, URL: u, Header: http.Header{"X-Ids": {"1,x"}}}
	v := NewChecker(spec, "").CheckRequest(context.Background(), op, params, req, time.Time{})
	var names []string
	for _, p := range v.Problems {
		names = append(names, p.In+" "+p.Name)
	}
	assert.Equal(t, []string{"query filter", "header X-Ids", "query limit"}, names, "%v", v.Problems)
}
