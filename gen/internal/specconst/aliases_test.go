package main

import (
	"strings"
	"testing"
)

// TestAliasesLeaveOutTheClient checks that the aliases export the generated
// models and response types but nothing that builds or is an unconfigured
// client.
func TestAliasesLeaveOutTheClient(t *testing.T) {
	t.Parallel()
	src, err := aliases("../oapi/client.gen.go", "example.com/gen/internal/oapi", "atlas")
	if err != nil {
		t.Fatal(err)
	}
	out := string(src)
	for _, want := range []string{"type APIError = oapi.APIError", "type DeferMaintenanceWindowResponse = oapi.DeferMaintenanceWindowResponse", "type RequestEditorFn = oapi.RequestEditorFn"} {
		if !strings.Contains(out, want) {
			t.Errorf("the aliases lack %q", want)
		}
	}
	for name := range clientMachinery {
		if strings.Contains(out, "type "+name+" =") {
			t.Errorf("the aliases export the client machinery %s", name)
		}
	}
	for _, alias := range []string{"BadRequest", "GroupID", "Envelope"} {
		if strings.Contains(out, "type "+alias+" =") {
			t.Errorf("the generated alias %s is aliased again", alias)
		}
	}
	if strings.Contains(out, "func ") {
		t.Error("the aliases declare a function")
	}
}
