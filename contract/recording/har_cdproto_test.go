package recording_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// TestReadHARFromCdprotoModel reads a HAR marshalled from chromedp's HAR 1.2
// types (github.com/chromedp/cdproto/har v0.160.0), every optional member
// set, as chromedp-based exporters write it: the reader walks the JSON
// itself, so this checks it against an independent model of the format.
// testdata/chromedp-cdproto.har.golden is that marshalled document, kept as data
// so the module does not depend on cdproto; cdproto writes the response
// text, a []byte, as base64 and says so.
func TestReadHARFromCdprotoModel(t *testing.T) {
	t.Parallel()
	const body = `{"detail":"No maintenance is scheduled.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","parameters":[],"reason":"Bad Request"}`
	var got []*recording.Interaction
	require.NoError(t, recording.ReadFile("testdata/chromedp-cdproto.har.golden", recording.Options{}, func(it *recording.Interaction) error {
		got = append(got, it)
		return nil
	}))
	require.Len(t, got, 1)
	it := got[0]
	assert.Equal(t, "POST", it.Request.Method)
	assert.Equal(t, deferURL+"?envelope=false", it.Request.URL.String())
	assert.Equal(t, "Bearer REDACTED", it.Request.Header.Get("Authorization"))
	assert.NotContains(t, it.Request.Header, ":authority")
	assert.Equal(t, "{}", string(it.Request.Body))
	assert.Equal(t, 400, it.Response.StatusCode)
	assert.Equal(t, "5", it.Response.Header.Get("Retry-After"))
	assert.Equal(t, body, string(it.Response.Body))
	assert.Equal(t, int64(len(body)), it.Response.BodySize)
}
