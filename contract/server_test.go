package contract

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerCore: the core strips the mount, routes and judges the
// request, holds every answer but a fault to the fragment, and journals
// with credentials redacted, within its size.
func TestServerCore(t *testing.T) {
	t.Parallel()
	spec, err := DefaultSpec()
	require.NoError(t, err)
	var (
		mu       sync.Mutex
		calls    []*Call
		verdicts []Judgement
	)
	answer := AnswerFunc(func(c *Call) *Answer {
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
		if c.Request.Header.Get("X-Fault") != "" {
			return &Answer{Status: http.StatusBadGateway, Fault: true, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<html></html>")}
		}
		return &Answer{Status: http.StatusTeapot}
	})
	core := NewServer(spec, answer, ServerOptions{Mount: "/atlas", JournalSize: 4, OnVerdict: func(_ *Call, _ *Answer, j Judgement) {
		mu.Lock()
		verdicts = append(verdicts, j)
		mu.Unlock()
	}})
	srv := httptest.NewUnstartedServer(nil)
	core.Configure(srv.Config)
	srv.Start()
	defer srv.Close()
	assert.Equal(t, defaultServerLimits.ReadHeaderTimeout, srv.Config.ReadHeaderTimeout)

	post := func(path string, header map[string]string) int {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, nil)
		require.NoError(t, err)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}
	const path = "/atlas/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer?envelope=true"
	assert.Equal(t, http.StatusTeapot, post(path, map[string]string{"Authorization": "Bearer secret-token"}))
	assert.Equal(t, http.StatusBadGateway, post(path, map[string]string{"X-Fault": "1", "Accept": "application/vnd.atlas.2023-01-01+json"}))
	post("/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer", nil)

	require.Len(t, calls, 3)
	c := calls[0]
	assert.Equal(t, "/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer", c.Path, "the mount is stripped")
	require.NotNil(t, c.Operation)
	assert.Equal(t, "6a7940722c88faeba59bf917", c.Params["groupId"])
	assert.True(t, c.Enveloped)
	assert.True(t, c.AcceptProblem(), "no versioned Accept")
	assert.False(t, c.GroupIDProblem())
	assert.Nil(t, calls[2].Operation, "outside the mount: unknown")

	require.Len(t, verdicts, 1, "the fault and the unknown path are not judged")
	assert.Equal(t, RuleEnvelopeShape, verdicts[0].Findings[len(verdicts[0].Findings)-1].Rule, "a 418 without a body is no envelope")

	j := core.Journal()
	require.Len(t, j, 3)
	assert.Equal(t, "Bearer REDACTED", j[0].Header.Get("Authorization"))
	assert.Equal(t, "envelope=true", j[0].Query)
	assert.True(t, j[1].Fault)
	for range 4 {
		post(path, nil)
	}
	assert.LessOrEqual(t, len(core.Journal()), 4, "the journal stays within its size")
}
