package atlas

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// maxCachedRequests bounds how many groupIds' requests a Client keeps.
const maxCachedRequests = 256

// requestCache keeps, per groupId, the request the generated builder made
// for it, with the Client's headers set and no context. The builder's output
// depends only on the server URL and the groupId, so the one-line call
// builds each groupId's request once and sends copies of it. The cached
// requests are never changed: each call works on its own copy (see
// requestFor). Only valid groupIds are stored. It is safe for concurrent use.
type requestCache struct {
	mu   sync.RWMutex
	reqs map[string]*http.Request
}

// get returns the request cached for groupID, or nil.
func (rc *requestCache) get(groupID string) *http.Request {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	return rc.reqs[groupID]
}

// put caches req for groupID. When the cache is full, one other entry
// (whichever the map yields first) makes room.
func (rc *requestCache) put(groupID string, req *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if _, ok := rc.reqs[groupID]; !ok && len(rc.reqs) >= maxCachedRequests {
		for k := range rc.reqs {
			delete(rc.reqs, k)
			break
		}
	}
	rc.reqs[groupID] = req
}

// len returns the number of cached requests.
func (rc *requestCache) len() int {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	return len(rc.reqs)
}

// send sends req once through the Client's transport, as an http.Client
// with redirects turned off would: a 3xx answer is returned as it is, a
// failure is a *url.Error naming the method and URL, a response without a
// body gets an empty one. The transport honours req's context.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	resp, err := c.transport.RoundTrip(req)
	if err != nil {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close() // a response that came with an error is dropped, as net/http does
		}
		if tlsErr, ok := err.(tls.RecordHeaderError); ok && string(tlsErr.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch
		}
		return nil, urlError(req, err)
	}
	if resp == nil {
		return nil, urlError(req, fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", c.transport))
	}
	if resp.Body == nil {
		if resp.ContentLength > 0 {
			return nil, urlError(req, fmt.Errorf("http: RoundTripper implementation (%T) returned a *Response with content length %d but a nil Body", c.transport, resp.ContentLength))
		}
		resp.Body = http.NoBody
	}
	return resp, nil
}

// urlError wraps err as net/http's Client does: Op is the method with only
// its first letter upper case ("Post").
func urlError(req *http.Request, err error) error {
	op := req.Method[:1] + strings.ToLower(req.Method[1:])
	return &url.Error{Op: op, URL: req.URL.Redacted(), Err: err}
}
