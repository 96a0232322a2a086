package recording_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// recordWithSecret records three exchanges that carry secret in every place
// a secret travels (credentials, cookies, token fields, nonces, query) and
// note, a value that is not secret, in plain headers and bodies. It returns
// what Save would write, or "" when the recorder refused to write.
func recordWithSecret(t *testing.T, secret, note string) string {
	t.Helper()
	rec := newRecorder(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body, err := json.Marshal(map[string]any{"access_token": secret, "refresh_token": secret, "token_type": "Bearer", "note": note})
		if err != nil {
			return nil, err
		}
		return &http.Response{
			StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{
				"Content-Type":     {"application/json"},
				"Set-Cookie":       {"session=" + secret + "; Path=/; HttpOnly"},
				"Www-Authenticate": {`Digest realm="MMS Public API", nonce="` + secret + `", opaque="` + secret + `", qop="auth"`},
				"X-Note":           {note},
			},
			Body: io.NopCloser(strings.NewReader(string(body))), Request: r,
		}, nil
	}), recording.RecorderOptions{})

	form := "grant_type=client_credentials&client_secret=" + url.QueryEscape(secret) + "&note=" + url.QueryEscape(note)
	for i, auth := range []string{
		"Bearer " + secret,
		"Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+secret)),
		`Digest username="` + publicKey + `", realm="MMS Public API", nonce="` + secret + `", uri="/x", response="` + secret + `", qop=auth, nc=00000001, cnonce="` + secret + `"`,
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "https://cloud.mongodb.com"+deferPath+"?access_token="+url.QueryEscape(secret), strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		req.Header.Set("Cookie", "session="+secret+"; theme=dark")
		req.Header.Set("X-Note", note)
		if i == 2 {
			req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("proxy:"+secret)))
		}
		resp, err := rec.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := resp.Body.Close(); err != nil {
			t.Fatal(err)
		}
	}
	data, err := rec.Marshal()
	if err != nil {
		if strings.Contains(err.Error(), "refusing to write") {
			return "" // the safety net held: nothing would be written
		}
		t.Fatal(err)
	}
	return string(data)
}

// recordedStrings decodes a saved cassette and returns every string in it.
func recordedStrings(t *testing.T, data string) []string {
	t.Helper()
	var c cassette.Cassette
	if err := yaml.Unmarshal([]byte(data), &c); err != nil {
		t.Fatalf("the recorder wrote YAML it cannot read back: %v", err)
	}
	var out []string
	for _, it := range c.Interactions {
		out = append(out, it.Request.URL, it.Request.Host, it.Request.Body, it.Response.Body, it.Response.Status)
		for _, h := range []http.Header{it.Request.Headers, it.Response.Headers} {
			for k, vs := range h {
				out = append(out, k)
				out = append(out, vs...)
			}
		}
	}
	return out
}

func FuzzRedact(f *testing.F) {
	f.Add(clientSecret, "hello")
	f.Add(accessToken, accessToken)
	f.Add(`quo"ted\slash;semi,comma=eq`, "x")
	f.Add("  spaced secret  ", "note with  spaced secret  inside")
	f.Add("REDACTEDREDACTED", "")
	f.Add("ééééééééé", "\xff\xfe")
	f.Fuzz(func(t *testing.T, secret, note string) {
		notHeaderText := func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }
		if strings.IndexFunc(note, notHeaderText) >= 0 || strings.IndexFunc(secret, notHeaderText) >= 0 {
			return // not a header value net/http sends: no client records it
		}
		out := recordWithSecret(t, secret, note) // must not panic, whatever the input
		if len(strings.TrimSpace(secret)) < 8 || !utf8.ValidString(secret) || strings.IndexFunc(secret, unicode.IsControl) >= 0 {
			return // short secrets are only redacted where they stand; see minSecretLen
		}
		secret = strings.TrimSpace(secret)
		// The oracle: the same recording with another secret of the same
		// length. If it contains the secret, the secret is part of the
		// template (say "application/json"), not a leak.
		control := strings.Repeat("Z", len(secret))
		skeleton := recordWithSecret(t, control, strings.ReplaceAll(note, secret, control))
		if strings.Contains(skeleton, secret) || out == "" {
			return
		}
		if strings.Contains(out, secret) {
			t.Fatalf("secret %q survives in the cassette:\n%s", secret, out)
		}
		for _, s := range recordedStrings(t, out) {
			if strings.Contains(s, secret) {
				t.Fatalf("secret %q survives in a recorded value: %q", secret, s)
			}
		}
	})
}
