package recording_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// TestReadHARQueryString adds the request.queryString parameters a URL
// lacks: Insomnia exports envelope=true only there.
func TestReadHARQueryString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, url, query, want string
	}{
		{name: "only in queryString", url: "https://h.example/x", query: `[{"name":"envelope","value":"true"}]`, want: "https://h.example/x?envelope=true"},
		{name: "in both", url: "https://h.example/x?envelope=true", query: `[{"name":"envelope","value":"true"}]`, want: "https://h.example/x?envelope=true"},
		{name: "some in each", url: "https://h.example/x?a=1", query: `[{"name":"a","value":"1"},{"name":"pretty","value":"a b"}]`, want: "https://h.example/x?a=1&pretty=a+b"},
		{name: "empty", url: "https://h.example/x?a=1", query: `[]`, want: "https://h.example/x?a=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := readString("q.har", harWith(`{"request":{"method":"POST","url":"`+tc.url+`","queryString":`+tc.query+`},"response":{"status":200}}`), recording.Options{})
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, tc.want, got[0].Request.URL.String())
		})
	}
}

// TestReadHARBodyNotRecorded tells a body the exporter did not keep (a
// size without a text) from an empty one.
func TestReadHARBodyNotRecorded(t *testing.T) {
	t.Parallel()
	got, err := readString("kept.har", harWith(strings.Join([]string{
		`{"request":{"method":"POST","url":"https://h.example/x","bodySize":25},"response":{"status":200,"content":{"size":120,"mimeType":"application/json"}}}`,
		`{"request":{"method":"POST","url":"https://h.example/x","bodySize":0},"response":{"status":204,"bodySize":0,"content":{"size":0,"mimeType":"x-unknown"}}}`,
		`{"request":{"method":"POST","url":"https://h.example/x","postData":{"mimeType":"text/plain","text":""}},"response":{"status":200,"content":{"size":0,"text":""}}}`,
	}, ",")), recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 3)

	notKept := got[0]
	assert.True(t, notKept.Response.BodyNotRecorded)
	assert.Equal(t, int64(120), notKept.Response.BodySize)
	assert.Empty(t, notKept.Response.Body)
	assert.True(t, notKept.Request.BodyNotRecorded)
	assert.Equal(t, int64(25), notKept.Request.BodySize)

	for _, it := range got[1:] {
		assert.False(t, it.Response.BodyNotRecorded, "entry %d: an empty body is recorded", it.Index)
		assert.False(t, it.Request.BodyNotRecorded, "entry %d", it.Index)
		assert.Empty(t, it.Response.Body)
	}
}

// TestReadLinesOfEveryInteraction checks the line of every interaction, in
// HAR (pretty-printed, minified on one line, and with long runs of blank
// lines) and in cassettes.
func TestReadLinesOfEveryInteraction(t *testing.T) {
	t.Parallel()
	var pretty strings.Builder
	var wantPretty []int
	pretty.WriteString("{\n  \"log\": {\n    \"entries\": [\n")
	line := 4
	for i := range 50 {
		if i > 0 {
			pretty.WriteString(",\n")
			line++
		}
		gap := i * 400 // blank lines before the entry, up to 19,600
		pretty.WriteString(strings.Repeat("\n", gap))
		line += gap
		wantPretty = append(wantPretty, line)
		pretty.WriteString("      {\n        \"request\": {\"method\": \"GET\", \"url\": \"https://h.example/x\"},\n        \"response\": {\"status\": 200}\n      }")
		line += 3
	}
	pretty.WriteString("\n    ]\n  }\n}\n")

	one := harWith(strings.TrimSuffix(strings.Repeat(okEntry+",", 1000), ",")) + "\n"
	var yml strings.Builder
	var wantYAML []int
	yml.WriteString("version: 2\ninteractions:\n")
	for i := range 50 {
		wantYAML = append(wantYAML, 3+4*i)
		yml.WriteString("- request: {method: GET, url: 'https://h.example/x'}\n  # a comment\n\n  response: {code: 200}\n")
	}

	for _, tc := range []struct {
		name, text string
		want       func(i int) int
		n          int
	}{
		{name: "pretty HAR", text: pretty.String(), want: func(i int) int { return wantPretty[i] }, n: 50},
		{name: "one-line HAR", text: one, want: func(int) int { return 1 }, n: 1000},
		{name: "cassette", text: yml.String(), want: func(i int) int { return wantYAML[i] }, n: 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := readString("lines", tc.text, recording.Options{})
			require.NoError(t, err)
			require.Len(t, got, tc.n)
			for i, it := range got {
				require.Equal(t, tc.want(i), it.Line, "interaction %d", i)
				require.Equal(t, fmt.Sprintf("lines:%d", it.Line), it.Location())
			}
		})
	}
}

// TestReadHARPlaywrightFailedRequest reads the entry Playwright keeps for a
// request that failed, was aborted or was still pending (its harTracer
// starts every response at status -1, with sizes of -1) as a request that
// got no response, status 0, as browsers write it; other negative statuses
// stay refused.
func TestReadHARPlaywrightFailedRequest(t *testing.T) {
	t.Parallel()
	failed := `{"request":{"method":"POST","url":"https://h.example/x","headers":[],"headersSize":-1,"bodySize":-1},` +
		`"response":{"status":-1,"statusText":"","httpVersion":"HTTP/1.1","cookies":[],"headers":[],` +
		`"content":{"size":-1,"mimeType":"x-unknown"},"headersSize":-1,"bodySize":-1,"redirectURL":"","_transferSize":-1,"_failureText":"net::ERR_FAILED"}}`
	got, err := readString("pw.har", harWith(okEntry+","+failed), recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, 200, got[0].Response.StatusCode)
	assert.Equal(t, 0, got[1].Response.StatusCode)
	assert.False(t, got[1].Response.BodyNotRecorded)
	assert.Equal(t, int64(0), got[1].Response.BodySize)

	_, err = readString("pw.har", harWith(strings.Replace(failed, `"status":-1`, `"status":-2`, 1)), recording.Options{})
	require.ErrorContains(t, err, "entry 0: response.status -2 is not an HTTP status code")
}

// TestReadHARLoneSurrogateEscapes reads a string with half of a surrogate
// pair escaped alone, as mitmproxy writes a byte that is not UTF-8 (Python's
// surrogateescape turns 0xE9 into "\udce9"), with U+FFFD in its place: in a
// body, which is then judged, and in a URL or a header value. Pairs are
// kept; a raw byte that is not UTF-8 stays refused (TestReadHostileInputs).
func TestReadHARLoneSurrogateEscapes(t *testing.T) {
	t.Parallel()
	entry := `{"request":{"method":"POST","url":"https://h.example/caf\udce9?q=\udce9","headers":[{"name":"X-Name","value":"caf\udce9"}],` +
		`"postData":{"mimeType":"text/plain","text":"a\ud83d"}},` +
		`"response":{"status":400,"headers":[{"name":"Content-Type","value":"application/json"}],` +
		`"content":{"size":40,"mimeType":"application/json","text":"{\"detail\":\"caf\udce9 \ud83d\ude00 \ud83d\ud83d\ude00 \udc00\\\\ud800\"}"}}}`
	got, err := readString("mitm.har", harWith(entry), recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	it := got[0]
	assert.Equal(t, `{"detail":"caf� 😀 �😀 �\\ud800"}`, string(it.Response.Body), "a lone half is U+FFFD; a pair and an escaped backslash are kept")
	assert.Equal(t, "a\uFFFD", string(it.Request.Body))
	assert.Equal(t, "caf\uFFFD", it.Request.Header.Get("X-Name"))
	assert.Equal(t, "/caf\uFFFD", it.Request.URL.Path)
	assert.Equal(t, "\uFFFD", it.Request.URL.Query().Get("q"))
}

// TestReadHARLoneSurrogateEscapesAcrossReads replaces lone halves wherever
// they fall in the filter's buffer, next to pairs that are kept.
func TestReadHARLoneSurrogateEscapesAcrossReads(t *testing.T) {
	t.Parallel()
	for pad := range 12 {
		text := strings.Repeat("p", pad) + strings.Repeat(`\udce9x\ud83d\ude00\ud800y`, 3000)
		want := strings.Repeat("p", pad) + strings.Repeat("\uFFFDx😀\uFFFDy", 3000)
		got, err := readString("mitm.har", harWith(strings.Replace(okEntry, `"mimeType":""`, `"mimeType":"","text":"`+text+`"`, 1)), recording.Options{})
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.True(t, want == string(got[0].Response.Body), "pad %d: %.80q...", pad, got[0].Response.Body)
	}
}
