package atlas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	// tokenEarlyExpiry is how long before its expiry a token is renewed.
	tokenEarlyExpiry = time.Minute
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
}

// Format prints the kind of credentials and never the secret, whatever the verb.
func (c credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.describe())) }

func (c credentials) describe() string {
	switch c.kind {
	case authServiceAccount:
		return "service account " + strconv.Quote(c.id) + " (secret REDACTED)"
	case authAPIKey:
		return "API key " + strconv.Quote(c.id) + " (private key REDACTED)"
	case authNone:
		return "none"
	default:
		return "unknown"
	}
}

// authTransport wraps base with the credentials' authentication, if any.
func (c credentials) authTransport(base http.RoundTripper, server string) http.RoundTripper {
	switch c.kind {
	case authServiceAccount:
		return newBearerTransport(base, server+TokenPath, c.id, c.secret)
	case authAPIKey:
		return digest.NewTransportWithHTTPRoundTripper(c.id, c.secret, base)
	default:
		return base
	}
}

// bearerTransport adds a Service Account's OAuth 2.0 access token to each
// request, on a clone of the request (the RoundTripper contract).
//
// A valid cached token is used at once. Otherwise one fetch runs for all the
// calls that need a token (singleflight): each waits for its result, error
// included, as long as its own context lets it; the fetch itself is bounded by
// tokenRequestTimeout, not by any caller. A failure is not cached: the next
// call after it starts the next fetch.
type bearerTransport struct {
	// source is the oauth2 library's cache around the client credentials
	// grant: it renews a token tokenEarlyExpiry before it expires. It is only
	// called inside fetches.
	source oauth2.TokenSource
	// cached is the last token source returned, checked without a lock; the
	// token carries the early expiry source gave it, so Valid applies it.
	cached  atomic.Pointer[oauth2.Token]
	fetches singleflight.Group
	base    http.RoundTripper
}

func newBearerTransport(base http.RoundTripper, tokenURL, clientID, clientSecret string) *bearerTransport {
	// The token request goes through base as well, so whatever sits under the
	// client (a recorder, a test transport) sees it.
	tokenClient := &http.Client{Transport: base, Timeout: tokenRequestTimeout, CheckRedirect: noRedirect}
	src := &clientCredentialsSource{
		config: &clientcredentials.Config{
			ClientID:     clientID,
			ClientSecret: clientSecret,
			TokenURL:     tokenURL,
			AuthStyle:    oauth2.AuthStyleInHeader, // HTTP Basic, as Atlas documents
		},
		ctx:      context.WithValue(context.Background(), oauth2.HTTPClient, tokenClient),
		tokenURL: tokenURL,
		secret:   clientSecret,
	}
	return &bearerTransport{source: oauth2.ReuseTokenSourceWithExpiry(nil, src, tokenEarlyExpiry), base: base}
}

// RoundTrip implements http.RoundTripper.
func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.token(req.Context())
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	tok.SetAuthHeader(r)
	return t.base.RoundTrip(r)
}

// token returns the cached token while it is valid. Otherwise it joins the
// fetch in flight, or starts one, and waits for its result until ctx ends;
// a caller that stops waiting leaves nothing behind but the shared fetch.
func (t *bearerTransport) token(ctx context.Context) (*oauth2.Token, error) {
	if tok := t.cached.Load(); tok.Valid() {
		return tok, nil
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
		return r.Val.(*oauth2.Token), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fetch gets a token from source, which asks the token endpoint unless a
// fetch that ended just before this one left a valid token, and caches it.
func (t *bearerTransport) fetch() (any, error) {
	tok, err := t.source.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, errors.New("atlas: the service account token source returned no token and no error")
	}
	t.cached.Store(tok)
	return tok, nil
}

// clientCredentialsSource fetches a token with the client credentials grant
// and turns failures into a *TokenError that holds no secret.
type clientCredentialsSource struct {
	config   *clientcredentials.Config
	ctx      context.Context
	tokenURL string
	secret   string
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
		te.ErrorCode = s.redact(snippet([]byte(re.ErrorCode)))
		te.Description = s.redact(snippet([]byte(re.ErrorDescription)))
		if te.ErrorCode == "" && te.Description == "" {
			te.Description = s.redact(snippet(re.Body))
		}
		return te
	}
	if msg := err.Error(); s.secret != "" && strings.Contains(msg, s.secret) {
		err = errors.New(s.redact(msg))
	}
	te.Err = err
	return te
}

func (s *clientCredentialsSource) redact(v string) string {
	if s.secret == "" {
		return v
	}
	return strings.ReplaceAll(v, s.secret, "REDACTED")
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
