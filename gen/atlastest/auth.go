package atlastest

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atlascontract/deferwindow/contract"
)

// revokePath is Atlas's OAuth 2.0 token revocation endpoint.
const revokePath = "/api/oauth/revoke"

// nonceLifetime is how long a Digest nonce is accepted; past it the
// challenge says stale=true and the client answers the new one.
const nonceLifetime = 5 * time.Minute

// principal is whom a request authenticated as.
type principal struct {
	name     string // client id or public key: never a secret
	projects []string
}

func (p *principal) may(projectID string) bool {
	return p.projects == nil || slices.Contains(p.projects, projectID)
}

// nonce is an issued Digest nonce: when, and the highest nonce count a
// client used with it, so a replayed response is refused.
type nonce struct {
	issued time.Time
	count  uint64
}

type issuedToken struct {
	principal principal
	expires   time.Time
}

// authenticate checks the request's credentials as Atlas does: a Bearer
// token the token endpoint issued and that has not expired, or an HTTP
// Digest response to one of the fake's nonces computed with a known API
// key. Anything else gets a 401 with a Digest challenge.
func (f *Fake) authenticate(r *http.Request) (*principal, *contract.Answer) {
	auth := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(auth, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		now := f.now()
		f.mu.Lock()
		t, ok := f.tokens[strings.TrimSpace(rest)]
		f.mu.Unlock()
		if ok && now.Before(t.expires) {
			return &t.principal, nil
		}
	case strings.EqualFold(scheme, "Digest"):
		p, stale := f.verifyDigest(r, rest)
		if p != nil {
			return p, nil
		}
		if stale {
			a := unauthorized()
			a.Header.Set("WWW-Authenticate", contract.DigestChallenge(f.newNonce(), true))
			return nil, a
		}
	}
	return nil, unauthorized()
}

// verifyDigest checks an RFC 7616 Digest response, MD5 with qop=auth, the
// case Atlas offers. stale is true when the response was right for a nonce
// that expired.
func (f *Fake) verifyDigest(r *http.Request, params string) (p *principal, stale bool) {
	v := parseAuthParams(params)
	if v["realm"] != contract.DigestRealm || v["qop"] != "auth" || (v["algorithm"] != "" && !strings.EqualFold(v["algorithm"], "MD5")) {
		return nil, false
	}
	if v["uri"] != r.URL.RequestURI() && v["uri"] != r.RequestURI {
		return nil, false
	}
	idx := slices.IndexFunc(f.s.apiKeys, func(k APIKey) bool { return k.PublicKey == v["username"] })
	if idx < 0 {
		return nil, false
	}
	key := f.s.apiKeys[idx]
	ha1 := md5hex(key.PublicKey + ":" + contract.DigestRealm + ":" + key.PrivateKey)
	ha2 := md5hex(r.Method + ":" + v["uri"])
	want := md5hex(strings.Join([]string{ha1, v["nonce"], v["nc"], v["cnonce"], "auth", ha2}, ":"))
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(v["response"]))) != 1 {
		return nil, false
	}
	nc, err := strconv.ParseUint(v["nc"], 16, 64)
	if err != nil {
		return nil, false
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.nonces[v["nonce"]]
	switch {
	case !ok:
		return nil, false
	case now.Sub(n.issued) > nonceLifetime:
		return nil, true
	case nc <= n.count:
		return nil, false // a replayed response: the count must grow
	}
	n.count = nc
	f.nonces[v["nonce"]] = n
	return &principal{name: key.PublicKey, projects: key.Projects}, false
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// newNonce issues a Digest nonce and forgets the expired ones.
func (f *Fake) newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	n := hex.EncodeToString(b)
	now := f.now()
	f.mu.Lock()
	for k, t := range f.nonces {
		if now.Sub(t.issued) > nonceLifetime {
			delete(f.nonces, k)
		}
	}
	f.nonces[n] = nonce{issued: now}
	f.mu.Unlock()
	return n
}

// parseAuthParams parses the auth-params of an Authorization header
// (RFC 7235: name=token or name="quoted string", comma-separated).
func parseAuthParams(s string) map[string]string {
	out := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		name, rest, ok := strings.Cut(s, "=")
		if !ok {
			return out
		}
		name = strings.ToLower(strings.TrimSpace(name))
		rest = strings.TrimLeft(rest, " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			val, s = b.String(), rest[min(i+1, len(rest)):]
		} else {
			val, s, _ = strings.Cut(rest, ",")
			val = strings.TrimSpace(val)
		}
		out[name] = val
	}
}

// tokenEndpoint answers an OAuth 2.0 client-credentials token request
// (RFC 6749 section 4.4) with HTTP Basic client authentication, or the
// client id and secret in the form; a wrong secret gets 401
// invalid_client, as RFC 6749 section 5.2 says.
func (f *Fake) tokenEndpoint(r *http.Request) *contract.Answer {
	if err := r.ParseForm(); err != nil {
		return oauthError(http.StatusBadRequest, "invalid_request", "The request body is not a form.")
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		return oauthError(http.StatusBadRequest, "unsupported_grant_type", "Only client_credentials is supported.")
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	idx := slices.IndexFunc(f.s.serviceAccounts, func(a ServiceAccount) bool { return a.ClientID == id })
	if idx < 0 || subtle.ConstantTimeCompare([]byte(f.s.serviceAccounts[idx].ClientSecret), []byte(secret)) != 1 {
		a := oauthError(http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
		a.Header.Set("WWW-Authenticate", `Basic realm="oauth"`)
		return a
	}
	sa := f.s.serviceAccounts[idx]
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	token := "atlastest_" + hex.EncodeToString(b)
	now := f.now()
	f.mu.Lock()
	for k, t := range f.tokens {
		if !now.Before(t.expires) {
			delete(f.tokens, k)
		}
	}
	f.tokens[token] = issuedToken{principal: principal{name: sa.ClientID, projects: sa.Projects}, expires: now.Add(f.s.tokenLifetime)}
	f.mu.Unlock()
	return &contract.Answer{
		Status: http.StatusOK, Principal: sa.ClientID,
		Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}},
		Body: fmt.Appendf(nil, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`,
			token, int(f.s.tokenLifetime/time.Second)),
	}
}

// revokeEndpoint revokes a token (RFC 7009): always 200.
func (f *Fake) revokeEndpoint(r *http.Request) *contract.Answer {
	if err := r.ParseForm(); err == nil {
		f.mu.Lock()
		delete(f.tokens, r.PostForm.Get("token"))
		f.mu.Unlock()
	}
	return &contract.Answer{Status: http.StatusOK}
}

func oauthError(status int, code, description string) *contract.Answer {
	return &contract.Answer{
		Status: status,
		Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}},
		Body:   fmt.Appendf(nil, `{"error":%q,"error_description":%q}`, code, description),
	}
}
