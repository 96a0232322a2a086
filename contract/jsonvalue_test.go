package contract

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonCases are bodies where a decoder could part from encoding/json.
var jsonCases = []string{
	`{"detail":"No maintenance is scheduled.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","parameters":[],"reason":"Bad Request"}`,
	`{"a":1,"a":{"b":2}}`, `{"a":{"b":2},"a":[1]}`, // duplicate names: the last wins
	`[1,-0,1.5e3,1E-400,1e400]`, `1e400`, `-1e309`, `0.1`, `123456789012345678901234567890`,
	`"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\udc00x"`, `"a\u0000b"`, "\"\xff\"", "{\"\xc3\x28\":1}", `"\/\b\f\n\r\t\"\\"`,
	``, ` `, `nul`, `tru`, `[1,]`, `{"a":1,}`, `{"a"}`, `[1 2]`, `{} {}`, `{}x`, ` {} `, "\ufeff{}", `01`, `-`, `.5`, `1.`,
	`[[[[]]]]`, `{"":""}`, `null`, `true`, `false`, `[true,false,null]`, `"unterminated`, `{"a":1`, `[`,
}

// TestDecodeJSONAsEncodingJSON holds decodeJSON to encoding/json: the same
// value, or an error, and then the same one.
func TestDecodeJSONAsEncodingJSON(t *testing.T) {
	for _, body := range append(jsonCases, deep(9999), deep(10000), deep(10001)) {
		assertDecodesAlike(t, []byte(body))
	}
}

func deep(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func FuzzDecodeJSON(f *testing.F) {
	for _, body := range jsonCases {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { assertDecodesAlike(t, body) })
}

func assertDecodesAlike(t *testing.T, body []byte) {
	t.Helper()
	var want any
	wantErr := json.Unmarshal(body, &want)
	got, err := decodeJSON(body)
	if wantErr != nil {
		require.Error(t, err, "%q", body)
		assert.Equal(t, wantErr.Error(), err.Error(), "%q", body)
		return
	}
	require.NoError(t, err, "%q", body)
	assert.Equal(t, want, got, "%q", body)
}
