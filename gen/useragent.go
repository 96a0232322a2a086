package atlas

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// modulePath is this module's path, looked up in the build information.
const modulePath = "github.com/atlascontract/deferwindow"

// userAgent returns the User-Agent the Client sends, on API calls and token
// requests alike: "deferwindow/<version> (<GOOS>; <GOARCH>)", where the
// version is this module's version in the program's build: the dependency's
// version when a program imports this module, "devel" in a development build.
var userAgent = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	return formatUserAgent(moduleVersion(bi, ok), runtime.GOOS, runtime.GOARCH)
})

func formatUserAgent(version, goos, goarch string) string {
	return "deferwindow/" + version + " (" + goos + "; " + goarch + ")"
}

// moduleVersion is this module's version when the program depends on it
// (the replacement's version when it is replaced), the main module's version
// when this module is the main module and was built at a version (go install
// ...@v1.2.3), and "devel" otherwise (go test, go run, a local replacement).
func moduleVersion(bi *debug.BuildInfo, ok bool) string {
	const devel = "devel"
	if !ok || bi == nil {
		return devel
	}
	known := func(v string) bool { return v != "" && v != "(devel)" }
	if bi.Main.Path == modulePath {
		if known(bi.Main.Version) {
			return bi.Main.Version
		}
		return devel
	}
	for _, d := range bi.Deps {
		if d == nil || d.Path != modulePath {
			continue
		}
		if d.Replace != nil {
			if known(d.Replace.Version) {
				return d.Replace.Version
			}
			return devel
		}
		if known(d.Version) {
			return d.Version
		}
	}
	return devel
}
