package atlas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlascontract/deferwindow/internal/netpolicy"
)

// Client calls the operation on the Atlas Administration API. Build it with
// New or NewFromEnv; it is safe for concurrent use.
//
// DeferMaintenanceWindow is the one-line call. DeferMaintenanceWindowWithResponse
// returns the generated response type instead. Both check the groupId, build
// the request with the generated request builder, and send it with an
// http.Client that follows no redirects, through the same configuration:
// authentication, Accept, User-Agent, the envelope setting and the default
// deadline.
//
// Every response body read through a Client is capped: past MaxResponseBody
// bytes the read fails with a *ResponseTooLargeError, so a proxy's endless
// page cannot fill memory.
type Client struct {
	http   *http.Client // the transport chain; redirects are not followed
	origin *url.URL     // the server's URL: the scheme and host of every request
	host   string       // origin.Host without an empty port, as http.NewRequest has it

	server      string // base URL, no trailing slash, for messages
	builderBase string // server as the generated builder joins paths below it: see builderBase
	mediaType   string
	// accept and userAgent are the header values every request
	// shares: slices whose capacity is their length, so that Header.Add,
	// Set and Del, which append or replace, never write into them.
	accept, userAgent []string
	authKind          string
	envelope          bool
	params            *DeferMaintenanceWindowParams // envelope=true with WithEnvelope, else nil
	retry             retryPolicy
	timeout           time.Duration
	deadlines         *deadlineShare // the default deadline of calls under context.Background(), shared with the process's Clients of the same timeout
	onRateLimit       func(context.Context, RateLimit)
	sleep             func(context.Context, time.Duration) error // waits between 429 retries
}

// errNilContext is returned, instead of a panic, for a call given a nil context.
var errNilContext = errors.New("atlas: the context is nil; pass context.Background() or a request's context")

// New returns a Client configured by opts. Without WithServiceAccount or
// WithAPIKey it sends no credentials, which suits a local mock; Atlas answers
// such calls 401. With credentials, an http:// server must be on this
// machine (a loopback address, or a name that resolves only to loopback
// ones) unless WithInsecureHTTP allows it; such a server is dialed directly,
// never through a proxy.
func New(opts ...Option) (*Client, error) {
	s := defaultSettings()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	return newClient(s)
}

func newClient(s settings) (*Client, error) {
	if _, err := groupIDRegexp(); err != nil {
		return nil, err
	}
	addrs, why := s.serverAddrs()
	if err := s.checkCleartext(addrs, why); err != nil {
		return nil, err
	}
	base := s.transport
	switch {
	case base != nil:
	case addrs != nil:
		base = loopbackTransport(addrs) // this machine: never through a proxy
	default:
		base = sharedTransport()
	}
	// The cap sits right above the base transport, under authentication: every
	// body read through the Client, the token endpoint's included, is capped.
	base = &limitTransport{base: base, limit: MaxResponseBody}
	server := s.server.String()
	ua := userAgent()
	c := &Client{
		http:        &http.Client{Transport: s.auth.authTransport(base, server, ua), CheckRedirect: noRedirect},
		server:      server,
		origin:      s.server,
		host:        strings.TrimSuffix(s.server.Host, ":"),
		builderBase: builderBase(s.server),
		mediaType:   s.mediaType,
		accept:      []string{s.mediaType},
		userAgent:   []string{ua},
		authKind:    s.auth.describe(),
		envelope:    s.envelope,
		retry:       s.retry,
		timeout:     s.timeout,
		deadlines:   deadlineShareFor(s.timeout),
		onRateLimit: s.onRateLimit,
		sleep:       s.retrySleep,
	}
	if s.envelope {
		c.params = &DeferMaintenanceWindowParams{Envelope: &c.envelope}
	}
	return c, nil
}

// builderBase is what the Client gives the generated request builder as
// its server: the server URL's path (escaped), with a trailing slash when
// it has one, so that the operation path is resolved below it; newRequest
// puts the scheme and host, parsed once by New, on each request. The
// builder then parses no scheme or host on each call, and resolves against
// an empty path, without a string to join, for a server without a path.
func builderBase(server *url.URL) string {
	if p := server.EscapedPath(); p != "" {
		return p + "/"
	}
	return ""
}

// sharedTransport is the base transport of every Client built without
// WithTransport for a server not on this machine: one clone of
// http.DefaultTransport, made on first use, so that Clients pool their
// connections, and a program that makes a Client per call keeps one set of
// idle connections (and their goroutines), not one per Client that nothing
// could release. What is set per Client (the body cap, authentication, the
// timeouts, which are the calls' contexts) wraps it and never changes it.
var sharedTransport = sync.OnceValue(func() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment}
})

// loopbackTransports holds the base transport of the Clients of a server
// on this machine, one per list of the addresses it resolves to (which is
// all the transport depends on), shared as sharedTransport is. A list that
// would be the maxLoopbackTransports+1st gets a transport of its own.
var (
	loopbackTransportsMu sync.Mutex
	loopbackTransports   = map[string]http.RoundTripper{}
)

const maxLoopbackTransports = 16

func loopbackTransport(addrs []net.IP) http.RoundTripper {
	var key strings.Builder
	for _, ip := range addrs {
		key.WriteString(ip.String())
		key.WriteByte(' ')
	}
	loopbackTransportsMu.Lock()
	defer loopbackTransportsMu.Unlock()
	t := loopbackTransports[key.String()]
	if t == nil {
		t = netpolicy.LoopbackTransport(addrs)
		if len(loopbackTransports) < maxLoopbackTransports {
			loopbackTransports[key.String()] = t
		}
	}
	return t
}

// DeferMaintenanceWindow defers the project's scheduled maintenance. It
// returns nil on success, a *GroupIDError (and sends nothing) when groupID
// does not match GroupIDPattern, an *Error for any non-2xx answer, or the
// transport's error (a *url.Error, as http.Client gives it). With
// WithRetryOn429 it retries 429 answers. When ctx has no deadline, each
// request is bounded by the Client's timeout (DefaultTimeout unless
// WithTimeout says otherwise).
func (c *Client) DeferMaintenanceWindow(ctx context.Context, groupID string) error {
	if ctx == nil {
		return errNilContext
	}
	if err := ValidateGroupID(groupID); err != nil {
		return err
	}
	if c.retry.maxRetries == 0 {
		return c.deferOnce(ctx, groupID)
	}
	return c.retry.withRetry(ctx, c.sleep, func() error { return c.deferOnce(ctx, groupID) })
}

// deferOnce sends one request for a valid groupID and judges the answer:
// an error body is read up to MaxErrorBody bytes, and is an *Error even when
// it cannot be read whole; a success body is not read (drained for at most
// drainTimeout), unless the answer is enveloped.
func (c *Client) deferOnce(ctx context.Context, groupID string) error {
	ctx, cancel := c.withTimeout(ctx)
	if cancel != nil {
		defer cancel()
	}
	req, err := c.newRequest(ctx, groupID, c.params)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read-only: nothing to lose on close
	if c.onRateLimit != nil {
		c.onRateLimit(ctx, rateLimitOf(resp.Header))
	}
	if is2xx(resp.StatusCode) && !c.envelope {
		drain(resp.Body, resp.ContentLength)
		return nil
	}
	body, truncated, err := readCapped(resp.Body, resp.ContentLength, MaxErrorBody)
	method, path := requestLine(resp, req)
	if err != nil && is2xx(resp.StatusCode) {
		return fmt.Errorf("%s %s: %d: reading the body: %w", method, path, resp.StatusCode, err)
	}
	// A failure whose body could not be read whole is still reported as one.
	return classify(method, path, resp.StatusCode, resp.Header, body, truncated, c.envelope, nil)
}

// newRequest builds the request for a groupID already checked, with the
// generated request builder (the operation path and query, below the
// server's path), on the server's scheme and host, under ctx, with the
// Client's Accept and User-Agent.
func (c *Client) newRequest(ctx context.Context, groupID string, params *DeferMaintenanceWindowParams) (*http.Request, error) {
	req, err := newDeferMaintenanceWindowRequest(c.builderBase, groupID, params)
	if err != nil {
		return nil, fmt.Errorf("atlas: building the request: %w", err)
	}
	// The request is ours alone: set its context in place. WithContext's
	// copy is inlined here and does not escape, so it stays on the stack,
	// where a req = req.WithContext(ctx) would put a second Request on the heap.
	*req = *req.WithContext(ctx)
	req.URL.Scheme, req.URL.Host = c.origin.Scheme, c.host
	req.Host = c.host
	req.Header["Accept"] = c.accept
	req.Header["User-Agent"] = c.userAgent
	return req, nil
}

// DeferMaintenanceWindowWithResponse defers the project's scheduled
// maintenance like DeferMaintenanceWindow, without retries, and returns the
// generated response type: the status, the raw body, the decoded ApiError of
// a declared error status (JSON400, ..., JSON500) and the declared headers
// (Headers200, Headers429). params may be nil; editors run after the
// Client's own, so they may add or override request headers. The Client's
// envelope setting applies when params does not set Envelope. CheckResponse
// turns the response into the error DeferMaintenanceWindow would return.
//
// A declared header whose value is not what the fragment says (a
// Retry-After that is neither delay-seconds nor an HTTP date, say) is left
// out of the typed headers; an HTTP-date Retry-After is given in seconds
// from now. When the answer came but its body could not be decoded, the
// response (Body and HTTPResponse set) is returned with the error. The body
// of HTTPResponse has been read: the bytes are in Body.
//
// An answer to envelope=true that is an envelope is typed by the status
// the API meant, which Atlas may send with transport status 200: the
// envelope's status (unless it says 2xx on a failed transport status,
// which then stands), the StatusCode of the *Error CheckResponse returns.
// The ApiError field of that status holds the envelope's content decoded
// as an ApiError (nil when the content is none), and the declared headers
// are that status's (Headers429 for an enveloped 429 sent as 200).
// StatusCode() and HTTPResponse stay the transport's, and Body the raw
// envelope as received. An answer that is no envelope is typed as it came.
func (c *Client) DeferMaintenanceWindowWithResponse(ctx context.Context, groupID string, params *DeferMaintenanceWindowParams, editors ...RequestEditorFn) (*DeferMaintenanceWindowResponse, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	if err := ValidateGroupID(groupID); err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx)
	if cancel != nil {
		defer cancel()
	}
	req, err := c.newRequest(ctx, groupID, c.paramsFor(params))
	if err != nil {
		return nil, err
	}
	if len(editors) > 0 {
		req.Header = req.Header.Clone() // the editors' own values, not the shared ones
	}
	for _, edit := range editors {
		if edit == nil {
			continue
		}
		if err := edit(ctx, req); err != nil {
			return nil, err
		}
	}
	if len(editors) > 0 {
		if err := c.checkOrigin(req); err != nil {
			return nil, err // an editor sent it elsewhere
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if c.onRateLimit != nil {
		c.onRateLimit(ctx, rateLimitOf(resp.Header))
	}
	return parseResponse(resp)
}

// paramsFor returns the parameters of a typed call: params, with the
// Client's envelope setting when params leaves Envelope unset.
func (c *Client) paramsFor(params *DeferMaintenanceWindowParams) *DeferMaintenanceWindowParams {
	switch {
	case params == nil:
		return c.params
	case params.Envelope != nil || c.params == nil:
		return params
	}
	p := *params
	p.Envelope = c.params.Envelope
	return &p
}

// Do sends req exactly as given through the Client's transport: with its
// credentials, the MaxResponseBody cap, no redirects followed, and the
// Client's timeout when req's context has no deadline (reading the body
// included). It adds no Accept or User-Agent and checks no groupId: it
// is for tools that must send a request as recorded, such as a replay of
// recorded traffic. The caller closes the body.
//
// Do refuses, with an *OriginError, a request whose scheme and host are not
// the Client's server's (compared without case, the default port filled
// in), and sends nothing. It does not send such a request without
// credentials instead: the Client is a client of one server, so a request
// for another is a mistake the caller must see, not one to pass on and have
// refused (or answered) there. Redirects are never followed, so an answer
// cannot send the credentials elsewhere either.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req == nil {
		return nil, errors.New("atlas: Do: the request is nil")
	}
	if err := c.checkOrigin(req); err != nil {
		return nil, err
	}
	parent := req.Context()
	ctx, cancel := c.withTimeout(parent)
	// Bounded by the Client's timeout when the caller set no deadline; the
	// caller's request stays as it is. The contexts are not compared: a
	// caller's may be of a type Go cannot compare.
	if _, had := parent.Deadline(); !had {
		if _, has := ctx.Deadline(); has {
			req = req.WithContext(ctx)
		}
	}
	resp, err := c.http.Do(req)
	if cancel == nil {
		return resp, err
	}
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// OriginError reports a request, given to Client.Do or changed by an editor
// of DeferMaintenanceWindowWithResponse, whose scheme and host are not the
// Client's server's. Nothing was sent.
type OriginError struct {
	// Request is the request's scheme and host, such as https://example.com.
	Request string
	// Server is the Client's server's scheme and host.
	Server string
}

// Error implements error.
func (e *OriginError) Error() string {
	return "atlas: the request is for " + e.Request + ", not the Client's server " + e.Server +
		"; the Client sends its credentials to its server only, so it sent nothing"
}

// checkOrigin returns an *OriginError when req's URL is not on the
// Client's server: another scheme, host or port.
func (c *Client) checkOrigin(req *http.Request) error {
	if req.URL == nil {
		return errors.New("atlas: the request has no URL")
	}
	if !sameOrigin(req.URL, c.origin) {
		return &OriginError{Request: originString(req.URL), Server: originString(c.origin)}
	}
	return nil
}

// sameOrigin reports whether a and b have the same scheme, host and port,
// comparing scheme and host without case and filling in the scheme's
// default port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		portOf(a) == portOf(b)
}

// portOf is u's port, or its scheme's default one.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// originString is u's scheme and host, for a message: no user info, path or query.
func originString(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

// cancelOnClose ends a request's deadline context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close implements io.Closer.
func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// withTimeout bounds ctx by the Client's timeout when ctx has no deadline
// of its own. The cancel function is nil when there is nothing to cancel:
// ctx is returned as it is, or it is context.Background() or TODO(), which
// carry nothing, and the call gets the Client's shared deadline (see
// sharedDeadline).
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return ctx, nil
	}
	if _, ok := ctx.Deadline(); ok {
		return ctx, nil
	}
	if ctx == context.Background() || ctx == context.TODO() {
		return c.deadlines.context(c.timeout), nil
	}
	return context.WithTimeout(ctx, c.timeout)
}

// deadlineShare is a context that expires deadlineShareFraction of the
// timeout after it was made, shared by the calls that start in that time.
//
// A per-call context.WithTimeout costs a timer, a context and two closures
// on each call; a call under context.Background() (or TODO) carries no
// values and no cancellation of its own, so calls that start within
// timeout/deadlineShareFraction of each other can share one context and
// its timer. A call then gets a deadline between (1-1/deadlineShareFraction)
// of the timeout and the whole of it from its start, never more. The shared
// context is never cancelled early: its timer ends it, and it is released,
// at its deadline.
type deadlineShare struct {
	current atomic.Pointer[sharedDeadline]
}

// deadlineShares holds the deadlineShare of each timeout the process's
// Clients use, so that a program that makes a Client per call still keeps
// at most deadlineShareFraction live shared deadlines per timeout. A Client
// whose timeout would be the maxDeadlineShares+1st gets one of its own.
var (
	deadlineSharesMu sync.Mutex
	deadlineShares   = map[time.Duration]*deadlineShare{}
)

const maxDeadlineShares = 16

func deadlineShareFor(timeout time.Duration) *deadlineShare {
	if timeout <= 0 {
		return nil // no default deadline
	}
	deadlineSharesMu.Lock()
	defer deadlineSharesMu.Unlock()
	d := deadlineShares[timeout]
	if d == nil {
		d = new(deadlineShare)
		if len(deadlineShares) < maxDeadlineShares {
			deadlineShares[timeout] = d
		}
	}
	return d
}

// deadlineShareFraction: a call's deadline is at most 1/64 of the timeout
// early (about 0.9 s of DefaultTimeout's minute).
const deadlineShareFraction = 64

// sharedDeadline is one shared context and the time until which new calls
// may take it.
type sharedDeadline struct {
	ctx       context.Context
	cancel    context.CancelFunc // kept, never called early: the deadline ends it
	takeUntil time.Time
}

// context returns a context of context.Background() that expires at most
// timeout from now, and at least timeout - timeout/deadlineShareFraction.
func (d *deadlineShare) context(timeout time.Duration) context.Context {
	now := time.Now()
	if s := d.current.Load(); s != nil && now.Before(s.takeUntil) {
		return s.ctx
	}
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(timeout))
	d.current.Store(&sharedDeadline{ctx: ctx, cancel: cancel, takeUntil: now.Add(timeout / deadlineShareFraction)})
	return ctx
}

// requestLine returns the method and URL path of the request behind resp,
// or, when a custom transport returned a response without its Request, those
// of req, the request the call sent.
func requestLine(resp *http.Response, req *http.Request) (method, path string) {
	if r := resp.Request; r != nil && r.URL != nil {
		return r.Method, r.URL.Path
	}
	return req.Method, req.URL.Path
}

// String describes the client without any secret.
func (c Client) String() string {
	return "atlas.Client{server: " + strconv.Quote(c.server) +
		", auth: " + c.authKind +
		", mediaType: " + strconv.Quote(c.mediaType) +
		", envelope: " + strconv.FormatBool(c.envelope) +
		", retry: " + c.retry.describe() +
		", timeout: " + describeTimeout(c.timeout) + "}"
}

func describeTimeout(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	return d.String()
}

// GoString describes the client without any secret, for %#v.
func (c Client) GoString() string { return c.String() }

// Format prints String for every verb, so no verb (%v, %+v, %#v, %s, %x)
// can reach the credentials held under the transport.
func (c Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }
