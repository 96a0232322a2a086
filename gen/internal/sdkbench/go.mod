module github.com/atlascontract/deferwindow/gen/internal/sdkbench

go 1.26

// A module of its own, outside the project's build and tests: it needs
// MongoDB's Go SDK (go.mongodb.org/atlas-sdk/v20250312023), which the module
// proxy does not serve. `make bench-sdk SDK=<a checkout of
// github.com/mongodb/atlas-sdk-go>` copies it aside and adds the
// requirements, each replaced by a local directory (.ci/bench-sdk).
