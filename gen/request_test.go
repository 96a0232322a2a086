package atlas

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// opPath is the operation's path for groupID below the base path /base.
func opPath(groupID string) string {
	return "/base/api/atlas/v2/groups/" + groupID + "/maintenanceWindow/defer"
}

// emptyOK answers 200 with no body, as Atlas does.
func emptyOK(r *http.Request) *http.Response {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: r}
}

// TestOneLineCallTransportErrors checks that transport failures come back
// wrapped as net/http's Client wraps them, in a *url.Error naming the method
// and URL, and that a transport's malformed answer is an error, not a panic.
func TestOneLineCallTransportErrors(t *testing.T) {
	t.Parallel()
	const server = "http://atlas.invalid/base"
	wantURL := "http://atlas.invalid" + opPath(testGroupID)
	boom := errors.New("connection reset")
	cases := []struct {
		name    string
		respond func(*http.Request) (*http.Response, error)
		is      error
		want    string
	}{
		{name: "error", is: boom, want: "connection reset",
			respond: func(*http.Request) (*http.Response, error) { return nil, boom }},
		{name: "error with a response", is: boom, want: "connection reset",
			respond: func(r *http.Request) (*http.Response, error) { return emptyOK(r), boom }},
		{name: "no response", want: "returned a nil *Response with a nil error",
			respond: func(*http.Request) (*http.Response, error) { return nil, nil }},
		{name: "no body but a length", want: "with content length 5 but a nil Body",
			respond: func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: 5, Request: r}, nil
			}},
	}
	for _, tc := range cases {
		c := mustNew(t, WithServer(server), WithTransport(roundTripFunc(tc.respond)))
		err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
		var ue *url.Error
		require.ErrorAs(t, err, &ue, tc.name)
		assert.Equal(t, "Post", ue.Op, tc.name)
		assert.Equal(t, wantURL, ue.URL, tc.name)
		assert.ErrorContains(t, err, tc.want, tc.name)
		if tc.is != nil {
			assert.ErrorIs(t, err, tc.is, tc.name)
		}
	}

	c := mustNew(t, WithServer(server), WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r}, nil
	})))
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID), "a nil body of length 0 is an empty one")
}

// TestOneLineCallSchemeMismatch checks that an https:// server answering in
// clear text gives net/http's http.ErrSchemeMismatch.
func TestOneLineCallSchemeMismatch(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) }))
	t.Cleanup(srv.Close)
	c := mustNew(t, WithServer(strings.Replace(srv.URL, "http://", "https://", 1)))
	err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
	require.ErrorIs(t, err, http.ErrSchemeMismatch)
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
}

// TestOneLineCallRedirectsNotFollowed checks that every redirect status
// comes back as an *Error after one request, whatever its Location.
func TestOneLineCallRedirectsNotFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		calls := 0
		c := mustNew(t, WithServer("http://atlas.invalid/base"), WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			calls++
			return &http.Response{StatusCode: status, Header: http.Header{"Location": {"http://elsewhere.invalid/x"}},
				Body: http.NoBody, Request: r}, nil
		})))
		var e *Error
		require.ErrorAs(t, c.DeferMaintenanceWindow(t.Context(), testGroupID), &e, "status %d", status)
		assert.Equal(t, status, e.StatusCode)
		assert.Equal(t, 1, calls, "status %d", status)
	}
}

// TestOneLineCallDeadline checks the deadline the transport sees: the
// Client's timeout when the context has none, the context's own otherwise,
// and none with WithTimeout(0).
func TestOneLineCallDeadline(t *testing.T) {
	t.Parallel()
	var deadline time.Time
	var has bool
	opts := func(timeout time.Duration) []Option {
		return []Option{WithServer("http://atlas.invalid/base"), WithTimeout(timeout),
			WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
				deadline, has = r.Context().Deadline()
				return emptyOK(r), nil
			}))}
	}
	c := mustNew(t, opts(time.Hour)...)
	start := time.Now()
	require.NoError(t, c.DeferMaintenanceWindow(context.Background(), testGroupID))
	require.True(t, has, "a context without a deadline gets the Client's")
	assert.WithinRange(t, deadline, start.Add(time.Hour-time.Hour/deadlineShareFraction), time.Now().Add(time.Hour))

	own := time.Now().Add(3 * time.Hour)
	ctx, cancel := context.WithDeadline(context.Background(), own)
	defer cancel()
	require.NoError(t, c.DeferMaintenanceWindow(ctx, testGroupID))
	require.True(t, has)
	assert.True(t, own.Equal(deadline), "the context's own deadline is kept")

	c = mustNew(t, opts(0)...)
	require.NoError(t, c.DeferMaintenanceWindow(context.Background(), testGroupID))
	assert.False(t, has, "WithTimeout(0) adds no deadline")
}

// TestTransportSeesTheBuiltRequest checks what the base transport gets, for
// both calls: the generated builder's request as http.NewRequest makes it,
// Host included (recorders such as go-vcr match on it), with the Client's
// Accept and User-Agent.
func TestTransportSeesTheBuiltRequest(t *testing.T) {
	t.Parallel()
	var got []*http.Request
	c := mustNew(t, WithServer("http://atlas.invalid/base"), WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r)
		return emptyOK(r), nil
	})))
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	_, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	require.Len(t, got, 2)
	for _, r := range got {
		assert.Equal(t, "atlas.invalid", r.Host)
		assert.Equal(t, "http://atlas.invalid"+opPath(testGroupID), r.URL.String())
		assert.Equal(t, []string{MediaType}, r.Header["Accept"])
		assert.Equal(t, []string{userAgent()}, r.Header["User-Agent"])
	}
}

// TestRequestAsTheBuilderMakesIt checks that the request the Client sends
// is the one the generated builder makes from the whole server URL (the
// Client gives the builder the server's path and puts the scheme and host
// itself): the same URL, escaped path and Host, with and without envelope.
func TestRequestAsTheBuilderMakesIt(t *testing.T) {
	t.Parallel()
	for _, server := range []string{"https://cloud.mongodb.com", "http://127.0.0.1:8080/mock", "http://[::1]:8080/a%2Fb/c",
		"https://Atlas.Example:443/x y", "http://atlas.invalid:/base"} {
		for _, params := range []*DeferMaintenanceWindowParams{nil, {Envelope: ptr(true)}} {
			c := mustNew(t, WithServer(server))
			got, err := c.newRequest(t.Context(), testGroupID, params)
			require.NoError(t, err, server)
			want, err := newDeferMaintenanceWindowRequest(c.server+"/", testGroupID, params)
			require.NoError(t, err, server)
			assert.Equal(t, want.URL.String(), got.URL.String(), server)
			assert.Equal(t, want.URL.EscapedPath(), got.URL.EscapedPath(), server)
			assert.Equal(t, want.Host, got.Host, server)
			assert.Equal(t, *want.URL, *got.URL, server)
		}
	}
}

// TestEditorsCannotChangeLaterCalls checks that an editor that writes into
// the header values it is given (which requests share otherwise) changes
// its own request only.
func TestEditorsCannotChangeLaterCalls(t *testing.T) {
	t.Parallel()
	var accepts []string
	c := mustNew(t, WithServer("http://atlas.invalid"), WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		accepts = append(accepts, r.Header.Get("Accept"))
		return emptyOK(r), nil
	})))
	_, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil, func(_ context.Context, r *http.Request) error {
		r.Header["Accept"][0] = "text/plain"
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	_, err = c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"text/plain", MediaType, MediaType}, accepts)
}
