package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	before = "openapi: 3.0.1\ninfo: {title: t, version: '1', x-xgen-sha: aaa}\npaths:\n  /a: {get: {operationId: getA}}\n  /b: {get: {operationId: getB}}\n"
	after  = "openapi: 3.0.1\ninfo: {title: t, version: '1', x-xgen-sha: bbb}\npaths:\n  /a: {get: {operationId: getA}, post: {operationId: postA}}\n"
)

func TestStoreDeriveAndSummarize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	up := filepath.Join(t.TempDir(), "v2.yaml")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(up, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	read := func(name string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}

	write(before)
	if err := run([]string{"-upstream", up, dir}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	stored, derived := read("v2.yaml.gz"), read("v2.json.gz")
	if published, err := maybeGunzip(stored); err != nil || string(published) != before {
		t.Fatalf("v2.yaml.gz holds %q (%v), want the published bytes", published, err)
	}
	json, err := maybeGunzip(derived)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"x-contractcheck-derived-from":{"sha256":"`; !strings.HasPrefix(string(json), want) {
		t.Errorf("v2.json.gz starts %.80s, want %s", json, want)
	}

	// Deriving again from the stored YAML gives the same bytes.
	if err := run([]string{dir}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read("v2.json.gz"), derived) {
		t.Error("deriving v2.json.gz twice gives different bytes")
	}

	write(after)
	var summary bytes.Buffer
	if err := run([]string{"-upstream", up, "-summary", dir}, &summary); err != nil {
		t.Fatal(err)
	}
	want := "Revision (x-xgen-sha): `aaa` → `bbb`; operations: 2 → 2.\n\nAdded:\n- `POST /a (postA)`\n\nRemoved (or renamed):\n- `GET /b (getB)`\n"
	if summary.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", summary.String(), want)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := run([]string{dir}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "v2.yaml.gz") {
		t.Errorf("no v2.yaml.gz: %v, want an error naming it", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("- a list\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-upstream", bad, dir}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "a mapping at the top level") {
		t.Errorf("a list: %v, want it refused", err)
	}
	if err := run(nil, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("no DIR: %v, want the usage", err)
	}
}
