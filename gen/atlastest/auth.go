package atlastest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atlascontract/deferwindow/internal/atlaswire"
)

// revokePath is Atlas's OAuth 2.0 token revocation endpoint (RFC 7009),
// below the server URL.
const revokePath = "/api/oauth/revoke"

// tokenPrefix starts every access token the fake issues.
const tokenPrefix = "atlastest_"

// nonceLifetime is how long a Digest nonce is accepted; past it the
// challenge says stale=true and the client answers the new one.
const nonceLifetime = 5 * time.Minute

// The most tokens and nonces a fake keeps: past them the oldest go (its
// client gets a 401 and starts again, as after an expiry).
const (
	maxTokens = 1 << 17
	maxNonces = 1 << 18
)

// principal is whom a request authenticated as.
type principal struct {
	name     string // client id or public key: never a secret
	projects []string
}

func (p *principal) may(projectID string) bool {
	return p.projects == nil || slices.Contains(p.projects, projectID)
}

// tokenKey and nonceKey are a token's and a nonce's random bytes. A nonce
// as sent is its key followed by nonceTagSize bytes of its tag (see
// credentials.nonceTag), in hex: 32 digits, as the fake's nonces always
// were.
type (
	tokenKey [24]byte
	nonceKey [8]byte
)

const nonceTagSize = 8

// credentials are the tokens and nonces a fake issued.
type credentials struct {
	mu     sync.Mutex
	tokens *ledger[tokenKey, *principal]
	nonces *ledger[nonceKey, uint64] // the highest nonce count used, so a replayed response is refused
	// nonceMAC signs every nonce the fake issues, so one the ledger has
	// forgotten (expired, or the oldest past maxNonces) is still known as
	// the fake's own, and answered stale=true, without keeping it.
	nonceMAC [32]byte
}

func newCredentials(tokenLifetime time.Duration) *credentials {
	c := &credentials{
		tokens: newLedger[tokenKey, *principal](int64(tokenLifetime), maxTokens),
		nonces: newLedger[nonceKey, uint64](int64(nonceLifetime), maxNonces),
	}
	// crypto/rand.Read never returns an error (Go 1.24 and later).
	_, _ = rand.Read(c.nonceMAC[:])
	return c
}

// nonceTag is the tag that marks a nonce key as the fake's own.
func (c *credentials) nonceTag(k nonceKey) []byte {
	m := hmac.New(sha256.New, c.nonceMAC[:])
	m.Write(k[:])
	return m.Sum(nil)[:nonceTagSize]
}

// authenticate checks the request's credentials as Atlas does: a Bearer
// token the token endpoint issued and that has not expired, or an HTTP
// Digest response to one of the fake's nonces computed with a known API
// key. Anything else gets a 401 with a Digest challenge.
func (f *Fake) authenticate(r *http.Request) (*principal, *atlaswire.Answer) {
	scheme, rest := authScheme(r.Header.Get("Authorization"))
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if key, ok := parseToken(strings.TrimSpace(rest)); ok {
			now := f.nowNanos()
			f.creds.mu.Lock()
			p, _, live := f.creds.tokens.lookup(key, now)
			f.creds.mu.Unlock()
			if live {
				return p, nil
			}
		}
	case strings.EqualFold(scheme, "Digest"):
		p, stale := f.verifyDigest(r, rest)
		if p != nil {
			return p, nil
		}
		if stale {
			a := unauthorized()
			a.Header.Set("WWW-Authenticate", atlaswire.DigestChallenge(f.newNonce(), true))
			return nil, a
		}
	}
	return nil, unauthorized()
}

// authScheme splits an Authorization value into its scheme and the rest at
// the first space or tab.
func authScheme(v string) (scheme, rest string) {
	v = strings.TrimLeft(v, " \t")
	i := strings.IndexAny(v, " \t")
	if i < 0 {
		return v, ""
	}
	return v[:i], v[i+1:]
}

func parseToken(s string) (tokenKey, bool) {
	var k tokenKey
	hexPart, ok := strings.CutPrefix(s, tokenPrefix)
	if !ok || len(hexPart) != 2*len(k) {
		return k, false
	}
	_, err := hex.Decode(k[:], []byte(hexPart))
	return k, err == nil
}

// verifyDigest checks an RFC 7616 Digest response, MD5 with qop=auth, the
// case Atlas offers. stale is true when the response was right for a nonce
// the fake issued that expired, whether the ledger still holds it or has
// forgotten it (its tag says it is the fake's).
func (f *Fake) verifyDigest(r *http.Request, params string) (p *principal, stale bool) {
	v := parseAuthParams(params)
	if v["realm"] != atlaswire.DigestRealm || v["qop"] != "auth" || (v["algorithm"] != "" && !strings.EqualFold(v["algorithm"], "MD5")) {
		return nil, false
	}
	if v["uri"] != r.URL.RequestURI() && v["uri"] != r.RequestURI {
		return nil, false
	}
	idx := slices.IndexFunc(f.s.apiKeys, func(k APIKey) bool { return k.PublicKey == v["username"] })
	if idx < 0 {
		return nil, false
	}
	key := &f.apiKeys[idx]
	ha1 := md5hex(key.PublicKey + ":" + atlaswire.DigestRealm + ":" + key.PrivateKey)
	ha2 := md5hex(r.Method + ":" + v["uri"])
	want := md5hex(strings.Join([]string{ha1, v["nonce"], v["nc"], v["cnonce"], "auth", ha2}, ":"))
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(v["response"]))) != 1 {
		return nil, false
	}
	nc, err := strconv.ParseUint(v["nc"], 16, 64)
	if err != nil {
		return nil, false
	}
	var raw [len(nonceKey{}) + nonceTagSize]byte
	if len(v["nonce"]) != 2*len(raw) {
		return nil, false
	}
	if _, err := hex.Decode(raw[:], []byte(v["nonce"])); err != nil {
		return nil, false
	}
	nk := nonceKey(raw[:len(nonceKey{})])
	if !hmac.Equal(raw[len(nk):], f.creds.nonceTag(nk)) {
		return nil, false // not a nonce the fake issued
	}
	now := f.nowNanos()
	f.creds.mu.Lock()
	defer f.creds.mu.Unlock()
	count, known, live := f.creds.nonces.lookup(nk, now)
	switch {
	case !known, !live:
		// Issued by the fake (the tag says so) and expired, whether the
		// ledger still holds it or forgot it when a later nonce was
		// issued; or forgotten as the oldest past maxNonces, which its
		// client takes as an expiry too.
		return nil, true
	case nc <= count:
		return nil, false // a replayed response: the count must grow
	}
	f.creds.nonces.update(nk, nc)
	return &key.principal, false
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// newNonce issues a Digest nonce.
func (f *Fake) newNonce() string {
	var k nonceKey
	// crypto/rand.Read never returns an error (Go 1.24 and later).
	_, _ = rand.Read(k[:])
	now := f.nowNanos()
	f.creds.mu.Lock()
	f.creds.nonces.add(k, 0, now)
	f.creds.mu.Unlock()
	return hex.EncodeToString(append(k[:], f.creds.nonceTag(k)...))
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
func (f *Fake) tokenEndpoint(r *http.Request) *outcome {
	if err := r.ParseForm(); err != nil {
		return &outcome{answer: oauthError(http.StatusBadRequest, "invalid_request", "The request body is not a form.")}
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		return &outcome{answer: oauthError(http.StatusBadRequest, "unsupported_grant_type", "Only client_credentials is supported.")}
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	idx := slices.IndexFunc(f.s.serviceAccounts, func(a ServiceAccount) bool { return a.ClientID == id })
	if idx < 0 || subtle.ConstantTimeCompare([]byte(f.s.serviceAccounts[idx].ClientSecret), []byte(secret)) != 1 {
		a := oauthError(http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
		a.Header.Set("WWW-Authenticate", `Basic realm="oauth"`)
		return &outcome{answer: a}
	}
	sa := &f.serviceAccounts[idx]
	var k tokenKey
	// crypto/rand.Read never returns an error (Go 1.24 and later).
	_, _ = rand.Read(k[:])
	now := f.nowNanos()
	f.creds.mu.Lock()
	f.creds.tokens.add(k, &sa.principal, now)
	f.creds.mu.Unlock()
	return &outcome{principal: sa.ClientID, answer: &atlaswire.Answer{
		Status: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}},
		Body: fmt.Appendf(nil, `{"access_token":"%s%x","token_type":"Bearer","expires_in":%d}`,
			tokenPrefix, k[:], int64(f.s.tokenLifetime/time.Second)),
	}}
}

// revokeEndpoint revokes a token (RFC 7009): always 200.
func (f *Fake) revokeEndpoint(r *http.Request) *outcome {
	if err := r.ParseForm(); err == nil {
		if k, ok := parseToken(r.PostForm.Get("token")); ok {
			f.creds.mu.Lock()
			f.creds.tokens.remove(k)
			f.creds.mu.Unlock()
		}
	}
	return &outcome{answer: &atlaswire.Answer{Status: http.StatusOK}}
}

func oauthError(status int, code, description string) *atlaswire.Answer {
	return &atlaswire.Answer{
		Status: status,
		Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}},
		Body:   fmt.Appendf(nil, `{"error":%q,"error_description":%q}`, code, description),
	}
}
