package atlaswire_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/internal/atlaswire"
)

// TestWriteResponseAsIs: an answer without Content-Type travels without
// one (no sniffing), with its Content-Length, and without the hop-by-hop
// and Content-Encoding headers it may carry.
func TestWriteResponseAsIs(t *testing.T) {
	t.Parallel()
	a := &atlaswire.Answer{Status: http.StatusOK, Header: http.Header{
		"X-Content-Type":    {"application/vnd.atlas.2023-01-01+json"},
		"Content-Encoding":  {"gzip"},
		"Transfer-Encoding": {"chunked"},
		"connection":        {"close"},
		"Content-Length":    {"999"},
	}, Body: []byte("<html>not sniffed</html>")}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { a.WriteResponse(w) }))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, a.Body, body)
	assert.Empty(t, resp.Header.Values("Content-Type"), "nothing sniffed")
	assert.Empty(t, resp.Header.Values("Content-Encoding"))
	assert.Empty(t, resp.TransferEncoding)
	assert.Equal(t, int64(len(a.Body)), resp.ContentLength)
	assert.False(t, resp.Close, "the answer's Connection header is not copied")
	assert.Equal(t, "application/vnd.atlas.2023-01-01+json", resp.Header.Get("X-Content-Type"))
}

// TestErrorShape: the ApiError body byte for byte as the shipped
// recordings hold it.
func TestErrorShape(t *testing.T) {
	t.Parallel()
	a := atlaswire.Error(http.StatusBadRequest, "ATLAS_MAINTENANCE_NOT_SCHEDULED", "No maintenance is scheduled for the project, so there is nothing to defer.", []any{"6a7940722c88faeba59bf917"})
	assert.Equal(t, `{"detail":"No maintenance is scheduled for the project, so there is nothing to defer.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","parameters":["6a7940722c88faeba59bf917"],"reason":"Bad Request"}`, string(a.Body))
	assert.Equal(t, "application/json", a.Header.Get("Content-Type"))
	assert.Equal(t, `{"detail":"Invalid accept header or version date.","error":406,"errorCode":"INVALID_VERSION_DATE","parameters":[],"reason":"Not Acceptable"}`, string(atlaswire.InvalidVersion().Body))
	assert.Equal(t, `{"detail":"Invalid group ID NOT-A-GROUP.","error":404,"errorCode":"INVALID_GROUP_ID","parameters":["NOT-A-GROUP"],"reason":"Not Found"}`, string(atlaswire.InvalidGroupID("NOT-A-GROUP").Body))
	assert.Equal(t, http.StatusGone, atlaswire.VersionGone().Status)
	assert.Contains(t, string(atlaswire.VersionGone().Body), `"errorCode":"VERSION_GONE"`)
	// A parameter JSON cannot hold still gives an ApiError.
	assert.JSONEq(t, `{"detail":"d","error":500,"errorCode":"X","parameters":[],"reason":"Internal Server Error"}`, string(atlaswire.Error(500, "X", "d", []any{func() {}}).Body))
}

// TestEnvelope wraps as defer-envelope.yaml holds it, in both transport modes.
func TestEnvelope(t *testing.T) {
	t.Parallel()
	empty := &atlaswire.Answer{Status: 200, Header: http.Header{"X-Content-Type": {"application/vnd.atlas.2023-01-01+json"}}}
	e := atlaswire.Envelope(empty, false)
	assert.Equal(t, `{"content":{},"status":200}`, string(e.Body))
	assert.Equal(t, "application/vnd.atlas.2023-01-01+json;charset=utf-8", e.Header.Get("Content-Type"), "as the recorded enveloped 200 (defer-envelope.yaml, interaction 0)")
	assert.Empty(t, e.Header.Get("X-Content-Type"))
	assert.Equal(t, "application/vnd.atlas.2023-01-01+json", empty.Header.Get("X-Content-Type"), "the original is left alone")

	refusal := atlaswire.InvalidVersion()
	e = atlaswire.Envelope(refusal, true)
	assert.Equal(t, 200, e.Status)
	assert.Equal(t, `{"content":{"detail":"Invalid accept header or version date.","error":406,"errorCode":"INVALID_VERSION_DATE","parameters":[],"reason":"Not Acceptable"},"status":406}`, string(e.Body))
	assert.Equal(t, "application/json", e.Header.Get("Content-Type"), "as every recorded enveloped error (defer-envelope.yaml, interactions 1 to 6)")
	assert.Equal(t, 406, atlaswire.Envelope(refusal, false).Status)

	html := &atlaswire.Answer{Status: 502, Body: []byte("<html>")}
	assert.Same(t, html, atlaswire.Envelope(html, true), "a body that is not JSON is left as it is")
}

func TestDigestChallenge(t *testing.T) {
	t.Parallel()
	n := atlaswire.NewNonce()
	assert.Regexp(t, `^[0-9a-f]{32}$`, n)
	assert.NotEqual(t, n, atlaswire.NewNonce())
	assert.Regexp(t, regexp.MustCompile(`^Digest realm="MMS Public API", domain="", nonce="`+n+`", algorithm=MD5, qop="auth", stale=true$`), atlaswire.DigestChallenge(n, true))
}

// TestParseMediaType: a versioned media type in any format Atlas uses,
// with a date of the calendar or the preview.
func TestParseMediaType(t *testing.T) {
	t.Parallel()
	for mt, want := range map[string]atlaswire.MediaType{
		"application/vnd.atlas.2023-01-01+json":               {"2023-01-01", "json"},
		"APPLICATION/VND.ATLAS.2025-03-12+JSON":               {"2025-03-12", "json"},
		"application/vnd.atlas.2023-01-01+json;charset=utf-8": {"2023-01-01", "json"},
		" application/vnd.atlas.2023-01-01+json ":             {"2023-01-01", "json"},
		"application/vnd.atlas.2023-01-01+csv;charset=utf-8":  {"2023-01-01", "csv"},
		"application/vnd.atlas.2023-02-01+gzip":               {"2023-02-01", "gzip"},
		"application/vnd.atlas.Preview+GZIP":                  {atlaswire.Preview, "gzip"},
		"application/vnd.atlas.2024-02-29+json":               {"2024-02-29", "json"},
		"application/vnd.atlas.2024-02-30+json":               {},
		"application/vnd.atlas.2023-02-29+json":               {},
		"application/vnd.atlas.2023-04-31+csv":                {},
		"application/vnd.atlas.2023-13-45+json":               {},
		"application/vnd.atlas.2023-1-01+json":                {},
		"application/vnd.atlas.2023-01-01+":                   {},
		"application/vnd.atlas.2023-01-01+x.y":                {},
		"application/vnd.atlas.2023-01-01":                    {},
		"application/json":                                    {},
		"":                                                    {},
		"application/vnd.atlas.+json":                         {},
	} {
		got, ok := atlaswire.ParseMediaType(mt)
		assert.Equal(t, want, got, mt)
		assert.Equal(t, want != atlaswire.MediaType{}, ok, mt)
		v, ok := atlaswire.MediaTypeVersion(mt)
		assert.Equal(t, want.Version, v, mt)
		assert.Equal(t, want.Version != "", ok, mt)
	}
	assert.Equal(t, "application/vnd.atlas.2023-01-01+csv", atlaswire.MediaType{Version: "2023-01-01", Format: "csv"}.String())
}

// TestPickAccept: the first versioned media type the operation offers, in
// the order written; the preview only where it is offered.
func TestPickAccept(t *testing.T) {
	t.Parallel()
	dated := atlaswire.Offer{Dated: []string{"json"}}
	both := atlaswire.Offer{Dated: []string{"csv", "json"}, Preview: []string{"json"}}
	gzip := atlaswire.Offer{Dated: []string{"gzip"}}
	for _, tc := range []struct {
		offer        atlaswire.Offer
		accept, want string // want "" when nothing is picked
		named        bool
	}{
		{dated, "application/vnd.atlas.2023-01-01+json", "application/vnd.atlas.2023-01-01+json", true},
		{dated, "application/json, application/vnd.atlas.2024-05-30+json;q=0.9", "application/vnd.atlas.2024-05-30+json", true},
		{dated, "application/vnd.atlas.preview+json, application/vnd.atlas.2023-01-01+json", "application/vnd.atlas.2023-01-01+json", true},
		{dated, "application/vnd.atlas.preview+json", "", true},
		{dated, "application/vnd.atlas.2023-01-01+csv", "", true},
		{dated, "application/vnd.atlas.2024-02-30+json", "", false},
		{dated, "application/json", "", false},
		{dated, "", "", false},
		{both, "application/vnd.atlas.preview+json, application/vnd.atlas.2023-01-01+json", "application/vnd.atlas.preview+json", true},
		{both, "application/vnd.atlas.2023-01-01+csv, application/vnd.atlas.2023-01-01+json", "application/vnd.atlas.2023-01-01+csv", true},
		{both, "application/vnd.atlas.preview+csv, application/vnd.atlas.2023-01-01+json", "application/vnd.atlas.2023-01-01+json", true},
		{gzip, "application/vnd.atlas.2023-01-01+json, application/vnd.atlas.2023-02-01+gzip", "application/vnd.atlas.2023-02-01+gzip", true},
	} {
		got, named, ok := tc.offer.PickAccept(tc.accept)
		assert.Equal(t, tc.want != "", ok, tc.accept)
		assert.Equal(t, tc.named, named, tc.accept)
		if ok {
			assert.Equal(t, tc.want, got.String(), tc.accept)
		}
	}
}
