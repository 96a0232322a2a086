package recording

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLongValuesAreNotLearned: a secret value longer than maxLearnedSecret is
// redacted where it stands but not searched for elsewhere, so a hostile
// megabyte "password" cannot make every later body cost its length.
func TestLongValuesAreNotLearned(t *testing.T) {
	t.Parallel()
	r := newRedactor(RecorderOptions{})
	long, short := strings.Repeat("s", maxLearnedSecret+1), strings.Repeat("k", maxLearnedSecret)
	got := r.body([]byte(`{"password":"`+long+`","secret":"`+short+`"}`), "application/json")
	assert.Equal(t, `{"password":"REDACTED","secret":"REDACTED"}`, string(got))
	assert.False(t, r.secrets[long], "too long to search for")
	assert.True(t, r.secrets[short])
}
