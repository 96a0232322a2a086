package atlas

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// latin1Proxy502 is a proxy's French error page served as
// text/html; charset=iso-8859-1: 60 Latin-1 bytes (invalid UTF-8) come
// before <title>. Lowercasing it would triple those bytes and move every
// offset after them.
var latin1Proxy502 = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><!-- " +
	strings.Repeat("\xe9\xe8\xe0", 20) + " --><title>Passerelle en panne</title></head><body>x</body></html>"

// TestHTMLTitle checks that the title is found with ASCII case folding only,
// at the offsets of the page as it is, whatever comes before it.
func TestHTMLTitle(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, page, want string
	}{
		{"plain", "<html><title>Proxy Error</title></html>", "Proxy Error"},
		{"upper and mixed case", "<HTML><TiTlE lang=en>Proxy Error</tItLe></HTML>", "Proxy Error"},
		{"Latin-1 bytes before the title", latin1Proxy502, "Passerelle en panne"},
		{"İ (shorter in lower case) before the title", "<html><p>" + strings.Repeat("İ", 40) + "</p><title>Wartung</title></html>", "Wartung"},
		{"Ⱥ (longer in lower case) before the title", "<html><p>" + strings.Repeat("Ⱥ", 40) + "</p><title>Wartung</title></html>", "Wartung"},
		{"Kelvin sign is no k: not a title tag", "<html><\u212aitle>no</\u212aitle><title>yes</title></html>", "yes"},
		{"no title", "<html><body>x</body></html>", ""},
		{"unclosed tag", "<html><title", ""},
		{"unclosed element", "<html><title>x", ""},
		{"ends right after the tag", "<title>", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, string(htmlTitle([]byte(tc.page))))
		})
	}
}

// TestLatin1ProxyPage checks end to end that a 502 from a proxy in
// ISO-8859-1 gives an *Error whose message quotes the title.
func TestLatin1ProxyPage(t *testing.T) {
	t.Parallel()
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(latin1Proxy502))
	})
	err := newTestClient(t, f).DeferMaintenanceWindow(t.Context(), testGroupID)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, latin1Proxy502, string(e.Body), "the raw body is kept as it came")
	assert.Equal(t, "POST "+testOpPath+": 502 Bad Gateway: Passerelle en panne", err.Error())
}

// TestSnippetLength checks that a snippet quotes at most snippetRunes runes,
// the spaces it puts back included, then an ellipsis when more followed.
func TestSnippetLength(t *testing.T) {
	t.Parallel()
	// Found by FuzzHTMLTitle: 119 runes, then a space and a rune, made 121.
	fuzzed := "000\x96000000000000000000000\xa1000\xb20\xa6000000000000000000000000000000000000\xb400000000000000000000000000000000\xbb00000000000000000000\x82000 000"
	cases := []struct {
		name, body, want string
	}{
		{"space due at the limit", fuzzed, strings.Repeat("0", 119) + "…"},
		{"exactly the limit", strings.Repeat("a", snippetRunes), strings.Repeat("a", snippetRunes)},
		{"one past the limit", strings.Repeat("a", snippetRunes+1), strings.Repeat("a", snippetRunes) + "…"},
		{"words up to the limit", strings.Repeat("ab ", 40), strings.TrimSpace(strings.Repeat("ab ", 40))},
		{"words past the limit", strings.Repeat("ab ", 41), strings.TrimSpace(strings.Repeat("ab ", 40)) + "…"},
		{"only control characters after the limit", strings.Repeat("a", snippetRunes) + "\x00\x01", strings.Repeat("a", snippetRunes)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := snippet([]byte(tc.body))
			assert.Equal(t, tc.want, got)
			assert.LessOrEqual(t, utf8.RuneCountInString(strings.TrimSuffix(got, "…")), snippetRunes)
		})
	}
}
