package atlas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/atlascontract/deferwindow/gen/internal/oapi"
)

// Client calls the operation on the Atlas Administration API. Build it with
// New or NewFromEnv; it is safe for concurrent use.
//
// DeferMaintenanceWindow is the one-line call. DeferMaintenanceWindowWithResponse
// returns the generated response type instead. Both build the request with
// the generated request builder and send it through the same configuration:
// authentication, Accept, User-Agent, the groupId check, the envelope
// setting and the default deadline. The one-line call runs the builder once
// per groupId and sends a copy of its request each time; it keeps the built
// requests of up to 256 groupIds.
//
// Every response body read through a Client is capped: past MaxResponseBody
// bytes the read fails with a *ResponseTooLargeError, so a proxy's endless
// page cannot fill memory.
type Client struct {
	api       *oapi.Client // the generated client, over http, with prepare as its editor
	http      *http.Client
	transport http.RoundTripper // http's transport, which the one-line call uses directly
	reqs      *requestCache     // the one-line call's requests, per groupId

	server      string // base URL, no trailing slash, for String
	pathPrefix  string // the base URL's path and the operation path up to its groupId
	opSuffix    string // the operation path after {groupId}
	mediaType   string
	userAgent   string
	authKind    string
	envelope    bool
	params      *DeferMaintenanceWindowParams // the one-line call's: envelope=true with WithEnvelope, else nil
	retry       retryPolicy
	timeout     time.Duration
	onRateLimit func(context.Context, RateLimit)
	sleep       func(context.Context, time.Duration) error // replaced by tests
}

// errNilContext is returned, instead of a panic, for a call given a nil context.
var errNilContext = errors.New("atlas: the context is nil; pass context.Background() or a request's context")

// New returns a Client configured by opts. Without WithServiceAccount or
// WithAPIKey it sends no credentials, which suits a local mock; Atlas answers
// such calls 401. With credentials, an http:// server must be a loopback
// address unless WithInsecureHTTP allows it.
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
	if err := s.checkCleartext(); err != nil {
		return nil, err
	}
	opPrefix, opSuffix, ok := strings.Cut(OperationPath, "{groupId}")
	if !ok {
		return nil, fmt.Errorf("atlas: the generated OperationPath %s has no {groupId} parameter", OperationPath)
	}
	base := s.transport
	if base == nil {
		base = defaultTransport()
	}
	// The cap sits right above the base transport, under authentication: every
	// body read through the Client, the token endpoint's included, is capped.
	base = &limitTransport{base: base, limit: MaxResponseBody}
	server := s.server.String()
	ua := userAgent()
	transport := s.auth.authTransport(base, server, ua)
	c := &Client{
		http:        &http.Client{Transport: transport, CheckRedirect: noRedirect},
		transport:   transport,
		reqs:        &requestCache{reqs: make(map[string]*http.Request)},
		server:      server,
		pathPrefix:  s.server.Path + opPrefix,
		opSuffix:    opSuffix,
		mediaType:   s.mediaType,
		userAgent:   ua,
		authKind:    s.auth.describe(),
		envelope:    s.envelope,
		retry:       s.retry,
		timeout:     s.timeout,
		onRateLimit: s.onRateLimit,
		sleep:       sleepContext,
	}
	if s.envelope {
		c.params = &DeferMaintenanceWindowParams{Envelope: &s.envelope}
	}
	api, err := oapi.NewClient(server, oapi.WithHTTPClient(c.http), oapi.WithRequestEditorFn(c.prepare))
	if err != nil {
		return nil, fmt.Errorf("atlas: building the generated client: %w", err)
	}
	c.api = api
	return c, nil
}

func defaultTransport() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment}
}

// DeferMaintenanceWindow defers the project's scheduled maintenance. It
// returns nil on success, a *GroupIDError (and sends nothing) when groupID
// does not match GroupIDPattern, an *Error for any non-2xx answer, or the
// transport's error. With WithRetryOn429 it retries 429 answers. When ctx
// has no deadline, each request is bounded by the Client's timeout
// (DefaultTimeout unless WithTimeout says otherwise).
func (c *Client) DeferMaintenanceWindow(ctx context.Context, groupID string) error {
	if ctx == nil {
		return errNilContext
	}
	built, err := c.requestFor(groupID)
	if err != nil {
		return err
	}
	if c.retry.maxRetries == 0 {
		return c.deferOnce(ctx, built)
	}
	return c.retry.withRetry(ctx, c.sleep, func() error { return c.deferOnce(ctx, built) })
}

// requestFor returns the request the generated builder makes for groupID,
// edited by prepare, from the cache or built and cached now. A groupID that
// does not match GroupIDPattern is refused and not cached. The request
// returned is shared: it must not be changed.
func (c *Client) requestFor(groupID string) (*http.Request, error) {
	if req := c.reqs.get(groupID); req != nil {
		return req, nil
	}
	if err := ValidateGroupID(groupID); err != nil {
		return nil, err
	}
	req, err := oapi.NewDeferMaintenanceWindowRequest(c.api.Server, groupID, c.params)
	if err != nil {
		return nil, err
	}
	if err := c.prepare(context.Background(), req); err != nil {
		return nil, err
	}
	c.reqs.put(groupID, req)
	return req, nil
}

// deferOnce sends a deep copy of built, the shared request for a groupId
// (http.Request.Clone: its own context, URL and header), and judges the
// answer.
func (c *Client) deferOnce(ctx context.Context, built *http.Request) error {
	ctx, cancel := c.withTimeout(ctx)
	if cancel != nil {
		defer cancel()
	}
	resp, err := c.send(built.Clone(ctx))
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
	method, path := requestLine(resp, built)
	if err != nil && is2xx(resp.StatusCode) {
		return fmt.Errorf("%s %s: %d: reading the body: %w", method, path, resp.StatusCode, err)
	}
	// A failure whose body could not be read whole is still reported as one.
	return classify(method, path, resp.StatusCode, resp.Header, body, truncated, c.envelope)
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
// response (Body and HTTPResponse set) is returned with the error.
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
	resp, err := c.api.DeferMaintenanceWindow(ctx, groupID, params, editors...)
	if err != nil {
		return nil, err
	}
	if c.onRateLimit != nil {
		c.onRateLimit(ctx, rateLimitOf(resp.Header))
	}
	return parseResponse(resp, time.Now())
}

// Do sends req exactly as given through the Client's transport: with its
// credentials, the MaxResponseBody cap, no redirects followed, and the
// Client's timeout when req's context has no deadline (it ends when the
// body is closed). It adds no Accept or User-Agent and checks no groupId: it
// is for tools that must send a request as recorded, such as a replay of
// recorded traffic. The caller closes the body.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req == nil {
		return nil, errors.New("atlas: Do: the request is nil")
	}
	ctx, cancel := c.withTimeout(req.Context())
	if cancel == nil {
		return c.http.Do(req)
	}
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
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
// of its own. The cancel function is nil when ctx is returned as it is.
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return ctx, nil
	}
	if _, ok := ctx.Deadline(); ok {
		return ctx, nil
	}
	return context.WithTimeout(ctx, c.timeout)
}

// requestLine returns the method and URL path of the request behind resp,
// or, when a custom transport returned a response without its Request, those
// of built, the request the call was copied from.
func requestLine(resp *http.Response, built *http.Request) (method, path string) {
	if req := resp.Request; req != nil && req.URL != nil {
		return req.Method, req.URL.Path
	}
	return built.Method, built.URL.Path
}

// prepare is the request editor of the generated client: it checks the
// path's groupId, then sets Accept, User-Agent and the envelope query.
// Editors passed to a call run after it, so they may override these headers.
func (c *Client) prepare(_ context.Context, req *http.Request) error {
	rest, ok := strings.CutPrefix(req.URL.Path, c.pathPrefix)
	groupID, ok2 := strings.CutSuffix(rest, c.opSuffix)
	if !ok || !ok2 {
		return fmt.Errorf("atlas: the request path %q is not %s below the server URL %s; the groupId may hold path syntax",
			req.URL.Path, OperationPath, c.server)
	}
	if err := ValidateGroupID(groupID); err != nil {
		return err
	}
	values := [...]string{c.mediaType, c.userAgent}
	v := values[:] // one allocation for both header values, owned by this request
	req.Header["Accept"] = v[0:1:1]
	req.Header["User-Agent"] = v[1:2:2]
	if c.envelope && !req.URL.Query().Has("envelope") {
		if req.URL.RawQuery != "" {
			req.URL.RawQuery += "&"
		}
		req.URL.RawQuery += "envelope=true"
	}
	return nil
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
