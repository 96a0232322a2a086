package atlas

import (
	"regexp"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestUserAgent checks the User-Agent's form in this (development) build.
func TestUserAgent(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "deferwindow/devel ("+runtime.GOOS+"; "+runtime.GOARCH+")", userAgent())
	assert.Regexp(t, regexp.MustCompile(`^deferwindow/\S+ \(\w+; \w+\)$`), formatUserAgent("v1.2.3", "linux", "arm64"))
}

// TestModuleVersion checks which version each kind of build reports.
func TestModuleVersion(t *testing.T) {
	t.Parallel()
	dep := func(version string, replace *debug.Module) *debug.BuildInfo {
		return &debug.BuildInfo{
			Main: debug.Module{Path: "example.com/user/tool", Version: "v9.9.9"},
			Deps: []*debug.Module{{Path: "golang.org/x/oauth2", Version: "v0.36.0"}, {Path: modulePath, Version: version, Replace: replace}},
		}
	}
	cases := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{name: "a dependency", bi: dep("v1.4.0", nil), ok: true, want: "v1.4.0"},
		{name: "a replaced dependency", bi: dep("v1.4.0", &debug.Module{Path: "example.com/fork", Version: "v1.4.1-fork"}), ok: true, want: "v1.4.1-fork"},
		{name: "a local replacement", bi: dep("v1.4.0", &debug.Module{Path: "../deferwindow"}), ok: true, want: "devel"},
		{name: "main module, go test", bi: &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}}, ok: true, want: "devel"},
		{name: "main module, go install @version", bi: &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v1.5.0"}}, ok: true, want: "v1.5.0"},
		{name: "not in the build", bi: &debug.BuildInfo{Main: debug.Module{Path: "example.com/x"}}, ok: true, want: "devel"},
		{name: "no build info", ok: false, want: "devel"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, moduleVersion(tc.bi, tc.ok), tc.name)
	}
}
