package contract

import (
	"crypto/sha256"
	"encoding/hex"
	"runtime/debug"
	"sync"
)

// ModulePath is this module's import path, as build information names it.
const ModulePath = "github.com/atlascontract/deferwindow"

// ToolInfo names the program that judged a run.
type ToolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// SpecInfo names the spec a run was judged against.
type SpecInfo struct {
	// Name says what the spec is: the embedded fragment's path, a file's
	// name.
	Name string `json:"name"`
	// SHA256 is the SHA-256 of the bytes it was loaded from.
	SHA256 string `json:"sha256"`
	// Revision is the published spec's info.x-xgen-sha, the commit of
	// MongoDB's spec repository it was built from; "" for a fragment.
	Revision string `json:"revision,omitempty"`
	// Errata is the SHA-256 of the errata overlay applied to a published
	// spec; "" when none was (a fragment carries its errata already).
	Errata string `json:"errata,omitempty"`
}

// Tool returns this module's name and version as the build information
// records it: the tag a `go install …@vX` or a consumer's go.mod selected,
// "(devel)" for a build from a work tree.
func Tool() ToolInfo { return toolInfo() }

var toolInfo = sync.OnceValue(func() ToolInfo {
	bi, _ := debug.ReadBuildInfo()
	return toolFromBuildInfo(bi)
})

// toolFromBuildInfo finds this module's version in a binary's build
// information: the main module's for `go install …@vX`, the dependency's
// for `go tool` or a consumer's own binary.
func toolFromBuildInfo(bi *debug.BuildInfo) ToolInfo {
	t := ToolInfo{Name: "contractcheck", Version: "(devel)"}
	if bi == nil {
		return t
	}
	if bi.Main.Path == ModulePath {
		if bi.Main.Version != "" {
			t.Version = bi.Main.Version
		}
		return t
	}
	for _, d := range bi.Deps {
		if d.Path != ModulePath {
			continue
		}
		if d.Replace != nil {
			d = d.Replace
		}
		if d.Version != "" {
			t.Version = d.Version
		}
	}
	return t
}

// Info names the spec and gives the SHA-256 of the bytes it was loaded
// from, so a report says exactly what it was judged against.
func (s *Spec) Info() SpecInfo { return s.info }

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
