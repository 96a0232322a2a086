package atlas

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const nginx502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// TestDeferMaintenanceWindowStatuses runs the one-line call against every
// declared status, undeclared ones and non-JSON bodies, and checks both what
// the server received and what the caller gets.
func TestDeferMaintenanceWindowStatuses(t *testing.T) {
	t.Parallel()
	const prefix = "POST " + testOpPath + ": "
	cases := []struct {
		name       string
		respond    func(http.ResponseWriter)
		wantStatus int // 0: success
		wantCode   string
		wantErr    string
		check      func(*testing.T, *Error)
	}{
		{name: "200 as Atlas sends it", respond: atlasOK},
		{name: "200 with a charset", respond: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", MediaType+";charset=utf-8")
			_, _ = w.Write([]byte(`{}`))
		}},
		{name: "400", wantStatus: 400, wantCode: "ATLAS_MAINTENANCE_NOT_SCHEDULED",
			respond: func(w http.ResponseWriter) {
				writeJSON(w, 400, `{"detail":"No maintenance is scheduled for project 32b6e34b3d91647abb20e7b8.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","parameters":["32b6e34b3d91647abb20e7b8"],"reason":"Bad Request"}`)
			},
			wantErr: prefix + "400 ATLAS_MAINTENANCE_NOT_SCHEDULED: No maintenance is scheduled for project 32b6e34b3d91647abb20e7b8.",
		},
		{name: "400 with badRequestDetail", wantStatus: 400, wantCode: "VALIDATION_ERROR",
			respond: func(w http.ResponseWriter) {
				writeJSON(w, 400, `{"error":400,"errorCode":"VALIDATION_ERROR","reason":"Bad Request","badRequestDetail":{"fields":[{"field":"groupId","description":"must be hex"}]}}`)
			},
			wantErr: prefix + "400 VALIDATION_ERROR: Bad Request",
			check: func(t *testing.T, e *Error) {
				require.NotNil(t, e.APIError.BadRequestDetail)
				assert.Equal(t, []FieldViolation{{Field: "groupId", Description: "must be hex"}}, *e.APIError.BadRequestDetail.Fields)
			},
		},
		{name: "401", wantStatus: 401, wantCode: "NOT_ORG_GROUP_CREATOR",
			respond: func(w http.ResponseWriter) {
				writeJSON(w, 401, `{"error":401,"errorCode":"NOT_ORG_GROUP_CREATOR","reason":"Unauthorized"}`)
			},
			wantErr: prefix + "401 NOT_ORG_GROUP_CREATOR: Unauthorized",
		},
		{name: "403", wantStatus: 403, wantCode: "CANNOT_CHANGE_GROUP_NAME",
			respond: func(w http.ResponseWriter) {
				writeJSON(w, 403, `{"error":403,"errorCode":"CANNOT_CHANGE_GROUP_NAME","detail":"Forbidden here.","reason":"Forbidden"}`)
			},
			wantErr: prefix + "403 CANNOT_CHANGE_GROUP_NAME: Forbidden here.",
		},
		{name: "404", wantStatus: 404, wantCode: "RESOURCE_NOT_FOUND",
			respond: func(w http.ResponseWriter) {
				writeJSON(w, 404, `{"error":404,"errorCode":"RESOURCE_NOT_FOUND","detail":"Cannot find resource.","reason":"Not Found"}`)
			},
			wantErr: prefix + "404 RESOURCE_NOT_FOUND: Cannot find resource.",
		},
		{name: "429 with scalar parameters", wantStatus: 429, wantCode: "RATE_LIMITED_TOKEN_BUCKET",
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "60")
				writeJSON(w, 429, `{"detail":"Resource api/atlas/v2/orgs is limited to 55 requests every 10 seconds.","error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","parameters":["api/atlas/v2/orgs",55,10,5,60],"reason":"Too Many Requests"}`)
			},
			wantErr: prefix + "429 RATE_LIMITED_TOKEN_BUCKET: Resource api/atlas/v2/orgs is limited to 55 requests every 10 seconds.",
			check: func(t *testing.T, e *Error) {
				assert.Equal(t, time.Minute, e.RetryAfter)
				assert.Equal(t, []any{"api/atlas/v2/orgs", 55.0, 10.0, 5.0, 60.0}, *e.APIError.Parameters)
			},
		},
		{name: "500", wantStatus: 500, wantCode: "UNEXPECTED_ERROR",
			respond: func(w http.ResponseWriter) {
				writeJSON(w, 500, `{"error":500,"errorCode":"UNEXPECTED_ERROR","reason":"Internal Server Error"}`)
			},
			wantErr: prefix + "500 UNEXPECTED_ERROR: Internal Server Error",
		},
		{name: "undeclared 406", wantStatus: 406, wantCode: "INVALID_VERSION_DATE",
			respond: func(w http.ResponseWriter) {
				writeJSON(w, 406, `{"detail":"Invalid version date.","error":406,"errorCode":"INVALID_VERSION_DATE","parameters":[],"reason":"Not Acceptable"}`)
			},
			wantErr: prefix + "406 INVALID_VERSION_DATE: Invalid version date.",
		},
		{name: "undeclared 410 VERSION_GONE", wantStatus: 410, wantCode: "VERSION_GONE",
			respond: func(w http.ResponseWriter) {
				writeJSON(w, 410, `{"detail":"The version 2023-01-01 has been retired.","error":410,"errorCode":"VERSION_GONE","reason":"Gone"}`)
			},
			wantErr: prefix + "410 VERSION_GONE: The version 2023-01-01 has been retired.",
		},
		{name: "HTML 502 from a proxy", wantStatus: 502,
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				_, _ = w.Write([]byte(nginx502))
			},
			wantErr: prefix + "502 Bad Gateway",
			check: func(t *testing.T, e *Error) {
				assert.Nil(t, e.APIError)
				assert.Equal(t, nginx502, string(e.Body))
			},
		},
		{name: "plain-text 503", wantStatus: 503,
			respond: func(w http.ResponseWriter) {
				w.WriteHeader(503)
				_, _ = w.Write([]byte("upstream connect error\nor disconnect/reset before headers\x00"))
			},
			wantErr: prefix + "503 Service Unavailable: upstream connect error or disconnect/reset before headers",
		},
		{name: "empty 500", wantStatus: 500, respond: func(w http.ResponseWriter) { w.WriteHeader(500) },
			wantErr: prefix + "500 Internal Server Error",
		},
		{name: "huge HTML 502 is capped", wantStatus: 502,
			respond: func(w http.ResponseWriter) {
				w.WriteHeader(502)
				_, _ = w.Write([]byte("<html><body>" + strings.Repeat("x", 3*MaxErrorBody) + "</body></html>"))
			},
			check: func(t *testing.T, e *Error) {
				assert.Len(t, e.Body, MaxErrorBody)
				assert.True(t, e.Truncated)
				assert.Less(t, len(e.Error()), 400, "the message quotes a short snippet only")
			},
		},
		{name: "redirect is not followed", wantStatus: 307,
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Location", "/elsewhere")
				w.WriteHeader(307)
			},
			wantErr: prefix + "307 Temporary Redirect",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { tc.respond(w) })
			c := newTestClient(t, f)

			err := c.DeferMaintenanceWindow(t.Context(), testGroupID)

			reqs := f.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, http.MethodPost, reqs[0].Method)
			assert.Equal(t, testOpPath, reqs[0].Path)
			assert.Empty(t, reqs[0].RawQuery, "no envelope query unless asked for")
			assert.Equal(t, []string{MediaType}, reqs[0].Header.Values("Accept"))
			assert.Equal(t, userAgent(), reqs[0].Header.Get("User-Agent"))
			assert.Empty(t, reqs[0].Header.Get("Authorization"), "New without credentials sends none")

			if tc.wantStatus == 0 {
				require.NoError(t, err)
				return
			}
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, http.MethodPost, e.Method)
			assert.Equal(t, testOpPath, e.Path)
			assert.Equal(t, tc.wantStatus, e.StatusCode)
			if tc.wantCode != "" {
				require.NotNil(t, e.APIError)
				assert.Equal(t, tc.wantCode, e.APIError.ErrorCode)
				assert.True(t, HasErrorCode(err, tc.wantCode))
			}
			if tc.wantErr != "" {
				assert.Equal(t, tc.wantErr, err.Error())
			}
			if tc.check != nil {
				tc.check(t, e)
			}
		})
	}
}

// TestDeferMaintenanceWindowInvalidGroupID checks that a bad groupId is
// refused before anything is sent, with the pattern in the message.
func TestDeferMaintenanceWindowInvalidGroupID(t *testing.T) {
	t.Parallel()
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) })
	c := newTestClient(t, f)
	for _, id := range []string{"", "abc", strings.ToUpper(testGroupID), " " + testGroupID, testGroupID + "/../x", "../" + testGroupID[3:]} {
		err := c.DeferMaintenanceWindow(t.Context(), id)
		var ge *GroupIDError
		require.ErrorAs(t, err, &ge, "groupId %q", id)
		assert.Equal(t, id, ge.GroupID)
		assert.Contains(t, err.Error(), GroupIDPattern)
	}
	assert.Empty(t, f.requests(), "an invalid groupId must send nothing")
}

// TestDeferMaintenanceWindowContext checks that a cancelled context stops the
// call, before sending and while waiting for the answer.
func TestDeferMaintenanceWindowContext(t *testing.T) {
	t.Parallel()
	t.Run("cancelled before the call", func(t *testing.T) {
		t.Parallel()
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) })
		c := newTestClient(t, f)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := c.DeferMaintenanceWindow(ctx, testGroupID)
		require.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, f.requests())
	})
	t.Run("cancelled in flight", func(t *testing.T) {
		t.Parallel()
		arrived, release := make(chan struct{}), make(chan struct{})
		defer close(release)
		f := newFakeAtlas(t, func(w http.ResponseWriter, r *http.Request) {
			close(arrived)
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		c := newTestClient(t, f)
		cancelWhenArrived(t, c, arrived)
	})
}

// TestMediaTypeOverride checks that WithMediaType replaces Accept on both paths.
func TestMediaTypeOverride(t *testing.T) {
	t.Parallel()
	const mt = "application/vnd.atlas.2025-03-12+json"
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) })
	c := newTestClient(t, f, WithMediaType(mt))
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
	_, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	reqs := f.requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, []string{mt}, r.Header.Values("Accept"))
	}
}

// TestGeneratedAPI checks that the generated ...WithResponse API, reached
// through Client, gets the same headers, groupId check and envelope setting,
// and that CheckResponse gives the same *Error as the one-line call.
func TestGeneratedAPI(t *testing.T) {
	t.Parallel()
	const body400 = `{"detail":"Not scheduled.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","reason":"Bad Request"}`

	t.Run("success", func(t *testing.T) {
		t.Parallel()
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) })
		c := newTestClient(t, f)
		rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, rsp.StatusCode())
		require.NoError(t, CheckResponse(rsp))
		reqs := f.requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, http.MethodPost, reqs[0].Method)
		assert.Equal(t, testOpPath, reqs[0].Path)
		assert.Equal(t, MediaType, reqs[0].Header.Get("Accept"))
		assert.Equal(t, userAgent(), reqs[0].Header.Get("User-Agent"))
	})
	t.Run("error equals the one-line call's", func(t *testing.T) {
		t.Parallel()
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 400, body400) })
		c := newTestClient(t, f)
		rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
		require.NoError(t, err)
		require.NotNil(t, rsp.JSON400)
		assert.Equal(t, CodeMaintenanceNotScheduled, rsp.JSON400.ErrorCode)
		fromGenerated := CheckResponse(rsp)
		fromCall := c.DeferMaintenanceWindow(t.Context(), testGroupID)
		require.Error(t, fromGenerated)
		assert.Equal(t, fromCall, fromGenerated)
	})
	t.Run("invalid groupId sends nothing", func(t *testing.T) {
		t.Parallel()
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) })
		c := newTestClient(t, f)
		for _, id := range []string{"abc", strings.ToUpper(testGroupID), "", "a/b", ".."} {
			_, err := c.DeferMaintenanceWindowWithResponse(t.Context(), id, nil)
			var ge *GroupIDError
			require.ErrorAs(t, err, &ge, "groupId %q", id)
			assert.Contains(t, err.Error(), GroupIDPattern)
		}
		assert.Empty(t, f.requests())
	})
	t.Run("envelope setting and per-call editors", func(t *testing.T) {
		t.Parallel()
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, `{"status":400,"content":`+body400+`}`)
		})
		c := newTestClient(t, f, WithEnvelope(true))
		rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
		require.NoError(t, err)
		var e *Error
		require.ErrorAs(t, CheckResponse(rsp), &e)
		assert.Equal(t, 400, e.StatusCode)
		assert.True(t, HasErrorCode(e, CodeMaintenanceNotScheduled))

		_, err = c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID,
			&DeferMaintenanceWindowParams{Envelope: ptr(false)},
			func(_ context.Context, r *http.Request) error {
				r.Header.Set("Accept", "application/vnd.atlas.2025-03-12+json")
				return nil
			})
		require.NoError(t, err)
		reqs := f.requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, "envelope=true", reqs[0].RawQuery)
		assert.Equal(t, "envelope=false", reqs[1].RawQuery, "an explicit envelope param wins")
		assert.Equal(t, "application/vnd.atlas.2025-03-12+json", reqs[1].Header.Get("Accept"), "a per-call editor runs last")
	})
	t.Run("CheckResponse without a response", func(t *testing.T) {
		t.Parallel()
		require.Error(t, CheckResponse(nil))
		require.Error(t, CheckResponse(&DeferMaintenanceWindowResponse{}))
	})
}

// TestBasePathIsKept checks that a server URL with a path, with or without a
// trailing slash, keeps it for the operation.
func TestBasePathIsKept(t *testing.T) {
	t.Parallel()
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { atlasOK(w) })
	for _, base := range []string{f.URL(), f.URL() + "/"} {
		c, err := New(WithServer(base))
		require.NoError(t, err)
		require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))
		_, err = c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
		require.NoError(t, err)
	}
	for _, r := range f.requests() {
		assert.Equal(t, testOpPath, r.Path)
	}
	assert.Len(t, f.requests(), 4)
}

// TestTransportErrorIsReturned checks that a network failure comes back as
// it is, not as an *Error.
func TestTransportErrorIsReturned(t *testing.T) {
	t.Parallel()
	c, err := New(WithServer("http://127.0.0.1:1"), WithTransport(roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("connection refused")
	})))
	require.NoError(t, err)
	err = c.DeferMaintenanceWindow(t.Context(), testGroupID)
	require.ErrorContains(t, err, "connection refused")
	var e *Error
	assert.False(t, errors.As(err, &e))
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestDo checks that Do authenticates but adds nothing else and checks
// nothing: a recorded request goes out as it was.
func TestDo(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{t: t, expiresIn: 3600}
	f, seen := oauthAtlas(t, ts)
	c := newTestClient(t, f, WithServiceAccount(testClientID, testClientSecret))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.URL()+"/api/atlas/v2/groups/NOT-HEX/maintenanceWindow/defer", nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, []string{"Bearer tok-1"}, seen())
	reqs := f.apiRequests()
	require.Len(t, reqs, 1)
	assert.Empty(t, reqs[0].Header.Get("Accept"))

	_, err = c.Do(nil)
	require.Error(t, err)
}

// TestTransportWithoutRequestInResponse checks a custom transport that
// returns responses without Request: the one-line call names the request it
// built, for success, an error and an unreadable success body.
func TestTransportWithoutRequestInResponse(t *testing.T) {
	t.Parallel()
	respond := func(status int, body io.Reader) Option {
		return WithTransport(roundTripFunc(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
				ContentLength: -1, Body: io.NopCloser(body)}, nil
		}))
	}
	base := "http://atlas.invalid/base"
	const path = "/base/api/atlas/v2/groups/" + testGroupID + "/maintenanceWindow/defer"

	c := mustNew(t, WithServer(base), respond(200, strings.NewReader("")))
	require.NoError(t, c.DeferMaintenanceWindow(t.Context(), testGroupID))

	c = mustNew(t, WithServer(base), respond(400, strings.NewReader(`{"error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","detail":"Nothing to defer."}`)))
	err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.MethodPost, e.Method)
	assert.Equal(t, path, e.Path)
	assert.Equal(t, "POST "+path+": 400 ATLAS_MAINTENANCE_NOT_SCHEDULED: Nothing to defer.", err.Error())

	c = mustNew(t, WithServer(base), WithEnvelope(true),
		respond(200, io.MultiReader(strings.NewReader(`{"status":`), iotest.ErrReader(errors.New("reset")))))
	err = c.DeferMaintenanceWindow(t.Context(), testGroupID)
	require.ErrorContains(t, err, "POST "+path+": 200: reading the body: reset")
}

// cancelWhenArrived starts a one-line call, cancels its context once the
// server signals arrived, and requires the call to return context.Canceled
// promptly.
func cancelWhenArrived(t *testing.T, c *Client, arrived <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.DeferMaintenanceWindow(ctx, testGroupID) }()
	<-arrived
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not return after its context was cancelled")
	}
}
