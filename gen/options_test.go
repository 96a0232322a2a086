package atlas

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGeneratedConstantsAreUsable checks that the generated facts build a
// client: the default server parses, the path has {groupId}, the pattern compiles.
func TestGeneratedConstantsAreUsable(t *testing.T) {
	t.Parallel()
	u, err := parseServer(DefaultServerURL)
	require.NoError(t, err)
	assert.Equal(t, DefaultServerURL, u.String())
	_, err = groupIDRegexp()
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(OperationPath, "{groupId}"))
	c, err := New()
	require.NoError(t, err)
	assert.Equal(t, DefaultServerURL, c.server)
}

// TestOptionErrors checks that each option refuses bad input with a message
// that names it and what was expected.
func TestOptionErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opt  Option
		want string
	}{
		{"empty server", WithServer(""), "WithServer: the server URL is empty"},
		{"ftp server", WithServer("ftp://example.com"), `has scheme "ftp"; want http or https`},
		{"relative server", WithServer("cloud.mongodb.com"), `want http or https`},
		{"no host", WithServer("https:///api"), "has no host"},
		{"query", WithServer("https://cloud.mongodb.com/?x=1"), "has a query"},
		{"fragment", WithServer("https://cloud.mongodb.com/#top"), "has a fragment"},
		{"user info", WithServer("https://user:hunter2@cloud.mongodb.com"), "carries user info"},
		{"unparsable", WithServer("http://[::1"), "does not parse"},
		{"nil transport", WithTransport(nil), "WithTransport: the transport is nil"},
		{"empty client secret", WithServiceAccount("id", ""), "WithServiceAccount"},
		{"empty public key", WithAPIKey("", "priv"), "WithAPIKey"},
		{"bad media type", WithMediaType("not a media type"), "WithMediaType"},
		{"empty media type", WithMediaType(""), "want one like " + MediaType},
		{"negative retries", WithRetryOn429(-1, time.Second), "WithRetryOn429"},
		{"negative wait", WithRetryOn429(1, -time.Second), "must not be negative"},
	}
	for _, tc := range cases {
		c, err := New(tc.opt)
		assert.Nil(t, c, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
		assert.NotContains(t, err.Error(), "hunter2", tc.name)
	}
}

// TestWithServerNormalizes checks that a trailing slash is dropped and the
// path kept.
func TestWithServerNormalizes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://cloud.mongodb.com/":    "https://cloud.mongodb.com",
		"http://127.0.0.1:8080/mock//":  "http://127.0.0.1:8080/mock",
		"http://127.0.0.1:8080/a%2Fb/c": "http://127.0.0.1:8080/a%2Fb/c",
	} {
		c, err := New(WithServer(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, c.server, in)
		u, err := url.Parse(want)
		require.NoError(t, err)
		assert.Equal(t, strings.TrimSuffix(c.builderBase, "/"), u.EscapedPath(), in, "the generated builder joins paths below it")
	}
	c, err := New(nil, WithServer("http://h/x"))
	require.NoError(t, err, "a nil option is skipped")
	assert.Equal(t, "http://h/x", c.server)
}
