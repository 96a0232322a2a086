package atlas

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestValidateGroupID checks values against the generated pattern and the
// problem each error names.
func TestValidateGroupID(t *testing.T) {
	t.Parallel()
	require.NoError(t, ValidateGroupID(testGroupID))
	require.NoError(t, ValidateGroupID("6a7940722c88faeba59bf917"))

	cases := []struct {
		in   string
		want string
	}{
		{"", "atlas: groupId is empty; it must match " + GroupIDPattern},
		{"abc", `atlas: groupId "abc" (3 characters) does not match ` + GroupIDPattern},
		{testGroupID + "0", `atlas: groupId "` + testGroupID + `0" (25 characters) does not match ` + GroupIDPattern},
		{"32B6E34B3D91647ABB20E7B8", `atlas: groupId "32B6E34B3D91647ABB20E7B8" (24 characters) does not match ` + GroupIDPattern + ": it has upper-case letters"},
		{testGroupID + "\n", `atlas: groupId "` + testGroupID + `\n" (25 characters) does not match ` + GroupIDPattern + ": it has leading or trailing white space"},
		{"32b6e34b 3d91647abb20e7b8", "it contains white space or control characters"},
		{"groups/" + testGroupID, "it contains URL syntax"},
		{"zzzzzzzzzzzzzzzzzzzzzzzz", `(24 characters) does not match ` + GroupIDPattern},
		{strings.Repeat("g", 1000), `"… (1000 characters)`},
	}
	for _, tc := range cases {
		err := ValidateGroupID(tc.in)
		var ge *GroupIDError
		require.ErrorAs(t, err, &ge, "%q", tc.in)
		assert.Equal(t, tc.in, ge.GroupID)
		assert.Contains(t, err.Error(), tc.want)
		assert.Less(t, len(err.Error()), 200, "a long value is cut in the message")
	}
}
