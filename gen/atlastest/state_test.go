package atlastest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// TestStateCheck (issue 17, point 21): every value a fake refuses, at
// once, each a *FieldError naming its key path; a good state passes.
func TestStateCheck(t *testing.T) {
	t.Parallel()
	st := atlastest.State{
		Projects: []atlastest.Project{
			atlastest.ScheduledProject("32b6e34b3d91647abb20e7b8"),
			{ID: "32B6E34B3D91647ABB20E7B8"},
			{ID: "32b6e34b3d91647abb20e7b8", Deferrals: 3},
		},
		TokenLifetime: -time.Hour,
		RateLimit:     &atlastest.RateLimit{Limit: 10, Per: 0},
	}
	err := st.Check()
	require.Error(t, err)
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *atlastest.FieldError
		require.True(t, errors.As(e, &fe), "%v", e)
		fields = append(fields, fe.Field)
	}
	assert.Equal(t, []string{"projects[1].id", "projects[2].deferrals", "projects[2].id", "tokenLifetime", "rateLimit.per"}, fields)
	assert.Contains(t, err.Error(), "it has upper-case letters")
	assert.Contains(t, err.Error(), "is already projects[0]")

	for _, d := range []time.Duration{2562047 * time.Hour, time.Millisecond} {
		assert.ErrorContains(t, atlastest.State{TokenLifetime: d}.Check(), "tokenLifetime", d)
	}
	assert.NoError(t, atlastest.State{
		Projects:      []atlastest.Project{atlastest.ScheduledProject("32b6e34b3d91647abb20e7b8"), {ID: "6a7940722c88faeba59bf917", Deferrals: 2}},
		TokenLifetime: 10 * time.Minute, RateLimit: &atlastest.RateLimit{Limit: 10, Per: time.Minute}, EnvelopeStatusOK: true,
	}.Check())
}

// TestWithStateEnvelopeStatusOK (issue 16, point 3): the state's
// envelopeStatusOK sends enveloped answers with transport status 200.
func TestWithStateEnvelopeStatusOK(t *testing.T) {
	t.Parallel()
	for _, ok := range []bool{false, true} {
		srv := newServer(t, atlastest.WithState(atlastest.State{
			Projects: []atlastest.Project{{ID: notScheduled, WindowDefined: true}}, EnvelopeStatusOK: ok,
		}))
		resp, body := digestPost(t, srv, deferURL(srv, notScheduled)+"?envelope=true")
		want := 400
		if ok {
			want = 200
		}
		assert.Equal(t, want, resp.StatusCode)
		assert.Contains(t, string(body), `"status":400`)
	}
}
