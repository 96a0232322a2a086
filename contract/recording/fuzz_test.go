package recording_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// addSeeds adds the testdata files matching pattern, and extra inputs.
func addSeeds(f *testing.F, pattern string, extra ...string) {
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files for %s: %v", pattern, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// checkRead reads data and checks what any input must give: no panic, and
// either valid interactions or errors that are *recording.Error naming the
// file.
func checkRead(t *testing.T, name string, data []byte) {
	const max = 1024
	err := recording.Read(name, bytes.NewReader(data), recording.Options{MaxBodyBytes: max}, func(it *recording.Interaction) error {
		switch {
		case it.File != name:
			t.Errorf("interaction file %q, want %q", it.File, name)
		case it.Request.Method == "":
			t.Error("delivered an interaction without a method")
		case it.Request.URL == nil || !it.Request.URL.IsAbs():
			t.Error("delivered an interaction without an absolute URL")
		case it.Response.StatusCode < 100 || it.Response.StatusCode > 999:
			t.Errorf("delivered status %d", it.Response.StatusCode)
		case len(it.Request.Body) > max || len(it.Response.Body) > max:
			t.Error("delivered a body over the cap")
		case it.Response.BodyNotRecorded && (len(it.Response.Body) > 0 || it.Response.BodyTooLarge || it.Response.BodySize <= 0):
			t.Errorf("BodyNotRecorded with a body of %d bytes, BodyTooLarge %v, BodySize %d", len(it.Response.Body), it.Response.BodyTooLarge, it.Response.BodySize)
		case !it.Response.BodyNotRecorded && it.Response.BodyTooLarge != (it.Response.BodySize < 0 || it.Response.BodySize > max):
			t.Errorf("BodyTooLarge %v with BodySize %d", it.Response.BodyTooLarge, it.Response.BodySize)
		}
		return nil
	})
	if err == nil {
		return
	}
	var re *recording.Error
	if !errors.As(err, &re) {
		t.Fatalf("error %T is not a *recording.Error: %v", err, err)
	}
	if re.File != name {
		t.Fatalf("error names %q, want %q: %v", re.File, name, err)
	}
	if re.Msg == "" {
		t.Fatalf("error without a message: %#v", re)
	}
}

func FuzzReadCassette(f *testing.F) {
	gz := base64.StdEncoding.EncodeToString([]byte(bomb(64 << 10)))
	addSeeds(f, "*.yaml",
		// Aliases of a gzip body that inflates past the budget of a 1 KiB
		// body cap (16 KiB), and of a plain body.
		aliasCassette(40, "    headers: {Content-Encoding: [gzip]}\n    body: !!binary "+gz+"\n"),
		aliasCassette(40, "    body: '"+strings.Repeat("a", 2048)+"'\n"),
		"version: 2\ninteractions:\n- request: &r {method: GET, url: 'https://h/x', headers: &h {A: [x]}}\n  response: {code: 200, headers: *h}\n- request: *r\n  response: {code: 204}\n",
		"",
		"version: 2\ninteractions: []\n",
		"version: 3\n",
		"version: 2\ninteractions:\n- &a {request: {method: GET, url: 'https://h/x'}, response: {code: 200}}\n- *a\n",
		"version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x', headers: {Content-Encoding: [gzip]}, body: x}\n  response: {code: 200}\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, "fuzz.yaml", data)
	})
}

func FuzzReadHAR(f *testing.F) {
	addSeeds(f, "*.har",
		// Base64 gzip bodies that inflate past the budget of a 1 KiB body
		// cap (16 KiB), and query parameters kept only in queryString.
		gzipHAR(20, bomb(8<<10)),
		harWith(`{"request":{"method":"GET","url":"https://h/x","queryString":[{"name":"envelope","value":"true"}]},"response":{"status":200,"content":{"size":10}}}`),
		`{}`,
		`{"log":{"entries":[]}}`,
		harWith(okEntry),
		harWith(`{"request":{"method":"GET","url":"https://h/x","postData":{"text":"\ud83d\ude00"}},"response":{"status":200,"content":{"text":"AAAA","encoding":"base64"}}}`),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, "fuzz.har", data)
	})
}
