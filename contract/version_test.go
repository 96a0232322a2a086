package contract

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// versionedSpec has one operation in two dated versions, the older retired
// on 2025-01-01, and one operation in preview only.
const versionedSpec = `openapi: 3.0.1
info: {title: t, version: "1"}
servers: [{url: https://cloud.mongodb.com}]
paths:
  /api/atlas/v2/groups/{groupId}/things/{name}:
    get:
      operationId: getThing
      parameters:
        - {name: groupId, in: path, required: true, schema: {type: string}}
        - {name: name, in: path, required: true, schema: {type: string}}
        - {name: envelope, in: query, schema: {type: boolean}}
      responses:
        "200":
          description: OK
          content:
            application/vnd.atlas.2023-01-01+json:
              schema: {type: object, required: [old], properties: {old: {type: string}}}
              x-sunset: "2025-01-01"
            application/vnd.atlas.2024-08-05+json:
              schema: {type: object, required: [new], properties: {new: {type: string}}}
  /api/atlas/v2/groups/{groupId}/things/{name}:preview:
    post:
      operationId: previewThing
      parameters:
        - {name: groupId, in: path, required: true, schema: {type: string}}
        - {name: name, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: No Content}
        "200":
          description: OK
          content:
            application/vnd.atlas.preview+json:
              schema: {type: object}
`

func TestAcceptIsResolvedAsAtlasDoes(t *testing.T) {
	t.Parallel()
	spec, err := LoadSpec([]byte(versionedSpec), "versioned.yaml")
	require.NoError(t, err)
	op, _, ok := spec.Route(http.MethodGet, "/api/atlas/v2/groups/g/things/n", "")
	require.True(t, ok)
	preview, _, ok := spec.Route(http.MethodPost, "/api/atlas/v2/groups/g/things/n:preview", "")
	require.True(t, ok)
	assert.Equal(t, "previewThing", preview.ID(), "a {x}:verb segment routes to its operation")
	before := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	after := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		op     *Operation
		accept string
		at     time.Time
		want   string // the version reached, or "406"/"410"
	}{
		{op, "application/vnd.atlas.2023-01-01+json", before, "2023-01-01"},
		{op, "application/vnd.atlas.2024-01-01+json", before, "2023-01-01"},
		{op, "application/vnd.atlas.2024-08-05+json", before, "2024-08-05"},
		{op, "application/vnd.atlas.2030-01-01+json;charset=utf-8", after, "2024-08-05"},
		{op, "Application/VND.Atlas.2024-08-05+JSON", after, "2024-08-05"},
		{op, "application/json, application/vnd.atlas.2024-08-05+json", after, "2024-08-05"},
		{op, "application/vnd.atlas.2024-01-01+json", after, "410"},
		{op, "application/vnd.atlas.2022-01-01+json", after, "406"},
		{op, "application/vnd.atlas.preview+json", after, "406"},
		{op, "application/json", after, "406"},
		{op, "", after, "406"},
		{preview, "application/vnd.atlas.preview+json", after, "preview"},
		{preview, "application/vnd.atlas.2024-08-05+json", after, "406"},
		// The first Atlas media type the operation offers is served (as the
		// fake serves it: atlaswire.Offer.PickAccept).
		{op, "application/vnd.atlas.preview+json, application/vnd.atlas.2024-08-05+json", before, "2024-08-05"},
		{preview, "application/vnd.atlas.2024-08-05+json, application/vnd.atlas.preview+json", after, "preview"},
		{op, "application/vnd.atlas.2024-08-05+json, application/vnd.atlas.2023-01-01+json", before, "2024-08-05"},
		// A day the calendar does not have names no version.
		{op, "application/vnd.atlas.2024-02-30+json", before, "406"},
		{op, "application/vnd.atlas.2024-02-29+json", before, "2023-01-01"},
	} {
		got, p := tc.op.versions.reach(tc.accept, func() time.Time { return tc.at })
		switch {
		case p != nil && p.Gone:
			got = "410"
		case p != nil:
			got = "406"
		}
		assert.Equal(t, tc.want, got, "%s %q at %s", tc.op.ID(), tc.accept, tc.at.Format(time.DateOnly))
		if p != nil {
			assert.Equal(t, InHeader, p.In)
			assert.Equal(t, "Accept", p.Name)
		}
	}
}

// TestRetiredVersionIsJudgedAtTheResponsesDate: whether the version an
// Accept reaches was retired is judged at the response's Date, and at the
// time of the check when the response has none.
func TestRetiredVersionIsJudgedAtTheResponsesDate(t *testing.T) {
	t.Parallel()
	spec, err := LoadSpec([]byte(versionedSpec), "versioned.yaml")
	require.NoError(t, err)
	checker := NewChecker(spec, "")
	gone := func(date string) bool {
		header := http.Header{"Content-Type": {"application/vnd.atlas.2023-01-01+json"}}
		if date != "" {
			header.Set("Date", date)
		}
		in := &recording.Interaction{File: "v.yaml",
			Request: recording.Request{Method: http.MethodGet, URL: mustURL(t, "https://cloud.mongodb.com/api/atlas/v2/groups/g/things/n"),
				Header: http.Header{"Accept": {"application/vnd.atlas.2024-01-01+json"}}}, // reaches 2023-01-01, retired on 2025-01-01
			Response: recording.Response{StatusCode: 200, Header: header, Body: []byte(`{"old":"x"}`)}}
		j := checker.Check(t.Context(), in)
		return len(j.Problems) == 1 && j.Problems[0].Gone
	}
	assert.False(t, gone("Tue, 31 Dec 2024 23:59:59 GMT"), "answered the day before the sunset")
	assert.True(t, gone("Wed, 01 Jan 2025 00:00:00 GMT"), "answered on the sunset")
	assert.True(t, gone(""), "no Date: judged now, after the sunset")
	assert.True(t, gone("not a date"), "an unreadable Date: judged now")
}

// TestBodyIsJudgedAgainstTheVersionServed: a body is judged against the
// schema of the version its media type (or the Accept) names, never the
// oldest; a version other than the one the Accept reaches is reported.
func TestBodyIsJudgedAgainstTheVersionServed(t *testing.T) {
	t.Parallel()
	spec, err := LoadSpec([]byte(versionedSpec), "versioned.yaml")
	require.NoError(t, err)
	checker := NewChecker(spec, "")
	judge := func(accept, query string, header http.Header, body string) []string {
		u := mustURL(t, "https://cloud.mongodb.com/api/atlas/v2/groups/g/things/n"+query)
		header.Set("Date", "Mon, 10 Aug 2026 04:00:00 GMT")
		in := &recording.Interaction{File: "v.yaml",
			Request:  recording.Request{Method: http.MethodGet, URL: u, Header: http.Header{"Accept": {accept}}},
			Response: recording.Response{StatusCode: 200, Header: header, Body: []byte(body)}}
		var out []string
		for _, f := range checker.Check(t.Context(), in).Findings {
			out = append(out, fmt.Sprintf("%s %s", f.Rule, f.Pointer))
		}
		return out
	}
	const v2024 = "application/vnd.atlas.2024-08-05+json"
	assert.Empty(t, judge(v2024, "", http.Header{"Content-Type": {v2024 + ";charset=utf-8"}}, `{"new":"x"}`))
	assert.Equal(t, []string{"body-schema /new"}, judge(v2024, "", http.Header{"Content-Type": {v2024}}, `{"old":"x"}`))
	assert.Empty(t, judge(v2024, "?envelope=true", http.Header{"Content-Type": {"application/json"}}, `{"status":200,"content":{"new":"x"}}`),
		"an enveloped body is judged against the version the Accept reaches")
	assert.Equal(t, []string{"body-schema /content/new"}, judge(v2024, "?envelope=true", http.Header{"Content-Type": {"application/json"}}, `{"status":200,"content":{"old":"x"}}`))
	assert.Equal(t, []string{"version-mismatch "}, judge("application/vnd.atlas.2025-01-01+json", "", http.Header{"Content-Type": {"application/vnd.atlas.2023-01-01+json"}}, `{"old":"x"}`),
		"2025-01-01 reaches 2024-08-05; the answer says 2023-01-01")
}

// downloadSpec has Atlas's versioned downloads, as the published spec
// declares them: an invoice in CSV and JSON under one version
// (getOrgInvoice), and a log in two gzip versions, the older retired on
// 2025-01-01 (downloadGroupClusterLog).
const downloadSpec = `openapi: 3.0.1
info: {title: t, version: "1"}
servers: [{url: https://cloud.mongodb.com}]
paths:
  /api/atlas/v2/orgs/{orgId}/invoices/{invoiceId}:
    get:
      operationId: getOrgInvoice
      parameters:
        - {name: orgId, in: path, required: true, schema: {type: string}}
        - {name: invoiceId, in: path, required: true, schema: {type: string}}
        - {name: envelope, in: query, schema: {type: boolean}}
      responses:
        "200":
          description: OK
          content:
            application/vnd.atlas.2023-01-01+csv:
              schema: {type: string}
            application/vnd.atlas.2023-01-01+json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
  /api/atlas/v2/groups/{groupId}/clusters/{hostName}/logs/{logName}.gz:
    get:
      operationId: downloadGroupClusterLog
      parameters:
        - {name: groupId, in: path, required: true, schema: {type: string}}
        - {name: hostName, in: path, required: true, schema: {type: string}}
        - {name: logName, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: OK
          content:
            application/vnd.atlas.2023-01-01+gzip:
              schema: {type: string, format: binary}
              x-sunset: "2025-01-01"
            application/vnd.atlas.2023-02-01+gzip:
              schema: {type: string, format: binary}
`

// TestDownloadsAreVersioned: Atlas's +csv and +gzip media types are
// versions as +json ones are: the Accept is resolved among the versions of
// the format it asks for (406, 410 alike), the version served is read from
// the Content-Type whatever its format, and a body is judged against the
// media type of the version and format served.
func TestDownloadsAreVersioned(t *testing.T) {
	t.Parallel()
	spec, err := LoadSpec([]byte(downloadSpec), "downloads.yaml")
	require.NoError(t, err)
	invoice, _, ok := spec.Route(http.MethodGet, "/api/atlas/v2/orgs/o/invoices/i", "")
	require.True(t, ok)
	logs, _, ok := spec.Route(http.MethodGet, "/api/atlas/v2/groups/g/clusters/h/logs/mongodb.gz", "")
	require.True(t, ok)
	after := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		op           *Operation
		accept, want string // the version reached, or "406"/"410"
		reason       string // a part of the 406's reason
	}{
		{invoice, "application/vnd.atlas.2023-01-01+csv", "2023-01-01", ""},
		{invoice, "application/vnd.atlas.2024-01-01+json", "2023-01-01", ""},
		{invoice, "application/vnd.atlas.2023-01-01+gzip", "406", "application/vnd.atlas.2023-01-01+gzip, a format the operation is not served in (it is served as csv, json)"},
		{logs, "application/vnd.atlas.2024-01-01+gzip", "2023-02-01", ""},
		{logs, "application/vnd.atlas.2023-01-15+gzip", "410", ""},
		{logs, "application/vnd.atlas.2022-01-01+gzip", "406", "older than the operation's first version 2023-01-01"},
		{logs, "application/vnd.atlas.2024-01-01+json", "406", "a format the operation is not served in (it is served as gzip)"},
		{logs, "application/vnd.atlas.2024-01-01+json, application/vnd.atlas.2024-01-01+gzip", "2023-02-01", ""},
		{logs, "", "406", "such as application/vnd.atlas.2023-02-01+gzip"},
		{logs, "application/gzip", "406", "application/vnd.atlas.YYYY-MM-DD+gzip"},
	} {
		got, p := tc.op.versions.reach(tc.accept, func() time.Time { return after })
		switch {
		case p != nil && p.Gone:
			got = "410"
		case p != nil:
			got = "406"
			assert.Contains(t, p.Reason, tc.reason, "%s %q", tc.op.ID(), tc.accept)
		}
		assert.Equal(t, tc.want, got, "%s %q", tc.op.ID(), tc.accept)
	}

	checker := NewChecker(spec, "")
	judge := func(path, accept string, header http.Header, body string) []string {
		header.Set("Date", "Mon, 10 Aug 2026 04:00:00 GMT")
		in := &recording.Interaction{File: "d.yaml",
			Request:  recording.Request{Method: http.MethodGet, URL: mustURL(t, "https://cloud.mongodb.com"+path), Header: http.Header{"Accept": {accept}}},
			Response: recording.Response{StatusCode: 200, Header: header, Body: []byte(body)}}
		var out []string
		for _, f := range checker.Check(t.Context(), in).Findings {
			out = append(out, fmt.Sprintf("%s %s %s", f.Rule, f.Pointer, f.Message))
		}
		return out
	}
	const invoicePath, logPath = "/api/atlas/v2/orgs/o/invoices/i", "/api/atlas/v2/groups/g/clusters/h/logs/mongodb.gz"
	const csv, json = "application/vnd.atlas.2023-01-01+csv", "application/vnd.atlas.2023-01-01+json"
	assert.Empty(t, judge(invoicePath, csv, http.Header{"Content-Type": {csv + ";charset=utf-8"}}, "Invoice Number,Date\n"))
	assert.Empty(t, judge(invoicePath, json, http.Header{"Content-Type": {json}}, `{"id":"i"}`))
	assert.Empty(t, judge(invoicePath+"?envelope=true", json, http.Header{"Content-Type": {"application/json"}}, `{"status":200,"content":{"id":"i"}}`),
		"an enveloped body is judged against the JSON media type of its version, not the CSV one")
	assert.Len(t, judge(invoicePath, json, http.Header{"Content-Type": {json}}, `{"id":1}`), 1, "the JSON body is judged by its schema")
	const gz1, gz2 = "application/vnd.atlas.2023-01-01+gzip", "application/vnd.atlas.2023-02-01+gzip"
	assert.Empty(t, judge(logPath, gz2, http.Header{"Content-Type": {gz2}}, "x"))
	got := judge(logPath, gz2, http.Header{"Content-Type": {gz1}}, "x")
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "version-mismatch")
	got = judge(logPath, "", http.Header{"Content-Type": {gz2}}, "x")
	require.Len(t, got, 1, "a download without Accept is refused by Atlas")
	assert.Contains(t, got[0], "invalid-request-accepted")
	got = judge(logPath, "application/vnd.atlas.2023-01-10+gzip", http.Header{"Content-Type": {gz1}, "Date": {""}, "Sunset": {"Thu, 1 Jul 2027 00:00:00 GMT"}}, "x")
	assert.Contains(t, strings.Join(got, "\n"), "answered with version 2023-01-01", "the deprecation names the version of the gzip served")
}

// listSpec has a list (a page with results) and a single entity.
const listSpec = `openapi: 3.0.1
info: {title: t, version: "1"}
servers: [{url: https://cloud.mongodb.com}]
paths:
  /api/atlas/v2/groups:
    get:
      operationId: listGroups
      parameters:
        - {name: envelope, in: query, schema: {type: boolean}}
      responses:
        "200":
          description: OK
          content:
            application/vnd.atlas.2023-01-01+json:
              schema:
                type: object
                additionalProperties: false
                properties:
                  results: {type: array, items: {type: object, required: [id], properties: {id: {type: string}}}}
                  totalCount: {type: integer}
  /api/atlas/v2/groups/{groupId}:
    get:
      operationId: getGroup
      parameters:
        - {name: groupId, in: path, required: true, schema: {type: string}}
        - {name: envelope, in: query, schema: {type: boolean}}
      responses:
        "200":
          description: OK
          content:
            application/vnd.atlas.2023-01-01+json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
`

// TestEnvelopesOfListsAndEntities: with envelope=true, Atlas wraps a single
// entity as {"status", "content"} and adds status to a list's page; both
// are judged as upstream documents them, under transport status 200 or the
// real one, and an entity's envelope without content is a shape error.
func TestEnvelopesOfListsAndEntities(t *testing.T) {
	t.Parallel()
	spec, err := LoadSpec([]byte(listSpec), "lists.yaml")
	require.NoError(t, err)
	checker := NewChecker(spec, "")
	judge := func(path string, transport int, body string) []string {
		in := &recording.Interaction{File: "l.yaml",
			Request: recording.Request{Method: http.MethodGet, URL: mustURL(t, "https://cloud.mongodb.com"+path+"?envelope=true"),
				Header: http.Header{"Accept": {"application/vnd.atlas.2023-01-01+json"}}},
			Response: recording.Response{StatusCode: transport, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}}
		var out []string
		for _, f := range checker.Check(t.Context(), in).Findings {
			out = append(out, fmt.Sprintf("%s %s", f.Rule, f.Pointer))
		}
		return out
	}
	assert.Empty(t, judge("/api/atlas/v2/groups", http.StatusOK, `{"status":200,"results":[{"id":"a"}],"totalCount":1}`),
		"a list's page gains a status member, judged without it")
	assert.Equal(t, []string{"body-schema /results/0/id"}, judge("/api/atlas/v2/groups", http.StatusOK, `{"status":200,"results":[{"id":1}],"totalCount":1}`))
	assert.Empty(t, judge("/api/atlas/v2/groups/g", http.StatusOK, `{"status":200,"content":{"id":"g"}}`), "an entity is wrapped")
	assert.Equal(t, []string{"envelope-shape "}, judge("/api/atlas/v2/groups/g", http.StatusOK, `{"status":200}`),
		"an entity's envelope without content is a shape error, not an empty body")
	assert.Empty(t, judge("/api/atlas/v2/groups", http.StatusOK, `{"status":200,"content":{"results":[],"totalCount":0}}`),
		"a list may also be wrapped whole")
}

// TestStatusKeysAreMatchedAsKinOpenAPIMatchesThem: a response key is the
// status it spells exactly, as in Responses.Status; "0200" and "+201" are
// no statuses a response has.
func TestStatusKeysAreMatchedAsKinOpenAPIMatchesThem(t *testing.T) {
	spec, err := LoadSpec([]byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    get:
      operationId: getThings
      responses:
        "200": {description: two hundred}
        "0200": {description: zero two hundred}
        "+201": {description: plus two hundred and one}
`), "statuses.yaml")
	require.NoError(t, err)
	op, _, ok := spec.Route(http.MethodGet, "/things", "")
	require.True(t, ok)
	for range 20 { // the keys sit in a map: any order must give the same answer
		require.NotNil(t, op.response(200))
		assert.Equal(t, "two hundred", *op.response(200).response.Description)
	}
	assert.Nil(t, op.response(201))
}

// TestDeprecationDatesAsAtlasWritesThem reads Deprecation and Sunset as
// RFC 9745 and RFC 8594 write them, and as Atlas does, with a day of one
// digit (the Atlas CLI's snapshots: "Thu, 1 Jul 2027 00:00:00 GMT").
func TestDeprecationDatesAsAtlasWritesThem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ deprecation, sunset, wantDeprecated, wantSunset string }{
		{"Mon, 5 Aug 2024 00:00:00 GMT", "Thu, 1 Jul 2027 00:00:00 GMT", "2024-08-05", "2027-07-01"},   // Atlas
		{"Mon, 05 Aug 2024 00:00:00 GMT", "Thu, 01 Jul 2027 00:00:00 GMT", "2024-08-05", "2027-07-01"}, // IMF-fixdate
		{"@1722816000", "", "2024-08-05", ""},                          // RFC 9745
		{"true", "Thursday, 01-Jul-27 00:00:00 GMT", "", "2027-07-01"}, // an old draft; RFC 850
		{"soon", "1 Jul 2027", "", ""},                                 // unreadable
	} {
		h := http.Header{}
		h.Set("Deprecation", tc.deprecation)
		if tc.sunset != "" {
			h.Set("Sunset", tc.sunset)
		}
		deprecated, sunset, ok := deprecation(h)
		assert.True(t, ok, tc.deprecation)
		assert.Equal(t, tc.wantDeprecated, deprecated, "Deprecation: %s", tc.deprecation)
		assert.Equal(t, tc.wantSunset, sunset, "Sunset: %s", tc.sunset)
	}
}
