package atlas

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// recordedBodies returns the response bodies of the shipped recordings, as
// seeds: the cassettes' body: lines are JSON strings.
func recordedBodies(tb testing.TB) [][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "contract", "recordings", "*.yaml"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no shipped recordings to seed from: %v", err)
	}
	line := regexp.MustCompile(`(?m)^\s+body: (".*")$`)
	var out [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for _, m := range line.FindAllSubmatch(data, -1) {
			if s, err := strconv.Unquote(string(m[1])); err == nil && s != "" {
				out = append(out, []byte(s))
			}
		}
	}
	return out
}

// FuzzErrorDecoding sends the one-line call through an in-memory transport
// that answers with arbitrary statuses, headers and bodies: nothing panics,
// a 2xx without envelope is success, every other answer is one typed error
// whose message names the request and whose raw body is capped.
func FuzzErrorDecoding(f *testing.F) {
	for _, body := range recordedBodies(f) {
		for _, status := range []int{200, 400, 429} {
			f.Add(status, "application/json", "5", body, bytes.HasPrefix(body, []byte(`{"content"`)))
		}
	}
	f.Add(502, "text/html", "", []byte("<html><title>502 Bad Gateway</title></html>"), false)
	// A proxy page in ISO-8859-1: its lowercased copy is longer than it (review finding).
	f.Add(502, "text/html; charset=iso-8859-1", "", []byte(latin1Proxy502), false)
	f.Add(503, "text/html; charset=utf-8", "", []byte("<html><p>"+strings.Repeat("İ", 40)+"</p><TITLE>Wartung</TITLE></html>"), false)
	f.Add(200, "", "Wed, 21 Oct 2015 07:28:00 GMT", []byte(`{"status":429,"content":{"error":429,"errorCode":"RATE_LIMITED","parameters":["a",1]}}`), true)
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter string, body []byte, envelope bool) {
		if status < 100 || status > 999 {
			return
		}
		transport := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{
				StatusCode: status, Request: r, ContentLength: int64(len(body)),
				Header: http.Header{"Content-Type": {contentType}, "Retry-After": {retryAfter}},
				Body:   io.NopCloser(bytes.NewReader(body)),
			}, nil
		})
		c, err := New(WithServer("http://atlas.invalid"), WithTransport(transport), WithEnvelope(envelope))
		if err != nil {
			t.Fatal(err)
		}
		err = c.DeferMaintenanceWindow(context.Background(), "32b6e34b3d91647abb20e7b8")
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("status %d taken as success", status)
			}
			return
		}
		var apiErr *Error
		var envErr *EnvelopeError
		switch {
		case errors.As(err, &apiErr):
			if len(apiErr.Body) > MaxErrorBody {
				t.Fatalf("kept %d bytes of body", len(apiErr.Body))
			}
			if apiErr.StatusCode < 100 || apiErr.StatusCode > 999 {
				t.Fatalf("status %d", apiErr.StatusCode)
			}
			if apiErr.RetryAfter < 0 {
				t.Fatalf("negative Retry-After %v", apiErr.RetryAfter)
			}
			if apiErr.APIError != nil && apiErr.APIError.ErrorCode != "" && !HasErrorCode(err, apiErr.APIError.ErrorCode) {
				t.Fatalf("HasErrorCode disagrees with the decoded errorCode")
			}
		case errors.As(err, &envErr):
			if !envelope || status < 200 || status > 299 {
				t.Fatalf("an envelope error for status %d, envelope %v", status, envelope)
			}
		default:
			t.Fatalf("untyped error: %v", err)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "POST /api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/maintenanceWindow/defer: ") {
			t.Fatalf("the message does not name the request: %q", msg)
		}
	})
}

// FuzzHTMLTitle checks htmlTitle against a reference that folds ASCII case
// on a copy of the same length (the two must agree on any bytes, valid UTF-8
// or not), and that snippet quotes at most snippetRunes runes.
func FuzzHTMLTitle(f *testing.F) {
	f.Add([]byte(latin1Proxy502))
	f.Add([]byte("<HTML><TiTlE>x</tItLe></HTML>"))
	f.Add([]byte("<p>" + strings.Repeat("İȺ\u212a", 20) + "<title>y</title>"))
	f.Fuzz(func(t *testing.T, page []byte) {
		got := htmlTitle(page)
		folded := make([]byte, len(page))
		for i, c := range page {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			folded[i] = c
		}
		var want []byte
		if start := bytes.Index(folded, []byte("<title")); start >= 0 {
			if open := bytes.IndexByte(folded[start:], '>'); open >= 0 {
				from := start + open + 1
				if end := bytes.Index(folded[from:], []byte("</title")); end >= 0 {
					want = page[from : from+end]
				}
			}
		}
		if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("htmlTitle(%q) = %q, want %q", page, got, want)
		}
		if s := strings.TrimSuffix(snippet(page), "…"); utf8.RuneCountInString(s) > snippetRunes {
			t.Fatalf("snippet of %d runes", utf8.RuneCountInString(s))
		}
	})
}
