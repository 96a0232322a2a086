package atlas_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"

	atlas "github.com/atlascontract/deferwindow/gen"
)

// The groupIds the example Atlas knows.
const (
	exampleScheduled    = "32b6e34b3d91647abb20e7b8" // maintenance scheduled: deferred
	exampleNotScheduled = "5f1a2b3c4d5e6f7a8b9c0d1e" // 400 ATLAS_MAINTENANCE_NOT_SCHEDULED
	exampleBusy         = "6a7940722c88faeba59bf917" // 429 twice (Retry-After: 0), then deferred
)

// startExampleAtlas starts a local stand-in for https://cloud.mongodb.com so
// the examples run offline, and returns its base URL and a stop function. It
// serves the Service Account token endpoint, challenges requests without
// credentials for HTTP Digest, and answers the defer operation by groupId,
// enveloped when asked. (It does not check digests: the package tests do.)
func startExampleAtlas() (baseURL string, stop func()) {
	var mu sync.Mutex
	busy := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == atlas.TokenPath {
			if _, _, ok := r.BasicAuth(); !ok {
				exampleAnswer(w, r, 401, `{"error":"invalid_client"}`)
				return
			}
			exampleAnswer(w, r, 200, `{"access_token":"example-token","token_type":"Bearer","expires_in":3600}`)
			return
		}
		auth := r.Header.Get("Authorization")
		if auth != "Bearer example-token" && !strings.HasPrefix(auth, `Digest username="`) {
			w.Header().Set("WWW-Authenticate", `Digest realm="MMS Public API", domain="", nonce="example", algorithm=MD5, qop="auth", stale=false`)
			exampleAnswer(w, r, 401, `{"error":401,"errorCode":"NOT_AUTHENTICATED","detail":"You are not authenticated.","reason":"Unauthorized"}`)
			return
		}
		switch strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/atlas/v2/groups/"), "/maintenanceWindow/defer") {
		case exampleScheduled:
			w.Header().Set("RateLimit-Limit", "100")
			w.Header().Set("RateLimit-Remaining", "99")
			exampleAnswer(w, r, 200, "")
		case exampleNotScheduled:
			exampleAnswer(w, r, 400, `{"detail":"No maintenance is scheduled for the project, so there is nothing to defer.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","parameters":[],"reason":"Bad Request"}`)
		case exampleBusy:
			mu.Lock()
			busy++
			n := busy
			mu.Unlock()
			if n <= 1 {
				w.Header().Set("Retry-After", "0")
				exampleAnswer(w, r, 429, `{"error":429,"errorCode":"RATE_LIMITED","reason":"Too Many Requests"}`)
				return
			}
			exampleAnswer(w, r, 200, "")
		default:
			exampleAnswer(w, r, 404, `{"error":404,"errorCode":"RESOURCE_NOT_FOUND","reason":"Not Found"}`)
		}
	}))
	return srv.URL, srv.Close
}

// exampleAnswer writes status and body as Atlas does, in an envelope with
// transport status 200 when the request has envelope=true.
func exampleAnswer(w http.ResponseWriter, r *http.Request, status int, body string) {
	if r.URL.Query().Get("envelope") == "true" {
		content := json.RawMessage(body)
		if body == "" {
			content = json.RawMessage("{}")
		}
		b, _ := json.Marshal(struct {
			Status  int             `json:"status"`
			Content json.RawMessage `json:"content"`
		}{status, content})
		status, body = 200, string(b)
	}
	if body == "" {
		w.Header().Set("X-Content-Type", atlas.MediaType)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// setExampleEnv sets the variables (unsetting the other credential
// variables) and returns a function that restores the environment.
func setExampleEnv(vars map[string]string) (restore func()) {
	names := []string{atlas.EnvClientID, atlas.EnvClientSecret, atlas.EnvPublicAPIKey, atlas.EnvPrivateAPIKey, atlas.EnvPublicKey, atlas.EnvPrivateKey, atlas.EnvBaseURL}
	saved := map[string]*string{}
	for _, name := range names {
		if v, ok := os.LookupEnv(name); ok {
			saved[name] = &v
		} else {
			saved[name] = nil
		}
		_ = os.Unsetenv(name)
	}
	for name, v := range vars {
		_ = os.Setenv(name, v)
	}
	return func() {
		for name, v := range saved {
			if v == nil {
				_ = os.Unsetenv(name)
			} else {
				_ = os.Setenv(name, *v)
			}
		}
	}
}
