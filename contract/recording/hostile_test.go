package recording_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// okEntry is a minimal valid HAR entry.
const okEntry = `{"request":{"method":"POST","url":"https://cloud.mongodb.com/x","headers":[]},"response":{"status":200,"headers":[],"content":{"size":0,"mimeType":""}}}`

// okInteraction is a minimal valid cassette interaction.
const okInteraction = "- request: {method: POST, url: 'https://cloud.mongodb.com/x'}\n  response: {code: 200}\n"

func gzipped(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

func TestHostileInput(t *testing.T) {
	t.Parallel()
	chrome := mustRead(t, "testdata/defer-chrome.har")
	okYAML := mustRead(t, "testdata/defer-ok.yaml")
	small := recording.Options{MaxBodyBytes: 1024}
	tests := []struct {
		name     string
		input    func() io.Reader
		opts     recording.Options
		wantErr  string // "" means the input is delivered
		wantLine int    // checked when not 0
		wantN    int    // interactions delivered before the error (or in total)
	}{
		{name: "empty file", input: text(""), wantErr: "empty file"},
		{name: "only white space", input: text(" \n\t\n"), wantErr: "empty file"},
		{name: "binary garbage", input: text("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"), wantErr: "unknown format: binary data"},
		{name: "text garbage", input: text("@@@ this is not a recording"), wantErr: "invalid YAML", wantLine: 1},
		{name: "YAML scalar", input: text("just some words\n"), wantErr: "unknown format", wantLine: 1},
		{name: "JSON array", input: text("\n[1,2]"), wantErr: "unknown format: a JSON array", wantLine: 2},
		{name: "truncated YAML", input: text(okYAML[:strings.Index(okYAML, "Bearer REDACTED")] + "'Bearer RE"), wantErr: "invalid YAML: found unexpected end of stream", wantLine: 15},
		{name: "truncated JSON", input: text(chrome[:len(chrome)/2]), wantErr: "unexpected end of file: the JSON is truncated", wantLine: strings.Count(chrome[:len(chrome)/2], "\n") + 1, wantN: 1},
		{name: "invalid UTF-8 in YAML", input: text("version: 2\ninteractions:\n- request: {method: \"P\xffST\", url: 'https://h/x'}\n"), wantErr: "invalid UTF-8 (byte 0xff)", wantLine: 3},
		{name: "invalid UTF-8 in JSON", input: text(harWith("\n" + strings.Replace(okEntry, "POST", "P\xffST", 1))), wantErr: "invalid UTF-8", wantLine: 2},
		{name: "JSON nested 100000 deep in an entry", input: text(`{"log":{"entries":[{"_initiator":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}]}}`), wantErr: "depth"},
		{name: "JSON nested 100000 deep outside the entries", input: text(`{"pages":` + strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000) + `,"log":{"entries":[` + okEntry + `]}}`), wantErr: "depth"},
		{name: "YAML nested 100000 deep (flow)", input: text("version: 2\ninteractions:\n- request: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n"), wantErr: "exceeded max depth of 10000", wantLine: 3},
		{name: "YAML nested 100000 deep (block)", input: text("version: 2\ninteractions:\n" + strings.Repeat("- ", 100000) + "x\n"), wantErr: "exceeded max depth of 10000", wantLine: 3},
		{name: "duplicate YAML key at the top", input: text("version: 2\nversion: 2\ninteractions:\n" + okInteraction), wantErr: `mapping key "version" already defined at line 1`, wantLine: 2},
		{name: "duplicate YAML key in an interaction", input: text("version: 2\ninteractions:\n- request:\n    method: GET\n    method: POST\n    url: https://h/x\n  response: {code: 200}\n"), wantErr: `interaction 0: mapping key "method" already defined at line 4`, wantLine: 5},
		{name: "duplicate YAML header key", input: text("version: 2\ninteractions:\n- request:\n    method: GET\n    url: https://h/x\n    headers:\n      A: [x]\n      A: [y]\n  response: {code: 200}\n"), wantErr: `mapping key "A" already defined at line 7`, wantLine: 8},
		{name: "duplicate JSON member", input: text(harWith("\n" + strings.Replace(okEntry, `"method":"POST"`, `"method":"POST","method":"GET"`, 1))), wantErr: `duplicate member "method" in /log/entries/0/request`, wantLine: 2},
		{name: "HAR with 0 entries", input: text(harWith("")), wantErr: "no entries"},
		{name: "HAR without entries", input: text(`{"log":{"version":"1.2"}}`), wantErr: "no entries"},
		{name: "JSON without log", input: text(`{"openapi":"3.0.1"}`), wantErr: `not a HAR file: the JSON object has no "log" member`},
		{name: "HAR version 2.0", input: text(`{"log":{"version":"2.0","entries":[` + okEntry + `]}}`), wantErr: `HAR version "2.0"; this reader supports versions 1.1 and 1.2`, wantLine: 1},
		{name: "data after the HAR", input: text(harWith(okEntry) + "\n{}"), wantErr: "unexpected data after the HAR object", wantLine: 2, wantN: 1},
		{name: "cassette from a newer go-vcr", input: text("---\nversion: 3\ninteractions:\n" + okInteraction), wantErr: "cassette format version 3; this reader supports version 2 (go-vcr v4)", wantLine: 2},
		{name: "cassette without version", input: text("interactions:\n" + okInteraction), wantErr: `no "version" key`},
		{name: "cassette with a text version", input: text("version: two\ninteractions:\n" + okInteraction), wantErr: "cassette version must be an integer", wantLine: 1},
		{name: "cassette without interactions", input: text("version: 2\n"), wantErr: "no interactions"},
		{name: "cassette with empty interactions", input: text("version: 2\ninteractions: []\n"), wantErr: "no interactions", wantLine: 2},
		{name: "cassette interactions not a list", input: text("version: 2\ninteractions: {a: 1}\n"), wantErr: "interactions must be a YAML sequence", wantLine: 2},
		{name: "interaction without request", input: text("version: 2\ninteractions:\n- response: {code: 200}\n"), wantErr: "interaction 0: request is missing", wantLine: 3},
		{name: "interaction without response", input: text("version: 2\ninteractions:\n" + okInteraction + "- request: {method: GET, url: 'https://h/x'}\n"), wantErr: "interaction 1: response is missing", wantLine: 5, wantN: 1},
		{name: "interaction without method", input: text("version: 2\ninteractions:\n- request: {url: 'https://h/x'}\n  response: {code: 200}\n"), wantErr: "interaction 0: request.method is missing", wantLine: 3},
		{name: "interaction without URL", input: text("version: 2\ninteractions:\n- request: {method: GET}\n  response: {code: 200}\n"), wantErr: "interaction 0: request.url is missing", wantLine: 3},
		{name: "interaction with a relative URL", input: text("version: 2\ninteractions:\n- request:\n    method: GET\n    url: /api/atlas/v2\n  response: {code: 200}\n"), wantErr: "request.url is not an absolute URL", wantLine: 5},
		{name: "interaction with an invalid URL", input: text("version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/%zz'}\n  response: {code: 200}\n"), wantErr: "request.url is not a valid URL", wantLine: 3},
		{name: "interaction without status", input: text("version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x'}\n  response: {body: ''}\n"), wantErr: "interaction 0: response.code is missing", wantLine: 4},
		{name: "interaction with status 42", input: text("version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x'}\n  response:\n    code: 42\n"), wantErr: "response.code 42 is not an HTTP status code", wantLine: 5},
		{name: "interaction with a wrong type", input: text("version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x'}\n  response:\n    code: abc\n"), wantErr: "interaction 0: cannot construct a !!str value (column 11) into int", wantLine: 5},
		{name: "gzip body that does not gunzip", input: text("version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x'}\n  response:\n    code: 200\n    headers: {Content-Encoding: [gzip]}\n    body: not gzip\n"), wantErr: "response body: body is not valid gzip", wantLine: 7},
		{name: "gzip body cut short", input: text("version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x'}\n  response:\n    code: 200\n    headers: {Content-Encoding: [gzip]}\n    body: !!binary " + base64.StdEncoding.EncodeToString([]byte(gzipped(`{"a":"hello hello hello"}`)[:20])) + "\n"), wantErr: "does not decode as Content-Encoding gzip", wantLine: 7},
		{name: "gzip body over the cap", opts: recording.Options{MaxBodyBytes: 4}, input: text("version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x'}\n  response:\n    code: 200\n    headers: {Content-Encoding: [gzip]}\n    body: !!binary " + base64.StdEncoding.EncodeToString([]byte(gzipped(`{"a":"hello hello hello"}`))) + "\n"), wantN: 1},
		{name: "brotli body", input: text("version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x'}\n  response:\n    code: 200\n    headers: {Content-Encoding: [br]}\n    body: xx\n"), wantErr: `Content-Encoding "br" is not supported`, wantLine: 7},
		{name: "HAR entry without request", input: text(harWith(`{"response":{"status":200}}`)), wantErr: "entry 0: request is missing", wantLine: 1},
		{name: "HAR entry without response", input: text(harWith(okEntry + ",\n\n" + `{"request":{"method":"GET","url":"https://h/x"}}`)), wantErr: "entry 1: response is missing", wantLine: 3, wantN: 1},
		{name: "HAR entry without method", input: text(harWith(strings.Replace(okEntry, `"method":"POST",`, "", 1))), wantErr: "entry 0: request.method is missing"},
		{name: "HAR entry with a relative URL", input: text(harWith(strings.Replace(okEntry, "https://cloud.mongodb.com/x", "/x", 1))), wantErr: "entry 0: request.url is not an absolute URL"},
		{name: "HAR entry with status 0", input: text(harWith(strings.Replace(okEntry, `"status":200`, `"status":0`, 1))), wantN: 1}, // a request that got no response: delivered, with status 0
		{name: "HAR entry with a wrong type", input: text(harWith("\n" + strings.Replace(okEntry, `"method":"POST"`, `"method":5`, 1))), wantErr: "entry 0: /log/entries/0/request/method: expected a string, found a number", wantLine: 2},
		{name: "HAR entry that is not an object", input: text(harWith("\n\n42")), wantErr: "entry 0: /log/entries/0: expected an object, found a number", wantLine: 3},
		{name: "HAR header without name", input: text(harWith(strings.Replace(okEntry, `"headers":[]`, `"headers":[{"name":"","value":"x"}]`, 1))), wantErr: "entry 0: request.headers[0] has no name"},
		{name: "HAR bad base64", input: text(harWith(strings.Replace(okEntry, `"mimeType":""`, `"mimeType":"","text":"%%%not base64","encoding":"base64"`, 1))), wantErr: `response.content.text is not valid base64`},
		{name: "HAR unknown content encoding", input: text(harWith(strings.Replace(okEntry, `"mimeType":""`, `"mimeType":"","text":"x","encoding":"quoted-printable"`, 1))), wantErr: `response.content.encoding "quoted-printable" is not supported`},
		{name: "HAR base64 gzip under Content-Encoding gzip", input: text(harWith(strings.Replace(strings.Replace(okEntry, `"mimeType":""`, `"mimeType":"","text":"`+base64.StdEncoding.EncodeToString([]byte(gzipped(`{"ok":true}`)))+`","encoding":"base64"`, 1), `"status":200,"headers":[]`, `"status":200,"headers":[{"name":"content-encoding","value":"gzip"}]`, 1))), wantN: 1},
		{name: "HAR base64 gzip that does not gunzip", input: text(harWith(strings.Replace(strings.Replace(okEntry, `"mimeType":""`, `"mimeType":"","text":"`+base64.StdEncoding.EncodeToString([]byte(gzipped(`{"ok":true}`)[:12]))+`","encoding":"base64"`, 1), `"status":200,"headers":[]`, `"status":200,"headers":[{"name":"content-encoding","value":"gzip"}]`, 1))), wantErr: "does not decode as Content-Encoding gzip"},
		{name: "HAR URL longer than the string cap", opts: small, input: text(harWith(strings.Replace(okEntry, "https://cloud.mongodb.com/x", "https://cloud.mongodb.com/"+strings.Repeat("a", 10000), 1))), wantErr: "entry 0: request.url is longer than 3072 bytes"},
		{name: "HAR query parameter longer than the string cap", opts: small, input: text(harWith(strings.Replace(okEntry, `"headers":[]`, `"headers":[],"queryString":[{"name":"a","value":"`+strings.Repeat("v", 10000)+`"}]`, 1))), wantErr: "entry 0: request.queryString[0] is longer than the string cap", wantLine: 1},
		{name: "HAR entry larger than the region limit", opts: small, input: text(harWith(strings.Replace(okEntry, `"headers":[]`, `"headers":[`+strings.Repeat(`{"name":"a","value":"b"},`, 300000)+`{"name":"a","value":"b"}]`, 1))), wantErr: "is larger than"},
		// Outside strings nothing is cut: the region limit bounds a number
		// or a run of white space as it bounds an entry.
		{name: "HAR number literal larger than the region limit", opts: small, input: text(`{"log":{"x":` + strings.Repeat("1", 5<<20) + `}}`), wantErr: "(or what lies outside log.entries) is larger than 4203520 bytes", wantLine: 1},
		{name: "HAR white space flood", opts: small, input: text(`{"log":` + strings.Repeat(" ", 5<<20) + `{}}`), wantErr: "is larger than 4203520 bytes", wantLine: 1},
		{name: "HAR newline inside a cut string", opts: small, input: text(harWith(strings.Replace(okEntry, `"mimeType":""`, `"mimeType":"","text":"`+strings.Repeat("a", 5000)+"\n"+`"`, 1))), wantErr: "invalid newline inside a JSON string"},
		// The ceiling does not grow with the body cap: with a 256 MiB cap it
		// used to be 4 GiB, and a cassette is parsed whole.
		{name: "cassette over the size limit, whatever the body cap", opts: recording.Options{MaxBodyBytes: 256 << 20}, input: func() io.Reader {
			return io.MultiReader(strings.NewReader("version: 2\n# "), io.LimitReader(repeatReader('a'), recording.MaxCassetteBytes))
		}, wantErr: "cassette is larger than 67108864 bytes (64 MiB), the limit for a go-vcr cassette: a YAML cassette is parsed whole in memory, so memory use grows with its size; record large exchanges as HAR 1.2 instead"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := 0
			err := recording.Read("in.rec", tc.input(), tc.opts, func(*recording.Interaction) error {
				n++
				return nil
			})
			assert.Equal(t, tc.wantN, n, "interactions delivered")
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			t.Logf("%s", err)
			var re *recording.Error
			require.True(t, errors.As(err, &re), "%T is not a *recording.Error: %v", err, err)
			assert.Equal(t, "in.rec", re.File)
			assert.Contains(t, re.Error(), tc.wantErr)
			assert.True(t, strings.HasPrefix(re.Error(), "in.rec"), re.Error())
			if tc.wantLine != 0 {
				assert.Equal(t, tc.wantLine, re.Line, "line of: %v", err)
			}
		})
	}
}

func text(s string) func() io.Reader {
	return func() io.Reader { return strings.NewReader(s) }
}

// repeatReader is an endless stream of one byte.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = byte(r)
	for n := 1; n < len(p); n *= 2 {
		copy(p[n:], p[:n])
	}
	return len(p), nil
}
