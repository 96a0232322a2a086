package contract

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// FuzzCheck judges arbitrary interactions: nothing panics, and every finding
// is well formed (a known rule, its severity, a message, a JSON pointer or
// none).
func FuzzCheck(f *testing.F) {
	err := recording.WalkFS(ShippedRecordings(), "recordings", recording.Options{}, func(in *recording.Interaction) error {
		f.Add(in.Request.Method, in.Request.URL.String(), in.Request.Header.Get("Accept"),
			in.Response.StatusCode, in.Response.Header.Get("Content-Type"), in.Response.Header.Get("Retry-After"), in.Response.Body)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("POST", "http://x/api/atlas/v2/groups/%zz/maintenanceWindow/defer?envelope=%", "", 0, ";;", "-1", []byte(`{"status":1e400,"content":[]}`))
	spec, err := DefaultSpec()
	if err != nil {
		f.Fatal(err)
	}
	checker := NewChecker(spec, "")
	f.Fuzz(func(t *testing.T, method, rawURL, accept string, status int, contentType, retryAfter string, body []byte) {
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		in := &recording.Interaction{
			File:    "fuzz.yaml",
			Request: recording.Request{Method: method, URL: u, Header: http.Header{"Accept": {accept}}},
			Response: recording.Response{StatusCode: status, Header: http.Header{
				"Content-Type": {contentType}, "Retry-After": {retryAfter},
			}, Body: body},
		}
		j := checker.Check(context.Background(), in)
		for _, f := range j.Findings {
			info, ok := f.Rule.Info()
			if !ok {
				t.Fatalf("unknown rule %q", f.Rule)
			}
			if f.Severity != info.Severity {
				t.Fatalf("%s: severity %s, want %s", f.Rule, f.Severity, info.Severity)
			}
			if f.Message == "" || f.File != "fuzz.yaml" {
				t.Fatalf("malformed finding %+v", f)
			}
			if f.Pointer != "" && !strings.HasPrefix(f.Pointer, "/") {
				t.Fatalf("pointer %q is not a JSON pointer", f.Pointer)
			}
		}
	})
}
