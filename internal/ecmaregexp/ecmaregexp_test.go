package ecmaregexp

import "testing"

func TestCompile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		expr  string
		match []string
		not   []string
	}{
		// RE2 syntax: Go's regexp.
		{`^([a-f0-9]{24})$`, []string{"32b6e34b3d91647abb20e7b8"}, []string{"32B6E34B3D91647ABB20E7B8", "x"}},
		// A negative look-ahead from MongoDB's spec (cluster names).
		{`^(?!.*--)[a-zA-Z0-9][a-zA-Z0-9-]*$`, []string{"Cluster0", "a-b"}, []string{"a--b", "-a"}},
		// A back-reference.
		{`^(a)\1$`, []string{"aa"}, []string{"ab"}},
	} {
		m, err := Compile(tc.expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.expr, err)
		}
		for _, s := range tc.match {
			if !m.MatchString(s) {
				t.Errorf("%q does not match %q", tc.expr, s)
			}
		}
		for _, s := range tc.not {
			if m.MatchString(s) {
				t.Errorf("%q matches %q", tc.expr, s)
			}
		}
	}
	if _, err := Compile(`(?<`); err == nil {
		t.Error("an invalid pattern compiled")
	}
}
