package atlas

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/atlascontract/deferwindow/internal/netpolicy"
)

// Option configures a Client. Pass options to New or NewFromEnv; an option
// that is given bad input makes the constructor return an error naming it.
type Option func(*settings) error

// settings is what the options build. It holds credentials, so it never
// prints them: see Format.
type settings struct {
	server       *url.URL
	transport    http.RoundTripper
	auth         credentials
	mediaType    string
	envelope     bool
	retry        retryPolicy
	timeout      time.Duration
	insecureHTTP bool
	onRateLimit  func(context.Context, RateLimit)
	retrySleep   func(context.Context, time.Duration) error
	// lookupIP resolves a server host name for the clear-text check;
	// replaced by tests.
	lookupIP netpolicy.LookupFunc
}

// DefaultTimeout bounds each request of a Client, its body included, when
// the caller's context has no deadline. WithTimeout changes it.
const DefaultTimeout = time.Minute

func defaultSettings() settings {
	u, _ := parseServer(DefaultServerURL) // a generated constant; checked by a test
	return settings{server: u, mediaType: MediaType, timeout: DefaultTimeout, retrySleep: sleepContext, lookupIP: net.DefaultResolver.LookupIPAddr}
}

// Format prints the settings without any secret, whatever the verb.
func (s settings) Format(f fmt.State, _ rune) {
	server := ""
	if s.server != nil {
		server = s.server.String()
	}
	// fmt.State writes into fmt's own buffer, which cannot fail.
	_, _ = fmt.Fprintf(f, "atlas.settings{server: %q, auth: %s, mediaType: %q, envelope: %t, retry: %s, timeout: %s}",
		server, s.auth.describe(), s.mediaType, s.envelope, s.retry.describe(), describeTimeout(s.timeout))
}

// serverAddrs returns the addresses of an http:// server on this machine
// (a loopback address, or a name whose addresses all resolve to loopback
// ones; the name alone, localhost or x.localhost, proves nothing), or nil
// and why it is not one. It looks only where the answer matters: for the
// default transport, which dials such a server directly, and for the
// clear-text check of credentials. An https:// server is never looked up:
// TLS keeps the credentials from any proxy on the way.
func (s settings) serverAddrs() ([]net.IP, string) {
	if s.server == nil || s.server.Scheme != "http" {
		return nil, "it is not http://"
	}
	if s.transport != nil && (s.auth.kind == authNone || s.insecureHTTP) {
		return nil, "not looked up"
	}
	return netpolicy.LoopbackAddrs(context.Background(), s.server.Hostname(), s.lookupIP)
}

// checkCleartext refuses to send credentials over http:// to a server that
// is not on this machine (addrs is nil, for the reason why), unless
// WithInsecureHTTP allowed it, as the harness decides for its targets.
func (s settings) checkCleartext(addrs []net.IP, why string) error {
	if s.auth.kind == authNone || s.insecureHTTP || s.server == nil || s.server.Scheme != "http" || addrs != nil {
		return nil
	}
	return fmt.Errorf("atlas: the server %s is http:// and %s, so the credentials would cross the network in clear text; use https, or WithInsecureHTTP to allow it",
		s.server.Redacted(), why)
}

// WithInsecureHTTP allows credentials to be sent to an http:// server that
// is not on this machine. Without it, New refuses such a server when
// credentials are configured: anyone on the path could read them.
func WithInsecureHTTP() Option {
	return func(s *settings) error {
		s.insecureHTTP = true
		return nil
	}
}

// WithTimeout bounds each request, its body included, to d when the
// caller's context has no deadline (the default is DefaultTimeout); 0 means
// no bound but the caller's context. A context with its own deadline always
// governs alone. Waits between 429 retries are bounded by WithRetryOn429.
//
// Calls under context.Background() or context.TODO() that start within
// d/64 of each other share one deadline (and its timer), those of every
// Client of the same timeout included, so such a call's deadline is between
// 63/64 of d and d from its start; a call under any other context gets a
// deadline exactly d from its start.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("atlas: WithTimeout: the timeout (%s) must not be negative", d)
		}
		s.timeout = d
		return nil
	}
}

// WithRateLimitHook calls hook with the RateLimit headers of every answer
// to DeferMaintenanceWindow (each attempt, when 429s are retried) and
// DeferMaintenanceWindowWithResponse, successes included, with the call's
// context; it must not block. *Error carries the same for a failure.
func WithRateLimitHook(hook func(context.Context, RateLimit)) Option {
	return func(s *settings) error {
		if hook == nil {
			return errors.New("atlas: WithRateLimitHook: the hook is nil")
		}
		s.onRateLimit = hook
		return nil
	}
}

// WithServer sets the base URL of the Atlas Administration API, for example
// https://cloud.mongodb.com (the default, DefaultServerURL) or a local mock.
// The URL may carry a path (http://127.0.0.1:8080/mock): the operation path
// and the token path are joined below it. It must be http or https, have a
// host, and carry no user info, query or fragment. With credentials, an
// http:// URL must reach this machine, unless WithInsecureHTTP allows more.
func WithServer(baseURL string) Option {
	return func(s *settings) error {
		u, err := parseServer(baseURL)
		if err != nil {
			return fmt.Errorf("atlas: WithServer: %w", err)
		}
		s.server = u
		return nil
	}
}

// parseServer checks a base URL and returns it without a trailing slash.
func parseServer(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("the server URL is empty; want an http or https URL such as " + DefaultServerURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error carries the input, which may hold user info: say what is wrong only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("the server URL does not parse (%v); want an http or https URL such as %s", err, DefaultServerURL)
	}
	switch {
	case u.User != nil:
		return nil, errors.New("the server URL carries user info; pass credentials with WithServiceAccount or WithAPIKey instead")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("the server URL %q has scheme %q; want http or https", u.Redacted(), u.Scheme)
	case u.Host == "":
		return nil, fmt.Errorf("the server URL %q has no host", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("the server URL %q has a query; want a base URL without one", u.Redacted())
	case u.Fragment != "":
		return nil, fmt.Errorf("the server URL %q has a fragment; want a base URL without one", u.Redacted())
	}
	out := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimRight(u.Path, "/")}
	if u.RawPath != "" {
		out.RawPath = strings.TrimRight(u.RawPath, "/")
	}
	return out, nil
}

// WithTransport sets the base transport, under authentication: every request
// the Client makes goes through it, the Service Account token request too, so
// a recorder or a test transport given here sees all traffic. It gets each
// response body as it came; above it, the Client reads at most
// MaxResponseBody bytes of a body. The default is one clone of
// http.DefaultTransport, made on first use and shared by every Client
// built without WithTransport, so Clients pool their connections and a
// Client per call leaves nothing to release; an http:// server on this
// machine gets instead a transport (shared likewise) that dials the
// loopback addresses New resolved, never through a proxy (HTTP_PROXY does
// not exempt every name of this machine). A transport given here is used
// as it is.
func WithTransport(rt http.RoundTripper) Option {
	return func(s *settings) error {
		if rt == nil {
			return errors.New("atlas: WithTransport: the transport is nil")
		}
		s.transport = rt
		return nil
	}
}

// WithServiceAccount authenticates with an Atlas Service Account: OAuth 2.0
// client credentials, sent with HTTP Basic client authentication to the token
// endpoint below the server URL (TokenPath). The token is cached and renewed a
// minute before it expires; concurrent calls that need a new one share one
// token request and its result, a failure included (a failure is not cached).
// It replaces any credentials set before it.
func WithServiceAccount(clientID, clientSecret string) Option {
	return func(s *settings) error {
		if clientID == "" || clientSecret == "" {
			return errors.New("atlas: WithServiceAccount: the client ID and the client secret must both be non-empty")
		}
		s.auth = credentials{kind: authServiceAccount, id: clientID, secret: clientSecret}
		return nil
	}
}

// WithAPIKey authenticates with a legacy Atlas programmatic API key, over HTTP
// Digest authentication. It replaces any credentials set before it.
func WithAPIKey(publicKey, privateKey string) Option {
	return func(s *settings) error {
		if publicKey == "" || privateKey == "" {
			return errors.New("atlas: WithAPIKey: the public key and the private key must both be non-empty")
		}
		s.auth = credentials{kind: authAPIKey, id: publicKey, secret: privateKey}
		return nil
	}
}

// WithMediaType overrides the media type sent in Accept, which selects the
// API version (default MediaType, from the OpenAPI fragment). Atlas serves the
// newest version dated on or before the one named, so
// application/vnd.atlas.2025-03-12+json also reaches this operation.
func WithMediaType(mediaType string) Option {
	return func(s *settings) error {
		if _, _, err := mime.ParseMediaType(mediaType); err != nil {
			return fmt.Errorf("atlas: WithMediaType: %q is not a media type (%v); want one like %s", mediaType, err, MediaType)
		}
		s.mediaType = mediaType
		return nil
	}
}

// WithEnvelope makes the Client send envelope=true, so Atlas wraps the answer
// as {"status": N, "content": ...}. DeferMaintenanceWindow unwraps it and
// returns the same result as without the envelope.
// DeferMaintenanceWindowWithResponse adds envelope=true when the call's
// params do not set envelope themselves; CheckResponse unwraps that response.
func WithEnvelope(enabled bool) Option {
	return func(s *settings) error {
		s.envelope = enabled
		return nil
	}
}

// WithRetryOn429 makes DeferMaintenanceWindow retry a 429 Too Many Requests
// answer at most maxRetries times, waiting what Retry-After asks but at least
// a second (1s, 2s, 4s and so on when it is absent), and giving up with the 429 error when the next
// wait would take the total waited past maxTotalWait. No other failure is
// retried: the operation is a POST, not idempotent. The default is no retry.
// Tests can make the waits instant with WithRetrySleep.
func WithRetryOn429(maxRetries int, maxTotalWait time.Duration) Option {
	return func(s *settings) error {
		if maxRetries < 0 || maxTotalWait < 0 {
			return fmt.Errorf("atlas: WithRetryOn429: maxRetries (%d) and maxTotalWait (%s) must not be negative", maxRetries, maxTotalWait)
		}
		s.retry = retryPolicy{maxRetries: maxRetries, maxTotalWait: maxTotalWait}
		return nil
	}
}

// WithRetrySleep replaces how DeferMaintenanceWindow waits between 429
// retries (see WithRetryOn429). It is meant for tests: a sleep that returns
// ctx.Err() at once makes retries instant, and may record the waits asked or
// move a fake clock. sleep(ctx, d) must wait d, or return ctx's error when
// ctx ends first; an error it returns ends the retries, with the 429 error.
// The waits asked still count against maxTotalWait. The default sleeps on a
// timer.
func WithRetrySleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) error {
		if sleep == nil {
			return errors.New("atlas: WithRetrySleep: the sleep function is nil")
		}
		s.retrySleep = sleep
		return nil
	}
}
