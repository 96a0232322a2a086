package atlastest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// TestStateTransitions drives every state transition with both kinds of
// credentials: two deferrals succeed and count, the third is refused, and
// each other state gets its own refusal.
func TestStateTransitions(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"service account", "API key"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := seeded(t)
			client := srv.Client()
			if mode == "API key" {
				client = srv.APIKeyClient()
			}
			ctx := t.Context()
			for want := 1; want <= atlastest.MaxDeferrals; want++ {
				require.NoError(t, client.DeferMaintenanceWindow(ctx, scheduled))
				p, ok := srv.Project(scheduled)
				require.True(t, ok)
				assert.Equal(t, want, p.Deferrals)
			}
			status, code := errorCode(t, client.DeferMaintenanceWindow(ctx, scheduled))
			assert.Equal(t, 400, status)
			assert.Equal(t, "ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED", code)
			p, _ := srv.Project(scheduled)
			assert.Equal(t, atlastest.MaxDeferrals, p.Deferrals, "a refused defer does not count")

			for id, want := range map[string]string{
				notScheduled: "ATLAS_MAINTENANCE_NOT_SCHEDULED",
				noWindow:     "ATLAS_MAINTENANCE_WINDOW_NOT_DEFINED",
			} {
				status, code := errorCode(t, client.DeferMaintenanceWindow(ctx, id))
				assert.Equal(t, 400, status, id)
				assert.Equal(t, want, code, id)
			}
			status, code = errorCode(t, client.DeferMaintenanceWindow(ctx, unknown))
			assert.Equal(t, 404, status)
			assert.Equal(t, atlas.CodeGroupNotFound, code, "real Atlas's answer to a well-formed unknown id (contract/testdata/atlascli/interactive-setupfailure.yaml)")

			srv.Reset()
			p, _ = srv.Project(scheduled)
			assert.Equal(t, 0, p.Deferrals, "Reset returns to the seeded state")
			require.NoError(t, client.DeferMaintenanceWindow(ctx, scheduled))
		})
	}
}

// TestSuccessIsAtlasEmpty200: the real success has no body and no
// Content-Type, the version in X-Content-Type.
func TestSuccessIsAtlasEmpty200(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	resp, body := digestPost(t, srv, deferURL(srv, scheduled))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, body)
	assert.Empty(t, resp.Header.Values("Content-Type"))
	assert.Equal(t, "application/vnd.atlas.2023-01-01+json", resp.Header.Get("X-Content-Type"))
}

// TestAuthFailures: no credentials, a wrong secret, a wrong private key,
// an expired or unknown token, and a credential without access.
func TestAuthFailures(t *testing.T) {
	t.Parallel()
	srv := seeded(t,
		atlastest.WithServiceAccount(atlastest.ServiceAccount{ClientID: "mdb_sa_id_a", ClientSecret: "mdb_sa_sk_a"}),
		atlastest.WithServiceAccount(atlastest.ServiceAccount{ClientID: "mdb_sa_id_b", ClientSecret: "mdb_sa_sk_b", Projects: []string{notScheduled}}),
		atlastest.WithAPIKey(atlastest.APIKey{PublicKey: "pubkey", PrivateKey: "privkey"}),
		atlastest.WithTokenLifetime(10*time.Minute),
	)
	ctx := t.Context()

	// No credentials: 401, a Digest challenge, and an ApiError our client decodes.
	anon, err := atlas.New(atlas.WithServer(srv.URL()))
	require.NoError(t, err)
	status, code := errorCode(t, anon.DeferMaintenanceWindow(ctx, scheduled))
	assert.Equal(t, 401, status)
	assert.Equal(t, "USER_UNAUTHORIZED", code)
	resp, _ := rawPost(t, deferURL(srv, scheduled), map[string]string{"Accept": "application/vnd.atlas.2023-01-01+json"})
	assert.Regexp(t, `^Digest realm="MMS Public API", domain="", nonce="[0-9a-f]{32}", algorithm=MD5, qop="auth", stale=false$`, resp.Header.Get("WWW-Authenticate"))

	// A wrong secret: the OAuth error a client expects.
	bad := srv.Client(atlas.WithServiceAccount("mdb_sa_id_a", "wrong"))
	err = bad.DeferMaintenanceWindow(ctx, scheduled)
	var te *atlas.TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 401, te.StatusCode)
	assert.Equal(t, "invalid_client", te.ErrorCode)
	assert.NotContains(t, err.Error(), "wrong", "the secret is never printed")

	// A wrong private key: 401 again, with the body.
	status, code = errorCode(t, srv.Client(atlas.WithAPIKey("pubkey", "nope")).DeferMaintenanceWindow(ctx, scheduled))
	assert.Equal(t, 401, status)
	assert.Equal(t, "USER_UNAUTHORIZED", code)
	status, _ = errorCode(t, srv.Client(atlas.WithAPIKey("nobody", "privkey")).DeferMaintenanceWindow(ctx, scheduled))
	assert.Equal(t, 401, status, "an unknown public key")

	// A credential without access to the project: 403.
	b := srv.Client(atlas.WithServiceAccount("mdb_sa_id_b", "mdb_sa_sk_b"))
	status, _ = errorCode(t, b.DeferMaintenanceWindow(ctx, scheduled))
	assert.Equal(t, 403, status)
	status, code = errorCode(t, b.DeferMaintenanceWindow(ctx, notScheduled))
	assert.Equal(t, 400, status)
	assert.Equal(t, "ATLAS_MAINTENANCE_NOT_SCHEDULED", code, "its own project: past authorization")

	// An expired token: 401. The token is good until the clock moves.
	good := srv.Client(atlas.WithServiceAccount("mdb_sa_id_a", "mdb_sa_sk_a"))
	require.NoError(t, good.DeferMaintenanceWindow(ctx, scheduled))
	srv.Advance(11 * time.Minute)
	status, _ = errorCode(t, good.DeferMaintenanceWindow(ctx, scheduled))
	assert.Equal(t, 401, status, "the cached token expired on the fake's clock")

	resp, body := rawPost(t, deferURL(srv, scheduled), map[string]string{
		"Accept": "application/vnd.atlas.2023-01-01+json", "Authorization": "Bearer made-up",
	})
	assert.Equal(t, 401, resp.StatusCode, "an unknown token")
	assert.Contains(t, string(body), "USER_UNAUTHORIZED")
}

// TestVersions: a later date reaches 2023-01-01; an earlier, malformed or
// missing one gets 406 INVALID_VERSION_DATE, which the fragment declares
// (the judging middleware would fail the test otherwise).
func TestVersions(t *testing.T) {
	t.Parallel()
	srv := newServer(t, atlastest.WithProjects(atlastest.ScheduledProject(scheduled)))
	ctx := t.Context()
	require.NoError(t, srv.Client(atlas.WithMediaType("application/vnd.atlas.2025-03-12+json")).DeferMaintenanceWindow(ctx, scheduled),
		"the newest version on or before the date")
	for _, accept := range []string{"application/vnd.atlas.2022-12-31+json", "application/json", "application/vnd.atlas.2023-13-45+json"} {
		status, code := errorCode(t, srv.Client(atlas.WithMediaType(accept)).DeferMaintenanceWindow(ctx, scheduled))
		assert.Equal(t, 406, status, accept)
		assert.Equal(t, "INVALID_VERSION_DATE", code, accept)
	}
	resp, _ := digestPostAccept(t, srv, deferURL(srv, scheduled), "")
	assert.Equal(t, 406, resp.StatusCode, "no Accept at all")
	assert.Empty(t, resp.Header.Get("RateLimit-Limit"), "a 406 comes before the operation, without rate-limit headers (defer-versions.yaml)")
}

// Test429IsRetried: past the bucket, 429 RATE_LIMITED_TOKEN_BUCKET with
// Retry-After and RateLimit-*, which WithRetryOn429 waits out.
func Test429IsRetried(t *testing.T) {
	t.Parallel()
	srv := seeded(t, atlastest.WithRateLimit(1, time.Second))
	noRetry := srv.Client()
	ctx := t.Context()
	require.NoError(t, noRetry.DeferMaintenanceWindow(ctx, scheduled))
	err := noRetry.DeferMaintenanceWindow(ctx, scheduled)
	var e *atlas.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 429, e.StatusCode)
	assert.Equal(t, "RATE_LIMITED_TOKEN_BUCKET", e.APIError.ErrorCode)
	assert.Equal(t, time.Second, e.RetryAfter)
	require.NotNil(t, e.APIError.Parameters)
	params := *e.APIError.Parameters
	require.Len(t, params, 5)
	assert.Equal(t, "api/atlas/v2/groups/"+scheduled+"/maintenanceWindow/defer", params[0])

	retrying := srv.Client(atlas.WithRetryOn429(3, 5*time.Second))
	require.NoError(t, retrying.DeferMaintenanceWindow(ctx, scheduled), "retried after Retry-After")
	var statuses []int
	for _, j := range srv.Journal() {
		if j.Project == scheduled {
			statuses = append(statuses, j.Status)
		}
	}
	assert.Equal(t, []int{200, 429, 429, 200}, statuses)

	// A 401 is not retried.
	anon, err := atlas.New(atlas.WithServer(srv.URL()), atlas.WithRetryOn429(3, 5*time.Second))
	require.NoError(t, err)
	status, _ := errorCode(t, anon.DeferMaintenanceWindow(ctx, scheduled))
	assert.Equal(t, 401, status)
}

// TestEnvelope: envelope=true wraps every answer; the client unwraps it to
// the same result either way, with either transport status.
func TestEnvelope(t *testing.T) {
	t.Parallel()
	for _, ok200 := range []bool{false, true} {
		opts := []atlastest.Option{}
		if ok200 {
			opts = append(opts, atlastest.WithEnvelopeStatusOK())
		}
		srv := seeded(t, opts...)
		client := srv.Client(atlas.WithEnvelope(true))
		ctx := t.Context()
		require.NoError(t, client.DeferMaintenanceWindow(ctx, scheduled))
		_, code := errorCode(t, client.DeferMaintenanceWindow(ctx, notScheduled))
		assert.Equal(t, "ATLAS_MAINTENANCE_NOT_SCHEDULED", code)

		resp, body := digestPost(t, srv, deferURL(srv, scheduled)+"?envelope=true")
		assert.Equal(t, `{"content":{},"status":200}`, string(body))
		assert.Equal(t, "application/vnd.atlas.2023-01-01+json;charset=utf-8", resp.Header.Get("Content-Type"), "the recorded enveloped 200's (defer-envelope.yaml, interaction 0)")
		assert.Empty(t, resp.Header.Get("X-Content-Type"))

		resp, body = digestPost(t, srv, deferURL(srv, noWindow)+"?envelope=true")
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"), "the recorded enveloped errors'")
		assert.JSONEq(t, `{"status":400,"content":{"detail":"The project has no maintenance window defined.","error":400,"errorCode":"ATLAS_MAINTENANCE_WINDOW_NOT_DEFINED","parameters":["`+noWindow+`"],"reason":"Bad Request"}}`, string(body))
		if ok200 {
			assert.Equal(t, 200, resp.StatusCode)
		} else {
			assert.Equal(t, 400, resp.StatusCode)
		}
	}
}

// TestScriptedFaults: a scripted answer applies to one project only, in
// order, then the fake answers from state again.
func TestScriptedFaults(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	client := srv.Client()
	ctx := t.Context()
	srv.Script(scheduled,
		atlastest.Reply{Status: 500},
		atlastest.Reply{ProxyHTML: true},
		atlastest.Reply{Drop: true},
		atlastest.Reply{Delay: time.Second},
		atlastest.Reply{Status: 429},
	)
	_, code := errorCode(t, client.DeferMaintenanceWindow(ctx, notScheduled))
	assert.Equal(t, "ATLAS_MAINTENANCE_NOT_SCHEDULED", code, "another project is not scripted")

	status, code := errorCode(t, client.DeferMaintenanceWindow(ctx, scheduled))
	assert.Equal(t, 500, status)
	assert.Equal(t, "UNEXPECTED_ERROR", code)

	var e *atlas.Error
	require.ErrorAs(t, client.DeferMaintenanceWindow(ctx, scheduled), &e)
	assert.Equal(t, 502, e.StatusCode)
	assert.Contains(t, string(e.Body), "502 Bad Gateway")

	err := client.DeferMaintenanceWindow(ctx, scheduled)
	require.Error(t, err)
	assert.False(t, errors.As(err, &e), "a dropped connection is a transport error: %v", err)

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, client.DeferMaintenanceWindow(short, scheduled), context.DeadlineExceeded)

	status, _ = errorCode(t, client.DeferMaintenanceWindow(ctx, scheduled))
	assert.Equal(t, 429, status)
	p, _ := srv.Project(scheduled)
	assert.Equal(t, 1, p.Deferrals, "scripted answers change no state; the late answer did, as a real timeout may")
	require.NoError(t, client.DeferMaintenanceWindow(ctx, scheduled), "the script is used up")
	p, _ = srv.Project(scheduled)
	assert.Equal(t, 2, p.Deferrals)
}

// TestConcurrentDefers: of 100 concurrent defers of one project exactly
// two succeed.
func TestConcurrentDefers(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	client := srv.Client()
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		ok, limit int
		other     []error
	)
	for range 100 {
		wg.Go(func() {
			err := client.DeferMaintenanceWindow(t.Context(), scheduled)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case atlas.HasErrorCode(err, "ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED"):
				limit++
			default:
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	assert.Empty(t, other)
	assert.Equal(t, 2, ok)
	assert.Equal(t, 98, limit)
}

// TestMalformedRequests: what a client that skips the checks our client
// makes gets: a malformed groupId 404 INVALID_GROUP_ID, as Atlas answers,
// and a non-boolean envelope 400.
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	resp, body := digestPost(t, srv, srv.URL()+"/api/atlas/v2/groups/NOT-A-GROUP/maintenanceWindow/defer")
	assert.Equal(t, 404, resp.StatusCode)
	assert.JSONEq(t, `{"detail":"Invalid group ID NOT-A-GROUP.","error":404,"errorCode":"INVALID_GROUP_ID","parameters":["NOT-A-GROUP"],"reason":"Not Found"}`, string(body))
	resp, body = digestPost(t, srv, deferURL(srv, scheduled)+"?envelope=maybe")
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(body), "envelope")
	p, _ := srv.Project(scheduled)
	assert.Zero(t, p.Deferrals)
}

// TestUnknownProjectIsGroupNotFound: a well-formed project id the fake does
// not hold gets real Atlas's answer to such an id (the Atlas CLI's snapshot
// in contract/testdata/atlascli/interactive-setupfailure.yaml), byte for
// byte the body of defer-errors.yaml, interaction 3 (404 GROUP_NOT_FOUND);
// a malformed one gets INVALID_GROUP_ID.
func TestUnknownProjectIsGroupNotFound(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	const id = "5f0000000000000000000000"
	resp, body := digestPost(t, srv, deferURL(srv, id))
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, `{"detail":"No group with ID 5f0000000000000000000000 exists.","error":404,"errorCode":"GROUP_NOT_FOUND","parameters":["5f0000000000000000000000"],"reason":"Not Found"}`, string(body))
	err := srv.Client().DeferMaintenanceWindow(t.Context(), id)
	assert.True(t, atlas.HasErrorCode(err, atlas.CodeGroupNotFound), "%v", err)
}

// TestMount: behind a proxy's mount point the client, given URL(), works,
// and a request outside the mount is an unknown path.
func TestMount(t *testing.T) {
	t.Parallel()
	srv := newServer(t, atlastest.WithMount("/atlas"))
	require.NoError(t, srv.Client().DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID))
	resp, _ := rawPost(t, strings.TrimSuffix(srv.URL(), "/atlas")+"/api/atlas/v2/groups/"+atlastest.DefaultProjectID+"/maintenanceWindow/defer", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
