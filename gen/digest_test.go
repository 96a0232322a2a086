package atlas

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAPIKeyKeepsPlain401 checks that a 401 without a Digest challenge
// keeps its ApiError through the Digest transport.
func TestAPIKeyKeepsPlain401(t *testing.T) {
	t.Parallel()
	const body = `{"error":401,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","detail":"IP address 192.0.2.1 is not allowed to access this resource.","reason":"Unauthorized"}`
	for name, challenge := range map[string]string{"no challenge": "", "a Bearer challenge": `Bearer realm="atlas"`} {
		f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
			if challenge != "" {
				w.Header().Set("WWW-Authenticate", challenge)
			}
			writeJSON(w, 401, body)
		})
		c := newTestClient(t, f, WithAPIKey(testPublicKey, testPrivateKey))
		err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
		assert.True(t, HasErrorCode(err, "IP_ADDRESS_NOT_ON_ACCESS_LIST"), "%s: %v", name, err)

		rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
		require.NoError(t, err, name)
		require.NotNil(t, rsp.JSON401, name)
		assert.Equal(t, "IP_ADDRESS_NOT_ON_ACCESS_LIST", rsp.JSON401.ErrorCode, name)
		if challenge != "" {
			assert.Equal(t, challenge, rsp.HTTPResponse.Header.Get("WWW-Authenticate"), name)
		}
	}
}
