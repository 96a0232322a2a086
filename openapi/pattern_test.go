package openapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompilePattern(t *testing.T) {
	t.Parallel()
	m, err := CompilePattern(`^(?!.*--)[a-z-]+$`)
	require.NoError(t, err, "a look-ahead, which Go's regexp refuses, compiles")
	assert.True(t, m.MatchString("a-b"))
	assert.False(t, m.MatchString("a--b"))
	cached, ok := patterns.Load(`^(?!.*--)[a-z-]+$`)
	assert.True(t, ok, "compiled once, then remembered")
	assert.Equal(t, m, cached)

	_, err = CompilePattern(`(?<`)
	require.Error(t, err)
	_, ok = patterns.Load(`(?<`)
	assert.False(t, ok, "a failure is not remembered")
}

func TestLoadDataCompilesPatternsAsECMAScript(t *testing.T) {
	t.Parallel()
	doc, err := LoadData([]byte(`openapi: 3.0.1
info: {title: t, version: "1"}
paths: {}
components:
    schemas:
        Name: {type: string, pattern: '^(?!.*--)[a-z-]+$', example: a-b}
`), "lookahead.yaml")
	require.NoError(t, err)
	assert.Error(t, doc.Components.Schemas["Name"].Value.VisitJSON("a--b"))
}
