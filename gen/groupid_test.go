package atlas

import (
	"math/rand/v2"
	"regexp"
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

// TestClassRunMatchesAsTheRegexp checks that the fast matcher of a pattern
// of the ids' shape decides as the regexp does, on the generated pattern and
// others of that shape, for ids, near misses, upper case, multi-byte
// characters and random bytes; and that patterns of other shapes get none.
func TestClassRunMatchesAsTheRegexp(t *testing.T) {
	t.Parallel()
	require.NotNil(t, classRunOf(GroupIDPattern), "the generated pattern has the fast shape")
	inputs := []string{"", testGroupID, testGroupID + "0", testGroupID[1:], strings.ToUpper(testGroupID),
		"32b6e34b3d91647abb20e7bé", "32b6e34b3d91647abb20e7\xff", " " + testGroupID[1:], "gggggggggggggggggggggggg"}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("0123456789abcdefABCDEFgz-_/ \n\x00\x80\xc3\xa9")
	for range 2000 {
		b := make([]byte, rng.IntN(27))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for _, pattern := range []string{GroupIDPattern, `^[a-f0-9]{24}$`, `^([0-9A-Z_]{3})$`, `^(?i)[a-f]{2}$`} {
		run := classRunOf(pattern)
		require.NotNil(t, run, pattern)
		re := regexp.MustCompile(pattern)
		for _, in := range inputs {
			require.Equal(t, re.MatchString(in), run.match(in), "%s on %q", pattern, in)
		}
	}
	for _, pattern := range []string{`^[a-f0-9]{24,25}$`, `[a-f0-9]{24}`, `^[a-f0-9]{24}`, `^[é]{2}$`, `^(?m)[a-f]{2}$`, `^[a-f]{2}x$`, `(`} {
		assert.Nil(t, classRunOf(pattern), pattern)
	}
}
