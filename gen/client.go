package atlas

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Client calls the operation on the Atlas Administration API. Build it with
// New or NewFromEnv; it is safe for concurrent use.
//
// DeferMaintenanceWindow is the one-line call. The generated API
// (DeferGroupMaintenanceWindowWithResponse, and DeferGroupMaintenanceWindow
// for the raw *http.Response) stays reachable through the embedded
// *ClientWithResponses, and goes through the same transport and checks:
// authentication, Accept, User-Agent, the groupId check and the envelope
// setting. Use CheckResponse to turn its response into the same *Error.
//
// Every response body read through a Client is capped: past MaxResponseBody
// bytes the read fails with a *ResponseTooLargeError, so a proxy's endless
// page cannot fill memory on the generated API, which reads bodies whole.
type Client struct {
	*ClientWithResponses

	http *http.Client

	server     string // base URL, no trailing slash, for String
	basePath   string // the base URL's path, no trailing slash
	urlPrefix  string // base URL + the operation path up to {groupId}
	urlSuffix  string // the operation path after {groupId}, plus the envelope query
	mediaType  string
	userAgent  string
	authKind   string
	envelope   bool
	retry      retryPolicy
	sleep      func(context.Context, time.Duration) error // replaced by tests
	opPrefix   string                                     // the operation path up to {groupId}
	opSuffix   string                                     // the operation path after {groupId}
	envelopeQS string                                     // "envelope=true" or ""
}

// New returns a Client configured by opts. Without WithServiceAccount or
// WithAPIKey it sends no credentials, which suits a local mock; Atlas answers
// such calls 401.
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
	c := &Client{
		http: &http.Client{
			Transport:     s.auth.authTransport(base, server),
			CheckRedirect: noRedirect,
		},
		server:    server,
		basePath:  s.server.Path,
		urlPrefix: server + opPrefix,
		urlSuffix: opSuffix,
		mediaType: s.mediaType,
		userAgent: UserAgent(),
		authKind:  s.auth.describe(),
		envelope:  s.envelope,
		retry:     s.retry,
		sleep:     sleepContext,
		opPrefix:  opPrefix,
		opSuffix:  opSuffix,
	}
	if s.envelope {
		c.envelopeQS = "envelope=true"
		c.urlSuffix += "?" + c.envelopeQS
	}
	generated, err := NewClientWithResponses(server,
		WithHTTPClient(c.http),
		WithRequestEditorFn(c.prepare),
	)
	if err != nil {
		return nil, fmt.Errorf("atlas: building the generated client: %w", err)
	}
	c.ClientWithResponses = generated
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
// transport's error. With WithRetryOn429 it retries 429 answers.
func (c *Client) DeferMaintenanceWindow(ctx context.Context, groupID string) error {
	if err := ValidateGroupID(groupID); err != nil {
		return err
	}
	if c.retry.maxRetries == 0 {
		return c.deferOnce(ctx, groupID)
	}
	return c.retry.withRetry(ctx, c.sleep, func() error { return c.deferOnce(ctx, groupID) })
}

// deferOnce sends one request for a validated groupID and judges the answer.
// It builds the request the generated builder would (the same method, URL
// and headers; TestOneLineCallSendsWhatTheGeneratedAPISends holds them
// equal) from the generated OperationPath, because the builder re-parses the
// server URL and formats the path on every call: a third of the call's cost.
func (c *Client) deferOnce(ctx context.Context, groupID string) error {
	req, err := http.NewRequestWithContext(ctx, OperationMethod, c.urlPrefix+groupID+c.urlSuffix, nil)
	if err != nil {
		return fmt.Errorf("atlas: building the request: %w", err)
	}
	values := [...]string{c.mediaType, c.userAgent}
	v := values[:] // one allocation for both header values, owned by this request
	req.Header["Accept"] = v[0:1:1]
	req.Header["User-Agent"] = v[1:2:2]
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if is2xx(resp.StatusCode) && !c.envelope {
		drain(resp.Body, resp.ContentLength)
		return nil
	}
	body, truncated, err := readCapped(resp.Body, resp.ContentLength, MaxErrorBody)
	method, path := c.requestLine(resp, groupID)
	if err != nil && is2xx(resp.StatusCode) {
		return fmt.Errorf("%s %s: %d: reading the body: %w", method, path, resp.StatusCode, err)
	}
	// A failure whose body could not be read whole is still reported as one.
	return classify(method, path, resp.StatusCode, resp.Header, body, truncated, c.envelope)
}

// requestLine returns the method and URL path of the request behind resp,
// or, when a custom transport returned a response without its Request, those
// of the request deferOnce built for groupID.
func (c *Client) requestLine(resp *http.Response, groupID string) (method, path string) {
	if req := resp.Request; req != nil && req.URL != nil {
		return req.Method, req.URL.Path
	}
	return OperationMethod, c.basePath + c.opPrefix + groupID + c.opSuffix
}

// HTTPClient returns a copy of the Client's *http.Client: the base transport
// with authentication and the MaxResponseBody cap, no redirects followed.
// Requests sent with it get no Accept, User-Agent, groupId check or envelope
// query: it is for tools that must send requests exactly as given, such as a
// replay of recorded traffic.
func (c *Client) HTTPClient() *http.Client {
	hc := *c.http
	return &hc
}

// prepare is the request editor of the generated API: it checks the path's
// groupId, then sets Accept, User-Agent and the envelope query. Editors passed
// to a call run after it, so they may override these headers.
func (c *Client) prepare(_ context.Context, req *http.Request) error {
	rest, ok := strings.CutPrefix(req.URL.Path, c.basePath+c.opPrefix)
	groupID, ok2 := strings.CutSuffix(rest, c.opSuffix)
	if !ok || !ok2 {
		return fmt.Errorf("atlas: the request path %q is not %s below the server URL %s; the groupId may hold path syntax",
			req.URL.Path, OperationPath, c.server)
	}
	if err := ValidateGroupID(groupID); err != nil {
		return err
	}
	req.Header.Set("Accept", c.mediaType)
	req.Header.Set("User-Agent", c.userAgent)
	if c.envelope && !req.URL.Query().Has("envelope") {
		if req.URL.RawQuery != "" {
			req.URL.RawQuery += "&"
		}
		req.URL.RawQuery += c.envelopeQS
	}
	return nil
}

// String describes the client without any secret.
func (c Client) String() string {
	return "atlas.Client{server: " + strconv.Quote(c.server) +
		", auth: " + c.authKind +
		", mediaType: " + strconv.Quote(c.mediaType) +
		", envelope: " + strconv.FormatBool(c.envelope) +
		", retry: " + c.retry.describe() + "}"
}

// GoString describes the client without any secret, for %#v.
func (c Client) GoString() string { return c.String() }

// Format prints String for every verb, so no verb (%v, %+v, %#v, %s, %x)
// can reach the credentials held under the transport.
func (c Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }
