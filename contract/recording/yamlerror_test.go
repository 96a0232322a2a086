package recording_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// TestCassetteErrorsNeverQuoteAValue feeds cassettes whose mistyped fields
// hold a secret. yaml.v4 quotes the start of such a value (or all of it) in
// its messages; the reader's errors must name the file, the line and what is
// wrong, and hold no prefix of the value.
func TestCassetteErrorsNeverQuoteAValue(t *testing.T) {
	t.Parallel()
	const secret = "Zq7vYp2L0a9sKd3FjW8mZt1RbN4cUe6H"
	head := "version: 2\ninteractions:\n- request:\n    method: GET\n    url: https://cloud.mongodb.com/x\n"
	for _, tc := range []struct {
		name     string
		cassette string
		value    string // the scalar as yaml.v4 sees it
		wantLine int
		wantMsg  string
	}{
		{name: "a string in an int64 field", cassette: head + "    content_length: " + secret + "\n  response: {code: 200}\n",
			value: secret, wantLine: 6, wantMsg: "interaction 0: cannot construct a !!str value (column 21) into int64"},
		{name: "a header written as a scalar", cassette: head + "    headers:\n      X-Api-Key: " + secret + "\n  response: {code: 200}\n",
			value: secret, wantLine: 7, wantMsg: "interaction 0: cannot construct a !!str value (column 18) into []string"},
		{name: "a string in a duration", cassette: head + "  response:\n    code: 200\n    duration: " + secret + "\n",
			value: secret, wantLine: 8, wantMsg: "interaction 0: cannot construct a !!str value (column 15) into time.Duration"},
		// yaml.v4 quotes the whole value here, and gives no position.
		{name: "an explicit tag that does not fit", cassette: head + "  response:\n    code: !!int " + secret + "\n",
			value: secret, wantLine: 7, wantMsg: "interaction 0: cannot construct a !!str value (column 11) as a !!int"},
		{name: "a value with backticks", cassette: head + "    content_length: '`" + secret + "` `x` into int'\n  response: {code: 200}\n",
			value: "`" + secret + "` `x` into int", wantLine: 6, wantMsg: "interaction 0: cannot construct a !!str value (column 21) into int64"},
		{name: "a multi-line value", cassette: head + "  response:\n    code: !!int |\n      " + secret + "\n      " + secret + "\n",
			value: secret + "\n" + secret + "\n", wantLine: 7, wantMsg: "interaction 0: cannot construct a !!str value (column 11) as a !!int"},
		// An unquoted value that starts with "*" is an alias to YAML.
		{name: "an unquoted value read as an alias", cassette: head + "    body: *" + secret + "\n  response: {code: 200}\n",
			value: secret, wantLine: 6, wantMsg: "invalid YAML: unknown anchor referenced (column 11): an unquoted value that starts with * is an alias; quote the value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := recording.Read("secret.yaml", strings.NewReader(tc.cassette), recording.Options{}, nil)
			require.Error(t, err)
			var re *recording.Error
			require.True(t, errors.As(err, &re), "%T", err)
			assert.Equal(t, "secret.yaml", re.File)
			assert.Equal(t, tc.wantLine, re.Line)
			assert.Equal(t, fmt.Sprintf("secret.yaml:%d: %s", tc.wantLine, tc.wantMsg), err.Error())
			// Every way the error can be printed or unwrapped.
			var printed []string
			for e := error(re); e != nil; e = errors.Unwrap(e) {
				printed = append(printed, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
			}
			for _, p := range printed {
				for n := 2; n <= len(tc.value); n++ {
					require.NotContains(t, p, tc.value[:n], "the error quotes the first %d bytes of the value", n)
				}
			}
		})
	}
}
