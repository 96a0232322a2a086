package atlastest_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mongodb-forks/digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
	"github.com/atlascontract/deferwindow/openapi"
)

// TestFragmentChangeIsCaught: the fake's traffic judged against a fragment
// its answers break (the operation no longer declares 400) is reported,
// with the rule; under the real fragment the same traffic passes.
func TestFragmentChangeIsCaught(t *testing.T) {
	t.Parallel()
	changed := strings.Replace(string(openapi.Fragment), "                \"400\":\n                    $ref: '#/components/responses/badRequest'\n", "", 1)
	require.NotEqual(t, string(openapi.Fragment), changed, "the edit applies")
	spec, err := contract.LoadSpec([]byte(changed), "changed.yaml")
	require.NoError(t, err)

	for _, tc := range []struct {
		checker *contract.Checker
		want    int
	}{{contract.NewChecker(spec, ""), 1}, {defaultChecker(t), 0}} {
		v := &violations{}
		srv := atlastest.NewServer(t, judgedBy(tc.checker, "", v.add), atlastest.WithProjects(atlastest.Project{ID: notScheduled, WindowDefined: true}))
		err = srv.Client().DeferMaintenanceWindow(t.Context(), notScheduled)
		assert.True(t, atlas.HasErrorCode(err, atlas.CodeMaintenanceNotScheduled))
		got := v.list()
		require.Len(t, got, tc.want)
		if tc.want > 0 {
			assert.Equal(t, 400, got[0].Status)
			assert.Equal(t, contract.Rule("status-undeclared"), got[0].Findings[0].Rule)
		}
	}
}

// TestScriptedUndeclaredStatusIsCaught: a scripted status the fragment does
// not declare is an answer that breaks it, and the judge says so; a fault
// asked for (a proxy's page, marked with FaultHeader) and a dropped
// connection are not judged.
func TestScriptedUndeclaredStatusIsCaught(t *testing.T) {
	t.Parallel()
	v := &violations{}
	srv := atlastest.NewServer(t, judgedBy(defaultChecker(t), "", v.add))
	srv.Script(atlastest.DefaultProjectID, atlastest.Reply{Status: http.StatusServiceUnavailable},
		atlastest.Reply{ProxyHTML: true, Status: http.StatusServiceUnavailable}, atlastest.Reply{Drop: true})
	client := srv.Client()
	_ = client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID)
	got := v.list()
	require.Len(t, got, 1)
	assert.Equal(t, 503, got[0].Status)
	assert.Equal(t, contract.Rule("status-undeclared"), got[0].Findings[0].Rule)

	var e *atlas.Error
	require.ErrorAs(t, client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID), &e)
	assert.Equal(t, 503, e.StatusCode)
	assert.Contains(t, string(e.Body), "<html>")
	require.Error(t, client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID))
	assert.Len(t, v.list(), 1, "the proxy page and the drop were asked for")
}

// TestRequestChecksAgreeWithTheChecker: for each malformed groupId, Accept
// header and envelope value, the fake refuses the request exactly when the
// checker finds it invalid, so the fake checks what the fragment says,
// from its own data, and neither more nor less.
func TestRequestChecksAgreeWithTheChecker(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	checker := defaultChecker(t)
	type variant struct{ id, accept, query string }
	var cases []variant
	for _, id := range []string{scheduled, "NOT-A-GROUP", "5F1A2B3C4D5E6F7A8B9C0D1E", "5f1a2b3c4d5e6f7a8b9c0d1", "5f1a2b3c4d5e6f7a8b9c0d1e0", "%35f1a2b3c4d5e6f7a8b9c0d1e", "a%2Fb", " 5f1a2b3c4d5e6f7a8b9c0d1e"} {
		cases = append(cases, variant{id, atlas.MediaType, ""})
	}
	for _, accept := range []string{"", "application/json", "application/vnd.atlas.2022-12-31+json", "application/vnd.atlas.2023-01-01+json",
		"application/vnd.atlas.2031-01-01+json", "APPLICATION/VND.ATLAS.2023-01-01+JSON", "application/vnd.atlas.2023-02-30+json",
		"application/json, application/vnd.atlas.2024-01-01+json;q=0.5", "application/vnd.atlas.2023-01-01+json;charset=utf-8", "*/*",
		"application/vnd.atlas.preview+json", "application/vnd.atlas.preview+json, application/vnd.atlas.2023-01-01+json",
		"application/vnd.atlas.2023-01-01+csv", "application/vnd.atlas.2023-01-01+csv, application/vnd.atlas.2024-01-01+json",
		"application/vnd.atlas.2024-02-30+json", "application/vnd.atlas.2024-02-29+json"} {
		cases = append(cases, variant{scheduled, accept, ""})
	}
	for _, q := range []string{"envelope=true", "envelope=false", "envelope=TRUE", "envelope=1", "envelope=yes", "envelope=", "envelope", "envelope=true&envelope=nope", "pretty=true", "envelope=%74rue"} {
		cases = append(cases, variant{scheduled, atlas.MediaType, q})
	}
	for _, c := range cases {
		srv.Reset()
		target := deferURL(srv, c.id)
		if c.query != "" {
			target += "?" + c.query
		}
		resp, body := digestPostAccept(t, srv, target, c.accept)
		u, err := url.Parse(target)
		require.NoError(t, err)
		req := recording.Request{Method: http.MethodPost, URL: u, Header: http.Header{}}
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		j := checker.Check(t.Context(), &recording.Interaction{Request: req, Response: recording.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body, BodySize: int64(len(body))}})
		invalid := false
		for _, f := range j.Findings {
			invalid = invalid || f.Rule == "request-invalid" || f.Rule == "invalid-request-accepted"
		}
		refused := false
		for _, code := range []string{"INVALID_GROUP_ID", "INVALID_VERSION_DATE", "VALIDATION_ERROR"} {
			refused = refused || strings.Contains(string(body), `"errorCode":"`+code+`"`)
		}
		assert.Equal(t, invalid, refused, "%+v: the fake answered %d %s; the checker found %+v", c, resp.StatusCode, body, j.Findings)
	}
}

// TestEveryStateConforms drives every state, both credentials and both
// envelope modes (and both transport statuses of the envelope) through the
// judged fake: no answer breaks the fragment, and the traffic covers
// successes, refusals, authentication and the rate limit.
func TestEveryStateConforms(t *testing.T) {
	t.Parallel()
	for _, statusOK := range []bool{false, true} {
		opts := []atlastest.Option{atlastest.WithRateLimit(3, time.Minute)}
		if statusOK {
			opts = append(opts, atlastest.WithEnvelopeStatusOK())
		}
		srv := seeded(t, opts...)
		ctx := t.Context()
		statuses := map[int]bool{}
		for _, envelope := range []bool{false, true} {
			for _, client := range []*atlas.Client{srv.Client(atlas.WithEnvelope(envelope)), srv.APIKeyClient(atlas.WithEnvelope(envelope))} {
				srv.Reset()
				for _, id := range []string{scheduled, scheduled, scheduled, notScheduled, noWindow} {
					_ = client.DeferMaintenanceWindow(ctx, id)
				}
				_ = client.DeferMaintenanceWindow(ctx, unknown)
				for _, j := range srv.Journal() {
					statuses[j.Status] = true
				}
			}
			anon, err := atlas.New(atlas.WithServer(srv.URL()), atlas.WithEnvelope(envelope))
			require.NoError(t, err)
			_ = anon.DeferMaintenanceWindow(ctx, scheduled)
			for _, j := range srv.Journal() {
				statuses[j.Status] = true
			}
		}
		for _, want := range []int{200, 400, 401, 429} {
			assert.True(t, statuses[want], "status %d is covered (envelope status 200: %v)", want, statusOK)
		}
	}
}

// TestRawDigestTransport: another Go program using mongodb-forks/digest
// directly, as the official SDK does.
func TestRawDigestTransport(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	key, _ := srv.APIKey()
	for _, tc := range []struct {
		private string
		status  int
	}{{key.PrivateKey, 200}, {"wrong", 401}} {
		client := &http.Client{Transport: &digest.Transport{Username: key.PublicKey, Password: tc.private, Transport: http.DefaultTransport}}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, deferURL(srv, atlastest.DefaultProjectID), nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.atlas.2025-03-12+json")
		resp, err := client.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, tc.status, resp.StatusCode)
	}
	p, _ := srv.Project(atlastest.DefaultProjectID)
	assert.Equal(t, 1, p.Deferrals)
}

// TestClientCredentials: another Go program using
// golang.org/x/oauth2/clientcredentials against the token endpoint.
func TestClientCredentials(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sa, _ := srv.ServiceAccount()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cfg := clientcredentials.Config{ClientID: sa.ClientID, ClientSecret: sa.ClientSecret, TokenURL: srv.URL() + "/api/oauth/token", AuthStyle: style}
		client := cfg.Client(t.Context())
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, deferURL(srv, atlastest.DefaultProjectID), nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
		resp, err := client.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, 200, resp.StatusCode)
	}
	cfg := clientcredentials.Config{ClientID: sa.ClientID, ClientSecret: "wrong", TokenURL: srv.URL() + "/api/oauth/token"}
	_, err := cfg.Token(context.WithoutCancel(t.Context()))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid_client")
}
