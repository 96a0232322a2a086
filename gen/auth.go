package atlas

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mongodb-forks/digest"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
)

const (
	// tokenEarlyExpiry is how long before its expiry a token is renewed, at
	// most: a token that lives less than twice as long is renewed halfway.
	tokenEarlyExpiry = time.Minute
	// assumedTokenLifetime is how long a token is used when the endpoint
	// gives no usable lifetime (expires_in missing, zero or negative). A 401
	// answer drops the token before that in any case.
	assumedTokenLifetime = 10 * time.Minute
	// tokenRequestTimeout bounds one token request: it runs on behalf of
	// every waiting call, so no single caller's context governs it.
	tokenRequestTimeout = 30 * time.Second
)

type authKind int

const (
	authNone authKind = iota
	authServiceAccount
	authAPIKey
)

// credentials are the secrets an option was given. They never print: see Format.
type credentials struct {
	kind   authKind
	id     string // client ID or public API key
	secret string // client secret or private API key
	from   string // where NewFromEnv found them, or empty
}

// Format prints the kind of credentials and never the secret, whatever the verb.
func (c credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.describe())) }

func (c credentials) describe() string {
	from := ""
	if c.from != "" {
		from = " from " + c.from
	}
	switch c.kind {
	case authServiceAccount:
		return "service account " + strconv.Quote(c.id) + " (secret REDACTED)" + from
	case authAPIKey:
		return "API key " + strconv.Quote(c.id) + " (private key REDACTED)" + from
	case authNone:
		return "none"
	default:
		return "unknown"
	}
}

// authTransport wraps base with the credentials' authentication, if any.
// userAgent is sent on the token request, as on API calls.
func (c credentials) authTransport(base http.RoundTripper, server, userAgent string) http.RoundTripper {
	switch c.kind {
	case authServiceAccount:
		return newBearerTransport(base, server+TokenPath, c.id, c.secret, userAgent)
	case authAPIKey:
		return newDigestTransport(base, c.id, c.secret)
	default:
		return base
	}
}

// hiddenTransport is how an authenticating transport prints and marshals:
// the kind of authentication, never the credentials under it.
type hiddenTransport string

// Format prints the kind of authentication, whatever the verb.
func (h hiddenTransport) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(h)) }

// MarshalJSON marshals the kind of authentication only.
func (h hiddenTransport) MarshalJSON() ([]byte, error) { return json.Marshal(string(h)) }

// digestTransport authenticates with an API key over HTTP Digest. Under the
// Digest transport, a 401 that carries no Digest challenge (Atlas refusing
// the request for another reason) is kept whole: the Digest transport would
// otherwise drain and close its body, and with it the ApiError that says why.
type digestTransport struct {
	hiddenTransport
	digest http.RoundTripper
}

func newDigestTransport(base http.RoundTripper, publicKey, privateKey string) *digestTransport {
	return &digestTransport{
		hiddenTransport: "HTTP Digest (API key REDACTED)",
		digest:          digest.NewTransportWithHTTPRoundTripper(publicKey, privateKey, &keepPlain401{base: base}),
	}
}

// RoundTrip implements http.RoundTripper.
func (t *digestTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.digest.RoundTrip(req)
	if err == nil && resp != nil {
		if kept, ok := resp.Body.(*keptBody); ok {
			resp.Body = io.NopCloser(bytes.NewReader(kept.data))
			resp.ContentLength = int64(len(kept.data))
			if kept.challenges != nil {
				resp.Header["Www-Authenticate"] = kept.challenges
			}
		}
	}
	return resp, err
}

// keepPlain401 sits under the Digest transport. It reads the body of a 401
// without a Digest challenge (at most MaxErrorBody bytes) into a keptBody,
// and hides any other challenge from the Digest transport, which fails on
// one it cannot parse; digestTransport puts both back. A Digest challenge
// the Digest transport cannot answer is a *DigestChallengeError here, before
// that transport fails on it with no word of what it was (or panics); one
// it can answer goes first, as the Digest transport reads only the first.
type keepPlain401 struct{ base http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t *keepPlain401) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	challenges := resp.Header.Values("WWW-Authenticate")
	for i, c := range challenges {
		if len(c) < 6 || !strings.EqualFold(c[:6], "digest") {
			continue
		}
		if err := checkDigestChallenge(c); err != nil {
			_ = resp.Body.Close() // a 401 that cannot be answered: nothing to keep
			return nil, err
		}
		if i > 0 {
			resp.Header["Www-Authenticate"] = append([]string{c}, slices.Delete(slices.Clone(challenges), i, i+1)...)
		}
		return resp, nil
	}
	data, _, _ := readCapped(resp.Body, resp.ContentLength, MaxErrorBody)
	_ = resp.Body.Close()
	resp.Header.Del("WWW-Authenticate")
	resp.Body = &keptBody{data: data, challenges: challenges}
	return resp, nil
}

// DigestChallengeError reports an HTTP Digest challenge that API-key
// authentication cannot answer: an algorithm other than MD5 or SHA-256, a
// qop other than auth, or a challenge it cannot read. It quotes what is
// unsupported, never the nonce.
type DigestChallengeError struct {
	// Reason says what is unsupported, such as `algorithm "SHA-512-256"
	// (MD5 and SHA-256 are supported)`.
	Reason string
}

// Error implements error.
func (e *DigestChallengeError) Error() string {
	return "atlas: the server's HTTP Digest challenge cannot be answered: " + e.Reason
}

// checkDigestChallenge reads a WWW-Authenticate value as the Digest
// transport (github.com/mongodb-forks/digest) will, and says what in it that
// transport cannot answer: the value must be "Digest " and parameters
// separated by ", ", each name=value, named realm, domain, nonce, opaque,
// stale, algorithm or qop; the algorithm MD5 (the default) or SHA-256; the
// qop auth or none.
func checkDigestChallenge(challenge string) error {
	const ws = " \n\r\t"
	fail := func(format string, args ...any) error {
		return &DigestChallengeError{Reason: fmt.Sprintf(format, args...)}
	}
	rest, ok := strings.CutPrefix(strings.Trim(challenge, ws), "Digest ")
	if !ok {
		if strings.EqualFold(strings.Trim(challenge, ws), "digest") {
			return fail("it has no parameters")
		}
		return fail("it does not start with %q, spelt so", "Digest ")
	}
	algorithm, qop := "MD5", ""
	for _, param := range strings.Split(strings.Trim(rest, ws), ", ") {
		name, value, ok := strings.Cut(param, "=")
		if !ok {
			return fail("parameter %s without a value (parameters must be name=value, separated by \", \" outside quotes too)", quoteCapped(param, 32))
		}
		switch name {
		case "realm", "domain", "nonce", "opaque", "stale":
		case "algorithm":
			algorithm = strings.Trim(value, `"`)
		case "qop":
			qop = strings.Trim(value, `"`)
		default:
			return fail("parameter %s, which is not one of realm, domain, nonce, opaque, stale, algorithm, qop", quoteCapped(name, 32))
		}
	}
	if algorithm != digest.AlgMD5 && algorithm != digest.AlgSha256 {
		return fail("algorithm %s (MD5 and SHA-256 are supported)", quoteCapped(algorithm, 32))
	}
	if qop != digest.MsgAuth && qop != "" {
		return fail("qop %s (auth, or none, is supported)", quoteCapped(qop, 32))
	}
	return nil
}

// keptBody holds a 401's body, and its challenges, across the Digest
// transport, which reads and closes it; the reads it sees find nothing.
type keptBody struct {
	data       []byte
	challenges []string
}

func (*keptBody) Read([]byte) (int, error) { return 0, io.EOF }
func (*keptBody) Close() error             { return nil }

// userAgentTransport sets User-Agent on a clone of each request.
type userAgentTransport struct {
	base      http.RoundTripper
	userAgent string
}

// RoundTrip implements http.RoundTripper.
func (t *userAgentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("User-Agent", t.userAgent)
	return t.base.RoundTrip(r)
}

// bearerTransport adds a Service Account's OAuth 2.0 access token to each
// request, on a clone of the request (the RoundTripper contract).
//
// A cached token is used until its renewal time (see renewalTime). Otherwise
// one fetch runs for all the calls that need a token (singleflight): each
// waits for its result, error included, as long as its own context lets it;
// the fetch itself is bounded by tokenRequestTimeout, not by any caller. A
// failure is not cached: the next call after it starts the next fetch. A 401
// answer drops the token it was sent with, so the next call fetches another.
type bearerTransport struct {
	hiddenTransport
	// source asks the token endpoint, every time it is called; it is only
	// called inside fetches.
	source  oauth2.TokenSource
	cached  atomic.Pointer[cachedToken]
	fetches singleflight.Group
	base    http.RoundTripper
	now     func() time.Time // replaced by tests
}

// cachedToken is a token and when to stop using it.
type cachedToken struct {
	tok     *oauth2.Token
	renewAt time.Time
}

func (c *cachedToken) usable(now time.Time) bool { return c != nil && now.Before(c.renewAt) }

func newBearerTransport(base http.RoundTripper, tokenURL, clientID, clientSecret, userAgent string) *bearerTransport {
	// The token request goes through base as well, so whatever sits under the
	// client (a recorder, a test transport) sees it.
	tokenClient := &http.Client{
		Transport:     &userAgentTransport{base: base, userAgent: userAgent},
		Timeout:       tokenRequestTimeout,
		CheckRedirect: noRedirect,
	}
	src := &clientCredentialsSource{
		config: &clientcredentials.Config{
			ClientID:     clientID,
			ClientSecret: clientSecret,
			TokenURL:     tokenURL,
			AuthStyle:    oauth2.AuthStyleInHeader, // HTTP Basic, as Atlas documents
		},
		ctx:      context.WithValue(context.Background(), oauth2.HTTPClient, tokenClient),
		tokenURL: tokenURL,
		secrets:  secretForms(clientID, clientSecret),
	}
	return &bearerTransport{
		hiddenTransport: "OAuth 2.0 client credentials (secret REDACTED)",
		source:          src,
		base:            base,
		now:             time.Now,
	}
}

// RoundTrip implements http.RoundTripper.
func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ct, err := t.token(req.Context())
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	ct.tok.SetAuthHeader(r)
	resp, err := t.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		t.cached.CompareAndSwap(ct, nil)
	}
	return resp, err
}

// token returns the cached token while it is usable. Otherwise it joins the
// fetch in flight, or starts one, and waits for its result until ctx ends;
// a caller that stops waiting leaves nothing behind but the shared fetch.
func (t *bearerTransport) token(ctx context.Context) (*cachedToken, error) {
	if ct := t.cached.Load(); ct.usable(t.now()) {
		return ct, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	results := t.fetches.DoChan("token", t.fetch)
	select {
	case r := <-results:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*cachedToken), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fetch asks the token endpoint, unless a fetch that ended just before this
// one left a usable token, and caches the answer.
func (t *bearerTransport) fetch() (any, error) {
	start := t.now()
	if ct := t.cached.Load(); ct.usable(start) {
		return ct, nil
	}
	tok, err := t.source.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, errors.New("atlas: the service account token endpoint answered without an access token")
	}
	ct := &cachedToken{tok: tok, renewAt: renewalTime(start, tok)}
	t.cached.Store(ct)
	return ct, nil
}

// renewalTime is when a token fetched at start stops being used: its
// lifetime (assumedTokenLifetime when expires_in was missing, zero or
// negative) less tokenEarlyExpiry, or less half of it when it is short.
func renewalTime(start time.Time, tok *oauth2.Token) time.Time {
	lifetime := assumedTokenLifetime
	if !tok.Expiry.IsZero() {
		lifetime = tok.Expiry.Sub(start)
	}
	if lifetime <= 0 {
		lifetime = assumedTokenLifetime
	}
	return start.Add(lifetime - min(tokenEarlyExpiry, lifetime/2))
}

// clientCredentialsSource fetches a token with the client credentials grant
// and turns failures into a *TokenError that holds no secret.
type clientCredentialsSource struct {
	config   *clientcredentials.Config
	ctx      context.Context
	tokenURL string
	secrets  []string // the secret in every form an echo may hold it, longest first
}

// Token implements oauth2.TokenSource.
func (s *clientCredentialsSource) Token() (*oauth2.Token, error) {
	tok, err := s.config.Token(s.ctx)
	if err != nil {
		return nil, s.tokenError(err)
	}
	return tok, nil
}

func (s *clientCredentialsSource) tokenError(err error) error {
	te := &TokenError{TokenURL: s.tokenURL}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// The RetrieveError is not kept: its Response.Request holds the
		// Authorization header with the client secret.
		if re.Response != nil {
			te.StatusCode = re.Response.StatusCode
		}
		// Redact before cutting a snippet: a cut could split an encoded
		// secret into a piece that no longer matches.
		te.ErrorCode = snippet([]byte(s.redact(re.ErrorCode)))
		te.Description = snippet([]byte(s.redact(re.ErrorDescription)))
		if te.ErrorCode == "" && te.Description == "" {
			te.Description = snippet([]byte(s.redact(string(re.Body))))
		}
		return te
	}
	if msg := err.Error(); s.redact(msg) != msg {
		err = errors.New(s.redact(msg))
	}
	te.Err = err
	return te
}

// redact replaces every form of the secret in v by REDACTED.
func (s *clientCredentialsSource) redact(v string) string {
	for _, form := range s.secrets {
		v = strings.ReplaceAll(v, form, "REDACTED")
	}
	return v
}

// secretForms lists the forms in which a token endpoint may echo the client
// secret: as it is, URL-encoded (the oauth2 library escapes it before HTTP
// Basic encoding), and the HTTP Basic credentials in base64, padded or not,
// standard or URL-safe. Longest first, so a shorter form never breaks up a
// longer one before it is replaced.
func secretForms(id, secret string) []string {
	if secret == "" {
		return nil
	}
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret)}
	for _, pair := range []string{id + ":" + secret, url.QueryEscape(id) + ":" + url.QueryEscape(secret)} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			forms = append(forms, enc.EncodeToString([]byte(pair)))
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(forms)
}

// TokenError reports that the Service Account token endpoint refused or
// failed a token request. It never holds the client secret.
type TokenError struct {
	// TokenURL is the token endpoint.
	TokenURL string
	// StatusCode is the token endpoint's HTTP status, or 0 when no response came.
	StatusCode int
	// ErrorCode is the OAuth 2.0 error code (RFC 6749, section 5.2), such as invalid_client.
	ErrorCode string
	// Description is the OAuth 2.0 error_description, or a short snippet of
	// the body when the endpoint sent no error code.
	Description string
	// Err is the cause when no response came (a network error), or nil.
	Err error
}

// Error implements error.
func (e *TokenError) Error() string {
	var b strings.Builder
	b.WriteString("atlas: service account token request to ")
	b.WriteString(e.TokenURL)
	b.WriteString(" failed")
	if e.StatusCode != 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteByte(' ')
			b.WriteString(t)
		}
	}
	if e.ErrorCode != "" {
		b.WriteString(": ")
		b.WriteString(e.ErrorCode)
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause when no response came.
func (e *TokenError) Unwrap() error { return e.Err }

// noRedirect keeps the client from following redirects: a redirected POST
// would be resent, or turned into a GET.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
