package atlastest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// TestJournal records method, path, query and headers, never credentials.
func TestJournal(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	require.NoError(t, srv.Client(atlas.WithEnvelope(true)).DeferMaintenanceWindow(t.Context(), scheduled))
	require.NoError(t, srv.APIKeyClient().DeferMaintenanceWindow(t.Context(), scheduled))
	j := srv.Journal()
	require.Len(t, j, 4, "token, defer, Digest challenge, defer")
	assert.Equal(t, "/api/oauth/token", j[0].Path)
	assert.Equal(t, "Basic REDACTED", j[0].Header.Get("Authorization"))
	assert.Equal(t, http.MethodPost, j[1].Method)
	assert.Equal(t, "envelope=true", j[1].Query)
	assert.Equal(t, scheduled, j[1].Project)
	assert.Equal(t, atlastest.DefaultServiceAccount.ClientID, j[1].Principal)
	assert.Equal(t, "Bearer REDACTED", j[1].Header.Get("Authorization"))
	assert.Equal(t, 401, j[2].Status)
	assert.Equal(t, "Digest REDACTED", j[3].Header.Get("Authorization"))
	assert.Equal(t, 200, j[3].Status)
	for _, e := range j {
		for _, v := range e.Header.Values("Authorization") {
			assert.True(t, strings.HasSuffix(v, "REDACTED"), v)
		}
	}
}

// TestJournalRedactsByPosition (issue 17, point 20): a token sent without a
// scheme or after a tab, and a secret in the query, never reach the
// journal, whatever their shape.
func TestJournalRedactsByPosition(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	const secret = "s3cr3t-value-that-must-not-be-kept"
	for _, tc := range []struct {
		auth, query, wantAuth, wantQuery string
	}{
		{secret, "", "REDACTED", ""},
		{"Bearer\t" + secret, "", "Bearer REDACTED", ""},
		{"bearer " + secret, "", "Bearer REDACTED", ""},
		{"Token " + secret, "", "REDACTED", ""},
		{"Bearer" + secret, "", "REDACTED", ""},
		{" \tDigest username=\"" + secret + "\"", "", "Digest REDACTED", ""},
		{"", "client_secret=" + secret + "&envelope=true", "", "client_secret=REDACTED&envelope=true"},
		{"", "envelope=false&access_token=" + secret, "", "envelope=false&access_token=REDACTED"},
		{"", secret, "", "REDACTED"},
		{"", "pretty=true;client_secret=" + secret, "", "pretty=REDACTED;client_secret=REDACTED"},
		{"", "envelope=true;client_secret=" + secret, "", "envelope=true;client_secret=REDACTED"},
		{"", "envelope=true;" + secret + "&envelope=false", "", "envelope=true;REDACTED&envelope=false"},
		{"", "envelope=%zz" + secret, "", "envelope=REDACTED"},
		{"", "a=1&&;b=" + secret + "&", "", "a=REDACTED&&;b=REDACTED&"},
	} {
		srv.Reset()
		u := deferURL(srv, scheduled)
		if tc.query != "" {
			u += "?" + tc.query
		}
		h := map[string]string{"Accept": atlas.MediaType}
		if tc.auth != "" {
			h["Authorization"] = tc.auth
		}
		rawPost(t, u, h)
		j := srv.Journal()
		require.Len(t, j, 1)
		assert.Equal(t, tc.wantAuth, j[0].Header.Get("Authorization"), tc.auth)
		assert.Equal(t, tc.wantQuery, j[0].Query, tc.query)
		for _, v := range j[0].Header {
			assert.NotContains(t, strings.Join(v, " "), secret)
		}
		assert.NotContains(t, j[0].Query, secret)
	}
}

// TestJournalIsBounded: values are capped, and entries too.
func TestJournalIsBounded(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	rawPost(t, deferURL(srv, scheduled)+"?envelope="+strings.Repeat("x", 4000), map[string]string{"User-Agent": strings.Repeat("u", 8000)})
	j := srv.Journal()
	require.Len(t, j, 1)
	assert.Less(t, len(j[0].Header.Get("User-Agent")), 600)
	assert.Less(t, len(j[0].Query), 1200)
}

// TestJournalIsACopy: changing what Journal returned, a header included,
// changes nothing of the fake's journal.
func TestJournalIsACopy(t *testing.T) {
	t.Parallel()
	srv := seeded(t)
	require.NoError(t, srv.Client().DeferMaintenanceWindow(t.Context(), scheduled))
	j := srv.Journal()
	require.NotEmpty(t, j)
	last := len(j) - 1
	want := j[last].Header.Get("Authorization")
	j[last].Header.Set("Authorization", "Bearer changed-by-the-caller")
	j[last].Header.Set("X-Added", "by the caller")
	j[last].Status = 599
	again := srv.Journal()
	assert.Equal(t, want, again[last].Header.Get("Authorization"))
	assert.Empty(t, again[last].Header.Get("X-Added"))
	assert.Equal(t, 200, again[last].Status)
}
