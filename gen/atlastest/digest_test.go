package atlastest_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/gen/atlastest"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestDigestNonces: a response computed for a nonce the fake never issued
// is refused; one for an expired nonce gets a fresh challenge marked
// stale=true, as RFC 7616 says, even after a later challenge made the fake
// forget it; a response sent twice is a replay.
func TestDigestNonces(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	key, _ := srv.APIKey()
	uri := "/api/atlas/v2/groups/" + atlastest.DefaultProjectID + "/maintenanceWindow/defer"
	nonceRE := regexp.MustCompile(`nonce="([0-9a-f]+)"`)
	send := func(nonce string) *http.Response {
		ha1 := md5hex(key.PublicKey + ":MMS Public API:" + key.PrivateKey)
		ha2 := md5hex("POST:" + uri)
		resp := md5hex(ha1 + ":" + nonce + ":00000001:abcdef:auth:" + ha2)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+uri, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
		req.Header.Set("Authorization", fmt.Sprintf(`Digest username=%q, realm="MMS Public API", nonce=%q, uri=%q, cnonce="abcdef", nc=00000001, qop=auth, response=%q, algorithm=MD5`,
			key.PublicKey, nonce, uri, resp))
		r, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, r.Body.Close())
		return r
	}
	forged := send("0123456789abcdef0123456789abcdef")
	assert.Equal(t, 401, forged.StatusCode, "a nonce the fake never issued")
	assert.Contains(t, forged.Header.Get("WWW-Authenticate"), "stale=false")

	challenge, _ := rawPost(t, srv.URL()+uri, map[string]string{"Accept": "application/vnd.atlas.2023-01-01+json"})
	m := nonceRE.FindStringSubmatch(challenge.Header.Get("WWW-Authenticate"))
	require.NotNil(t, m)
	assert.Equal(t, 200, send(m[1]).StatusCode, "a response to the fake's challenge")
	assert.Equal(t, 401, send(m[1]).StatusCode, "the same response again: a replay")

	srv.Advance(10 * time.Minute)
	stale := send(m[1])
	assert.Equal(t, 401, stale.StatusCode)
	assert.Contains(t, stale.Header.Get("WWW-Authenticate"), "stale=true")

	// A nonce that expires while another client is challenged after it:
	// the fake forgets it then, and still knows it for its own.
	challenge, _ = rawPost(t, srv.URL()+uri, map[string]string{"Accept": "application/vnd.atlas.2023-01-01+json"})
	m = nonceRE.FindStringSubmatch(challenge.Header.Get("WWW-Authenticate"))
	require.NotNil(t, m)
	srv.Advance(10 * time.Minute)
	rawPost(t, srv.URL()+uri, map[string]string{"Accept": "application/vnd.atlas.2023-01-01+json"})
	stale = send(m[1])
	assert.Equal(t, 401, stale.StatusCode)
	assert.Contains(t, stale.Header.Get("WWW-Authenticate"), "stale=true", "an expired nonce after a later challenge")
}
