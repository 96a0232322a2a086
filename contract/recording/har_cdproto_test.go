package recording_test

import (
	"bytes"
	"testing"

	"github.com/chromedp/cdproto/har"
	json "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// TestReadHARFromCdprotoModel reads a HAR marshalled from chromedp's HAR 1.2
// types, every optional member set, as chromedp-based exporters write it:
// the reader walks the JSON itself, so this checks it against an independent
// model of the format.
func TestReadHARFromCdprotoModel(t *testing.T) {
	t.Parallel()
	onLoad, compression, notApplicable := 12.5, int64(3), -1.0
	body := []byte(`{"detail":"No maintenance is scheduled.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","parameters":[],"reason":"Bad Request"}`)
	cookie := []*har.Cookie{{Name: "a", Value: "b", Path: "/", Domain: "cloud.mongodb.com", Expires: "2030-01-01T00:00:00Z", HTTPOnly: true, Secure: true, Comment: "c"}}
	doc := har.HAR{Log: &har.Log{
		Version: "1.2",
		Creator: &har.Creator{Name: "chromedp", Version: "0.160", Comment: "c"},
		Browser: &har.Creator{Name: "Chrome", Version: "140"},
		Pages:   []*har.Page{{StartedDateTime: "2026-08-10T03:09:12.010Z", ID: "page_1", Title: "t", PageTimings: &har.PageTimings{OnLoad: &onLoad}}},
		Entries: []*har.Entry{{
			Pageref:         "page_1",
			StartedDateTime: "2026-08-10T03:09:12.010Z",
			Time:            120.5,
			Request: &har.Request{
				Method:      "POST",
				URL:         deferURL + "?envelope=false",
				HTTPVersion: "HTTP/2.0",
				Cookies:     cookie,
				Headers: []*har.NameValuePair{
					{Name: ":authority", Value: "cloud.mongodb.com"},
					{Name: "accept", Value: "application/vnd.atlas.2023-01-01+json", Comment: "c"},
					{Name: "authorization", Value: "Bearer REDACTED"},
				},
				QueryString: []*har.NameValuePair{{Name: "envelope", Value: "false"}},
				PostData:    &har.PostData{MimeType: "application/json", Text: `{}`, Params: []*har.Param{{Name: "p", Value: "v", FileName: "f", ContentType: "text/plain"}}},
				HeadersSize: -1,
				BodySize:    2,
				Comment:     "c",
			},
			Response: &har.Response{
				Status:      400,
				StatusText:  "Bad Request",
				HTTPVersion: "HTTP/2.0",
				Cookies:     cookie,
				Headers:     []*har.NameValuePair{{Name: "content-type", Value: "application/json"}, {Name: "retry-after", Value: "5"}},
				// cdproto marshals Text, a []byte, as base64: say so.
				Content:     &har.Content{Size: int64(len(body)), Compression: &compression, MimeType: "application/json", Text: body, Encoding: "base64", Comment: "c"},
				RedirectURL: "",
				HeadersSize: -1,
				BodySize:    int64(len(body)),
				Comment:     "c",
			},
			Cache:           &har.Cache{BeforeRequest: &har.CacheData{LastAccess: "x", ETag: "e", HitCount: 1}, Comment: "c"},
			Timings:         &har.Timings{Blocked: &notApplicable, DNS: &notApplicable, Connect: &notApplicable, Send: 0.5, Wait: 119, Receive: 1, Ssl: &notApplicable, Comment: "c"},
			ServerIPAddress: "10.0.0.1",
			Connection:      "443",
			Comment:         "c",
		}},
		Comment: "c",
	}}
	data, err := json.Marshal(doc)
	require.NoError(t, err)

	var got []*recording.Interaction
	require.NoError(t, recording.Read("cdproto.har", bytes.NewReader(data), recording.Options{}, func(it *recording.Interaction) error {
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
	assert.Equal(t, string(body), string(it.Response.Body))
	assert.Equal(t, int64(len(body)), it.Response.BodySize)
}
