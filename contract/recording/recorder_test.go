package recording_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mongodb-forks/digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/atlascontract/deferwindow/contract/recording"
)

const (
	groupID      = "6a7940722c88faeba59bf917"
	deferPath    = "/api/atlas/v2/groups/" + groupID + "/maintenanceWindow/defer"
	clientID     = "mdb_sa_id_6a7940722c88faeba59bf918"
	clientSecret = "mdb_sa_sk_Qx7vYp2L0a9sKd3FjW8mZt1RbN4cUe6H"
	accessToken  = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtZGJfc2FfaWQifQ.c2lnbmF0dXJlLWJ5dGVz"
	refreshToken = "rt_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	publicKey    = "qwertyui"
	privateKey   = "8c1f5b4e-2d7a-4f3e-9b6c-0a1d2e3f4a5b"
	basicUser    = "ci-bot"
	basicPass    = "s3cr3t-Basic-Passw0rd"
	cookieValue  = "ck_5e3a9d7f1b2c4e6a8d0f2b4c6e8a0d2f"
	serverNonce  = "7bd4f3c2a1e0d9c8b7a6f5e4d3c2b1a0-nonce"
	serverOpaque = "0pa9ue-5f4e3d2c1b0a99887766554433"
	digestRealm  = "MMS Public API"
)

// atlasStub is a local stand-in for Atlas: an OAuth token endpoint, and the
// defer endpoint accepting Bearer, Basic and Digest (with a real challenge).
type atlasStub struct {
	mu            sync.Mutex
	digestHashes  []string // response= values the client sent
	digestCnonces []string
}

func (s *atlasStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "mmsa-prod", Value: cookieValue, Path: "/", HttpOnly: true})
	switch r.URL.Path {
	case "/api/oauth/token":
		id, secret, ok := r.BasicAuth()
		if !ok {
			_ = r.ParseForm()
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if id != clientID || secret != clientSecret {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": accessToken, "refresh_token": refreshToken, "expires_in": 3600, "token_type": "Bearer"})
	case deferPath:
		auth := r.Header.Get("Authorization")
		switch {
		case auth == "Bearer "+accessToken:
		case strings.HasPrefix(auth, "Basic "):
			if u, p, _ := r.BasicAuth(); u != basicUser || p != basicPass {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		case strings.HasPrefix(auth, "Digest "):
			if !s.checkDigest(r.Method, auth) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		default:
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Digest realm="%s", domain="", nonce="%s", opaque="%s", algorithm=MD5, qop="auth", stale=false`, digestRealm, serverNonce, serverOpaque))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"detail":"You are not authorized for this resource.","error":401,"errorCode":"NOT_ORG_GROUP_CREATOR","parameters":[],"reason":"Unauthorized"}`)
			return
		}
		w.Header().Set("X-Content-Type", "application/vnd.atlas.2023-01-01+json")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = fmt.Fprintf(w, `{"detail":"No group with ID %s exists.","error":404,"errorCode":"GROUP_NOT_FOUND","parameters":[%q],"reason":"Not Found"}`, groupID, groupID)
	}
}

var digestParam = regexp.MustCompile(`(\w+)="?([^",]*)"?`)

// checkDigest verifies an RFC 7616 MD5 qop=auth response, as Atlas does.
func (s *atlasStub) checkDigest(method, auth string) bool {
	p := map[string]string{}
	for _, m := range digestParam.FindAllStringSubmatch(strings.TrimPrefix(auth, "Digest "), -1) {
		p[m[1]] = m[2]
	}
	h := func(v string) string { return fmt.Sprintf("%x", md5.Sum([]byte(v))) }
	ha1 := h(publicKey + ":" + digestRealm + ":" + privateKey)
	ha2 := h(method + ":" + p["uri"])
	want := h(strings.Join([]string{ha1, p["nonce"], p["nc"], p["cnonce"], p["qop"], ha2}, ":"))
	s.mu.Lock()
	s.digestHashes = append(s.digestHashes, p["response"])
	s.digestCnonces = append(s.digestCnonces, p["cnonce"])
	s.mu.Unlock()
	return p["username"] == publicKey && p["nonce"] == serverNonce && p["opaque"] == serverOpaque && p["response"] == want
}

func post(t *testing.T, c *http.Client, url string, edit func(*http.Request)) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
	if edit != nil {
		edit(req)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp
}

func TestRecorderWritesNoSecretInAnyAuthMode(t *testing.T) {
	t.Parallel()
	stub := &atlasStub{}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	rec := newRecorder(t, srv.Client().Transport, recording.RecorderOptions{})

	// OAuth 2.0 client credentials, both client authentication styles; the
	// token request goes through the recorder too.
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: srv.URL + "/api/oauth/token", AuthStyle: style}
		ctx := context.WithValue(t.Context(), oauth2.HTTPClient, &http.Client{Transport: rec})
		resp := post(t, cfg.Client(ctx), srv.URL+deferPath, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}

	// Digest (legacy API keys): a real challenge, then the signed request.
	dt := digest.NewTransportWithHTTPRoundTripper(publicKey, privateKey, rec)
	resp := post(t, &http.Client{Transport: dt}, srv.URL+deferPath, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, stub.digestHashes, "the digest transport answered the challenge")

	// Basic, with a cookie jar so the second call sends the cookie back.
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	basic := &http.Client{Transport: rec, Jar: jar}
	for range 2 {
		resp := post(t, basic, srv.URL+deferPath, func(r *http.Request) { r.SetBasicAuth(basicUser, basicPass) })
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	// An error body that names the project.
	resp = post(t, basic, srv.URL+"/api/atlas/v2/groups/"+groupID+"/nope", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)

	path := filepath.Join(t.TempDir(), "auth.yaml")
	require.NoError(t, rec.Save(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	saved := string(data)
	var written strings.Builder
	_, err = rec.WriteTo(&written)
	require.NoError(t, err)
	assert.Equal(t, saved, written.String(), "WriteTo writes what Save saves")

	secrets := map[string]string{
		"client secret":            clientSecret,
		"basic client credentials": base64.StdEncoding.EncodeToString([]byte(clientID + ":" + clientSecret)),
		"access token":             accessToken,
		"refresh token":            refreshToken,
		"private API key":          privateKey,
		"server nonce":             serverNonce,
		"server opaque":            serverOpaque,
		"cookie value":             cookieValue,
		"basic password":           basicPass,
		"basic credentials":        base64.StdEncoding.EncodeToString([]byte(basicUser + ":" + basicPass)),
	}
	for i, hash := range stub.digestHashes {
		secrets[fmt.Sprintf("digest response hash %d", i)] = hash
		secrets[fmt.Sprintf("digest cnonce %d", i)] = stub.digestCnonces[i]
	}
	for what, secret := range secrets {
		require.NotEmpty(t, secret)
		assert.NotContains(t, saved, secret, "the saved cassette contains the %s", what)
	}

	// The shapes are still there to check.
	for _, want := range []string{
		"Bearer REDACTED", "Basic REDACTED", "Digest REDACTED",
		`nonce="REDACTED"`, `opaque="REDACTED"`, `realm="MMS Public API"`, `qop="auth"`, "algorithm=MD5",
		"mmsa-prod=REDACTED; Path=/; HttpOnly", "- mmsa-prod=REDACTED",
		`"access_token":"REDACTED"`, `"refresh_token":"REDACTED"`, `"expires_in":3600`,
		"grant_type=client_credentials", "client_secret=REDACTED",
		"/api/atlas/v2/groups/" + groupID + "/maintenanceWindow/defer",
		"No group with ID " + groupID + " exists.",
	} {
		assert.Contains(t, saved, want)
	}

	// go-vcr reads it, and so does this package.
	c, err := cassette.Load(strings.TrimSuffix(path, ".yaml"))
	require.NoError(t, err)
	assert.Len(t, c.Interactions, rec.Len())
	n := 0
	require.NoError(t, recording.ReadFile(path, recording.Options{}, func(it *recording.Interaction) error {
		assert.Equal(t, n, it.Index)
		n++
		return nil
	}))
	// 2 x (token + defer), digest challenge + signed call, 2 basic, 1 error.
	assert.Equal(t, 9, n)
}
