package safetext

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEscapeControl(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain/path#0 é ü 日本":   "plain/path#0 é ü 日本",
		"\x1b[2Jgone":           `\x1b[2Jgone`,
		"a\rb\nc\td\x00e\x7f":   `a\rb\nc\td\x00e\x7f`,
		"\u202eevil.yaml\u202c": `\u202eevil.yaml\u202c`,
		"bad\xffutf8":           `bad\xffutf8`,
		"\u0085next line (C1)":  `\u0085next line (C1)`,
		"line\u2028separator":   `line\u2028separator`,
		"":                      "",
		"trailing\x1b":          `trailing\x1b`,
	} {
		assert.Equal(t, want, EscapeControl(in), "%q", in)
	}
}
