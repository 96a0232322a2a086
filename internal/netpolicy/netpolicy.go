// Package netpolicy decides whether the harness may send requests to a base
// URL, and builds the transport that reaches it.
//
// A base URL whose host is, or resolves only to, loopback addresses is a
// local server: it is reached by dialing exactly those addresses, never
// through a proxy, so credentials sent to it cannot leave the machine (Go's
// proxy settings exempt neither "*.localhost" names nor names that resolve
// to loopback). Any other base URL is a real service where requests change
// real state: it needs an explicit opt-in (live) and https.
package netpolicy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrNeedsLive is returned for a base URL that is not loopback when live is
// not set. It names no flag or option: each caller says how its users allow
// a live target.
var ErrNeedsLive = errors.New("the target is not a loopback address: requests change real state there (a defer is not undoable), so it must be allowed as live")

// LookupFunc resolves a host name, as net.Resolver.LookupIPAddr does.
type LookupFunc func(ctx context.Context, host string) ([]net.IPAddr, error)

// lookupIPAddr resolves a host name; tests replace it.
var lookupIPAddr LookupFunc = net.DefaultResolver.LookupIPAddr

// Target is a base URL the policy allows, with the transport to reach it.
type Target struct {
	// URL is the parsed base URL.
	URL *url.URL
	// Loopback is true when every address of the host is a loopback address.
	Loopback bool
	// Transport reaches the target: for a loopback target it dials the
	// resolved loopback addresses and never uses a proxy; otherwise it is a
	// clone of http.DefaultTransport.
	Transport *http.Transport
}

// Check parses base and applies the policy. A loopback target is always
// allowed; any other needs live and the https scheme.
func Check(ctx context.Context, base string, live bool) (*Target, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("target %q is not an http(s) URL", redact(base, u))
	}
	if u.User != nil {
		return nil, fmt.Errorf("target %q carries user info; credentials come from the environment", u.Redacted())
	}
	addrs, why := LoopbackAddrs(ctx, u.Hostname(), lookupIPAddr)
	switch {
	case addrs != nil:
		return &Target{URL: u, Loopback: true, Transport: LoopbackTransport(addrs)}, nil
	case !live:
		return nil, fmt.Errorf("%w (%s)", ErrNeedsLive, why)
	case u.Scheme != "https":
		return nil, fmt.Errorf("target %q is not a loopback address and not https: credentials would travel in clear text", u.Redacted())
	}
	return &Target{URL: u, Transport: defaultTransport()}, nil
}

// LoopbackAddrs returns the host's addresses when every one of them is a
// loopback address, else nil and the reason. A name is resolved with lookup
// (bounded to 5 seconds); its spelling ("localhost", "x.localhost") proves
// nothing.
func LoopbackAddrs(ctx context.Context, host string, lookup LookupFunc) ([]net.IP, string) {
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return []net.IP{ip}, ""
		}
		return nil, fmt.Sprintf("%s is not a loopback address", host)
	}
	if strings.Contains(host, "%") {
		return nil, fmt.Sprintf("%q is not a host name", host) // a zone on a name
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	found, err := lookup(ctx, host)
	if err != nil || len(found) == 0 {
		return nil, fmt.Sprintf("%s does not resolve", host)
	}
	ips := make([]net.IP, 0, len(found))
	for _, a := range found {
		if !a.IP.IsLoopback() {
			return nil, fmt.Sprintf("%s resolves to %s, not a loopback address", host, a.IP)
		}
		ips = append(ips, a.IP)
	}
	return ips, ""
}

// LoopbackTransport returns a clone of http.DefaultTransport that dials the
// given loopback addresses, in order, at the port a request names, whatever
// its host, and never uses a proxy: what reaches a server on this machine,
// as LoopbackAddrs found it, without letting a proxy see the request.
func LoopbackTransport(ips []net.IP) *http.Transport {
	t := defaultTransport()
	t.Proxy = nil
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		var errs []error
		for _, ip := range ips {
			c, err := dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
		}
		return nil, errors.Join(errs...)
	}
	return t
}

func defaultTransport() *http.Transport {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment}
}

// redact shows a base URL that may not parse without user info.
func redact(raw string, u *url.URL) string {
	if u != nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		return "…" + raw[i:]
	}
	return raw
}
