package recording_test

import (
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

const deferURL = "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"

// readAll reads one file and returns its interactions.
func readAll(t *testing.T, path string, opts recording.Options) []*recording.Interaction {
	t.Helper()
	var got []*recording.Interaction
	require.NoError(t, recording.ReadFile(path, opts, func(it *recording.Interaction) error {
		got = append(got, it)
		return nil
	}))
	return got
}

// readString reads a recording held in a string.
func readString(name, text string, opts recording.Options) ([]*recording.Interaction, error) {
	var got []*recording.Interaction
	err := recording.Read(name, strings.NewReader(text), opts, func(it *recording.Interaction) error {
		got = append(got, it)
		return nil
	})
	return got, err
}

func TestReadCassetteAtlas200(t *testing.T) {
	t.Parallel()
	got := readAll(t, "testdata/defer-ok.yaml", recording.Options{})
	require.Len(t, got, 1)
	it := got[0]
	assert.Equal(t, "testdata/defer-ok.yaml", it.File)
	assert.Equal(t, 0, it.Index)
	assert.Equal(t, 4, it.Line, "the line of the interaction's '- id: 0'")
	assert.Equal(t, "testdata/defer-ok.yaml:4", it.Location())
	assert.Equal(t, "POST", it.Request.Method)
	assert.Equal(t, deferURL, it.Request.URL.String())
	assert.Equal(t, "Bearer REDACTED", it.Request.Header.Get("Authorization"))
	assert.Equal(t, 200, it.Response.StatusCode)
	assert.Empty(t, it.Response.Body)
	assert.Equal(t, int64(0), it.Response.BodySize)
	assert.False(t, it.Response.BodyTooLarge)
	assert.Equal(t, "0", it.Response.Header.Get("Content-Length"))
	assert.Empty(t, it.Response.Header.Get("Content-Type"), "Atlas sends no Content-Type on this 200")
	assert.Equal(t, "application/vnd.atlas.2023-01-01+json", it.Response.Header.Get("X-Content-Type"))
}

func TestReadCassetteErrors(t *testing.T) {
	t.Parallel()
	got := readAll(t, "testdata/defer-errors.yaml", recording.Options{})
	require.Len(t, got, 3)
	for i, want := range []struct {
		status int
		code   string
		line   int
	}{{400, "ATLAS_MAINTENANCE_NOT_SCHEDULED", 4}, {404, "GROUP_NOT_FOUND", 38}, {429, "RATE_LIMITED_TOKEN_BUCKET", 69}} {
		it := got[i]
		assert.Equal(t, i, it.Index)
		assert.Equal(t, want.line, it.Line)
		assert.Equal(t, want.status, it.Response.StatusCode)
		assert.Contains(t, string(it.Response.Body), `"errorCode":"`+want.code+`"`)
		assert.Equal(t, int64(len(it.Response.Body)), it.Response.BodySize)
		assert.Equal(t, "application/json", it.Response.Header.Get("Content-Type"))
	}
	assert.Equal(t, "55", got[2].Response.Header.Get("Retry-After"))
}

func TestReadCassetteGzipBodyIsDecoded(t *testing.T) {
	t.Parallel()
	got := readAll(t, "testdata/defer-gzip.yaml", recording.Options{})
	require.Len(t, got, 1)
	r := got[0].Response
	assert.Equal(t, 400, r.StatusCode)
	assert.JSONEq(t, `{"detail":"Maintenance for project 6a7940722c88faeba59bf917 is already scheduled.","error":400,"errorCode":"ATLAS_MAINTENANCE_ALREADY_SCHEDULED","parameters":[],"reason":"Bad Request"}`, string(r.Body))
	assert.Equal(t, "gzip", r.Header.Get("Content-Encoding"), "headers stay as recorded")
	assert.Equal(t, int64(len(r.Body)), r.BodySize)
}

func TestReadHARFromChrome(t *testing.T) {
	t.Parallel()
	got := readAll(t, "testdata/defer-chrome.har", recording.Options{})
	require.Len(t, got, 2)

	tok := got[0]
	assert.Equal(t, 10, tok.Line)
	assert.Equal(t, "https://cloud.mongodb.com/api/oauth/token", tok.Request.URL.String())
	assert.Equal(t, "grant_type=client_credentials", string(tok.Request.Body))
	assert.Equal(t, "Basic REDACTED", tok.Request.Header.Get("Authorization"), "lower-case HTTP/2 names are canonicalized")
	assert.JSONEq(t, `{"access_token":"REDACTED","expires_in":3600,"token_type":"Bearer"}`, string(tok.Response.Body))

	it := got[1]
	assert.Equal(t, 1, it.Index)
	assert.Equal(t, 111, it.Line)
	assert.Equal(t, "POST", it.Request.Method)
	assert.Equal(t, deferURL, it.Request.URL.String())
	for _, h := range []map[string][]string{it.Request.Header, it.Response.Header} {
		for name := range h {
			assert.False(t, strings.HasPrefix(name, ":"), "pseudo-header %s kept", name)
		}
	}
	assert.Equal(t, []string{"application/vnd.atlas.2023-01-01+json"}, it.Request.Header.Values("Accept"))
	assert.Equal(t, 200, it.Response.StatusCode)
	assert.Empty(t, it.Response.Body)
	assert.Equal(t, "0", it.Response.Header.Get("Content-Length"))
	assert.Equal(t, "application/vnd.atlas.2023-01-01+json", it.Response.Header.Get("X-Content-Type"))
}

func TestReadHARFromMitmproxyBase64(t *testing.T) {
	t.Parallel()
	got := readAll(t, "testdata/defer-mitmproxy.har", recording.Options{})
	require.Len(t, got, 2)
	assert.Equal(t, 400, got[0].Response.StatusCode)
	assert.JSONEq(t, `{"detail":"Maintenance for project 6a7940722c88faeba59bf917 has already been deferred the maximum number of times.","error":400,"errorCode":"ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED","parameters":[],"reason":"Bad Request"}`,
		string(got[0].Response.Body), "base64 text is decoded")
	assert.Equal(t, "false", got[0].Request.URL.Query().Get("envelope"))
	assert.Equal(t, 429, got[1].Response.StatusCode)
	assert.Equal(t, "55", got[1].Response.Header.Get("Retry-After"))
	assert.Contains(t, string(got[1].Response.Body), `"parameters":["api/atlas/v2/groups",55,10,5,60]`)
}

func TestReadKeepsEveryHeaderValue(t *testing.T) {
	t.Parallel()
	har := harWith(`{"request":{"method":"GET","url":"https://h.example/x","headers":[{"name":"x-a","value":"1"},{"name":"X-A","value":"2"}]},
		"response":{"status":204,"headers":[{"name":"set-cookie","value":"a=1"},{"name":"Set-Cookie","value":"b=2"}],"content":{"size":0,"mimeType":""}}}`)
	got, err := readString("multi.har", har, recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, []string{"1", "2"}, got[0].Request.Header.Values("X-A"))
	assert.Equal(t, []string{"a=1", "b=2"}, got[0].Response.Header.Values("Set-Cookie"))

	yml := "version: 2\ninteractions:\n- request: {method: GET, url: 'https://h.example/x', headers: {X-A: ['1', '2']}}\n  response: {code: 204, headers: {set-cookie: [a=1, b=2]}}\n"
	got, err = readString("multi.yaml", yml, recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, []string{"1", "2"}, got[0].Request.Header.Values("X-A"))
	assert.Equal(t, []string{"a=1", "b=2"}, got[0].Response.Header.Values("Set-Cookie"), "names are canonicalized")
}

func TestReadCallbackErrorStopsAndIsReturnedUnchanged(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	for _, path := range []string{"testdata/defer-errors.yaml", "testdata/defer-mitmproxy.har"} {
		calls := 0
		err := recording.ReadFile(path, recording.Options{}, func(*recording.Interaction) error {
			calls++
			return stop
		})
		assert.Same(t, stop, err, path)
		assert.Equal(t, 1, calls, path)
	}
}

func TestReadNilCallbackOnlyChecks(t *testing.T) {
	t.Parallel()
	require.NoError(t, recording.ReadFile("testdata/defer-errors.yaml", recording.Options{}, nil))
	_, err := readString("bad.har", `{"log":{"entries":[]}}`, recording.Options{})
	require.Error(t, err)
}

func TestReadBodyCap(t *testing.T) {
	t.Parallel()
	opts := recording.Options{MaxBodyBytes: 8}
	got, err := readString("cap.yaml", "version: 2\ninteractions:\n- request: {method: POST, url: 'https://h.example/x', body: '0123456789'}\n  response: {code: 200, body: 'abcdefghijkl'}\n", opts)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.True(t, got[0].Request.BodyTooLarge)
	assert.Equal(t, "01234567", string(got[0].Request.Body))
	assert.Equal(t, int64(10), got[0].Request.BodySize)
	assert.True(t, got[0].Response.BodyTooLarge)
	assert.Equal(t, "abcdefgh", string(got[0].Response.Body))
	assert.Equal(t, int64(12), got[0].Response.BodySize)

	got, err = readString("cap.har", harWith(`{"request":{"method":"POST","url":"https://h.example/x","postData":{"mimeType":"text/plain","text":"0123456789"}},
		"response":{"status":200,"content":{"size":12,"mimeType":"text/plain","text":"YWJjZGVmZ2hpamts","encoding":"base64"}}}`), opts)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.True(t, got[0].Request.BodyTooLarge)
	assert.Equal(t, "01234567", string(got[0].Request.Body))
	assert.True(t, got[0].Response.BodyTooLarge)
	assert.Equal(t, "abcdefgh", string(got[0].Response.Body))
	assert.Equal(t, int64(12), got[0].Response.BodySize)
}

func TestReadHARFormParamsWithoutText(t *testing.T) {
	t.Parallel()
	got, err := readString("form.har", harWith(`{"request":{"method":"POST","url":"https://h.example/token",
		"postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"grant_type","value":"client_credentials"},{"name":"scope","value":"a b"}]}},
		"response":{"status":200,"content":{"size":0,"mimeType":""}}}`), recording.Options{})
	require.NoError(t, err)
	assert.Equal(t, "grant_type=client_credentials&scope=a+b", string(got[0].Request.Body))
}

func TestReadHARWithByteOrderMarkAndLeadingLines(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/defer-chrome.har")
	require.NoError(t, err)
	got, err := readString("bom.har", "\xef\xbb\xbf\n\n"+string(data), recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, 12, got[0].Line, "leading lines are counted")
}

func TestReadCassetteLeadingLinesKeepLineNumbers(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/defer-ok.yaml")
	require.NoError(t, err)
	got, err := readString("lines.yaml", "\n\n"+string(data), recording.Options{})
	require.NoError(t, err)
	assert.Equal(t, 6, got[0].Line)
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "a.har:3: boom", (&recording.Error{File: "a.har", Line: 3, Msg: "boom"}).Error())
	assert.Equal(t, "a.har: boom", (&recording.Error{File: "a.har", Msg: "boom"}).Error())
	cause := errors.New("cause")
	assert.Same(t, cause, errors.Unwrap(&recording.Error{File: "a", Msg: "m", Err: cause}))
}

// harWith wraps entries (JSON objects, comma separated) in a HAR log.
func harWith(entries string) string {
	return `{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[` + entries + `]}}`
}

// TestReadCassetteRequestNotRecorded reads requests marked as recorded
// without their headers (a snapshot of the response only): NotRecorded is
// set and the marker is not left among the headers; a request whose body
// was left out is not such a request, and keeps its own marker.
func TestReadCassetteRequestNotRecorded(t *testing.T) {
	t.Parallel()
	text := "version: 2\ninteractions:\n" +
		"- request:\n    method: POST\n    url: " + deferURL + "\n    headers:\n" +
		"      X-Recording-Omitted: ['request headers not recorded (the Atlas CLI snapshot keeps the response only)']\n" +
		"  response: {code: 200}\n" +
		"- request:\n    method: POST\n    url: " + deferURL + "\n    headers:\n" +
		"      x-recording-omitted: ['Request headers not recorded', 'body not recorded: larger than the recorder''s cap of 16 bytes']\n" +
		"  response: {code: 200}\n" +
		"- request:\n    method: POST\n    url: " + deferURL + "\n    headers:\n" +
		"      Accept: [application/vnd.atlas.2023-01-01+json]\n" +
		"      X-Recording-Omitted: ['body not recorded: larger than the recorder''s cap of 16 bytes']\n" +
		"  response: {code: 200}\n"
	got, err := readString("snapshot.yaml", text, recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 3)

	assert.True(t, got[0].Request.NotRecorded)
	assert.Empty(t, got[0].Request.Header, "the marker is not a header of the request")

	assert.True(t, got[1].Request.NotRecorded, "the marker's case does not matter")
	assert.Equal(t, []string{"body not recorded: larger than the recorder's cap of 16 bytes"}, got[1].Request.Header.Values(recording.OmittedHeader),
		"another reason to omit stays")
	assert.True(t, got[1].Request.BodyTooLarge)

	assert.False(t, got[2].Request.NotRecorded)
	assert.Equal(t, "application/vnd.atlas.2023-01-01+json", got[2].Request.Header.Get("Accept"))
	assert.NotEmpty(t, got[2].Request.Header.Get(recording.OmittedHeader))
	assert.True(t, got[2].Request.BodyTooLarge)

	for _, it := range readAll(t, "testdata/defer-ok.yaml", recording.Options{}) {
		assert.False(t, it.Request.NotRecorded, "a request recorded with its headers")
	}
}

// shiftyFile is a file whose content changes once it is read again from
// the start.
type shiftyFile struct {
	first, second *strings.Reader
	again         bool
}

func (f *shiftyFile) Read(p []byte) (int, error) {
	if f.again {
		return f.second.Read(p)
	}
	return f.first.Read(p)
}

func (f *shiftyFile) Seek(offset int64, whence int) (int64, error) {
	if whence == io.SeekCurrent && offset == 0 && !f.again {
		return 0, nil
	}
	f.again = true
	return f.second.Seek(offset, whence)
}

// TestReadCassetteFromAFileOrAStream reads a cassette from a file, which
// the YAML library reads again rather than the copy in memory, and from a
// stream that cannot seek, which it parses from memory: the same
// interactions. A file that changed between the two reads is refused.
func TestReadCassetteFromAFileOrAStream(t *testing.T) {
	t.Parallel()
	fromFile := readAll(t, "testdata/defer-errors.yaml", recording.Options{})
	f, err := os.Open("testdata/defer-errors.yaml")
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	var fromStream []*recording.Interaction
	require.NoError(t, recording.Read("testdata/defer-errors.yaml", io.MultiReader(f), recording.Options{}, func(it *recording.Interaction) error {
		fromStream = append(fromStream, it)
		return nil
	}))
	assert.Equal(t, fromFile, fromStream)

	ok := "version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x'}\n  response: {code: 200}\n"
	changed := strings.Replace(ok, "200", "404", 1)
	err = recording.Read("shifty.yaml", &shiftyFile{first: strings.NewReader(ok), second: strings.NewReader(changed)}, recording.Options{}, nil)
	require.EqualError(t, err, "shifty.yaml: cannot read: the file changed while it was read")
}

// TestBodyLine: each response names the line its recorded body starts on,
// in a cassette (the body key) and in a HAR (content.text, wherever the
// exporter put it in the entry); a body the file does not hold has none.
func TestBodyLine(t *testing.T) {
	t.Parallel()
	// lineOf is the first line in [from, to) that starts with prefix, or 0.
	lineOf := func(path, prefix string, from, to int) int {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		for i, l := range strings.Split(string(data), "\n") {
			if i+1 >= from && i+1 < to && strings.HasPrefix(strings.TrimSpace(l), prefix) {
				return i + 1
			}
		}
		return 0
	}
	for _, tc := range []struct{ file, response, body string }{
		{"testdata/defer-errors.yaml", "response:", "body:"},
		{"testdata/defer-chrome.har", `"response":`, `"text":`},
		{"testdata/defer-mitmproxy.har", `"response":`, `"text":`},
	} {
		ins := readAll(t, tc.file, recording.Options{})
		require.NotEmpty(t, ins, tc.file)
		bodies := 0
		for i, in := range ins {
			end := math.MaxInt
			if i+1 < len(ins) {
				end = ins[i+1].Line
			}
			want := lineOf(tc.file, tc.body, lineOf(tc.file, tc.response, in.Line, end), end)
			assert.Equal(t, want, in.Response.BodyLine, "%s #%d", tc.file, in.Index)
			if want > 0 {
				bodies++
			}
		}
		assert.Positive(t, bodies, tc.file)
	}

	ins, err := readString("t.har", `{"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://x/y","headers":[]},
"response":{"status":200,"headers":[],"content":{"size":5,
"text":null}}}]}}`, recording.Options{})
	require.NoError(t, err)
	assert.Zero(t, ins[0].Response.BodyLine, "a body the exporter did not keep has no line")
	assert.True(t, ins[0].Response.BodyNotRecorded)
}

// TestReadHARRequestNotRecorded: a HAR marks a request recorded without its
// headers as a cassette does, and the marker is not left among them.
func TestReadHARRequestNotRecorded(t *testing.T) {
	t.Parallel()
	got, err := readString("snapshot.har", `{"log":{"version":"1.2","entries":[
{"request":{"method":"GET","url":"https://cloud.mongodb.com/api/atlas/v2/orgs","headers":[{"name":"X-Recording-Omitted","value":"request headers not recorded (snapshot)"}]},"response":{"status":200,"headers":[]}},
{"request":{"method":"GET","url":"https://cloud.mongodb.com/api/atlas/v2/orgs","headers":[{"name":"Accept","value":"application/vnd.atlas.2023-01-01+json"}]},"response":{"status":200,"headers":[]}}]}}`, recording.Options{})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, got[0].Request.NotRecorded)
	assert.Empty(t, got[0].Request.Header)
	assert.False(t, got[1].Request.NotRecorded)
}
