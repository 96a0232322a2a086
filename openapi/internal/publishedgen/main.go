// Command publishedgen keeps MongoDB's published spec in openapi/upstream:
// v2.yaml.gz, the YAML as published, gzip-compressed, and v2.json.gz, the
// form the openapi package embeds and loads: the same document as compact
// JSON (openapi/internal/yamljson), led by a member that records the
// YAML's SHA-256, gzip-compressed. Both compressions are deterministic (no
// name, no time), so the same YAML gives the same bytes.
//
// usage: go run ./openapi/internal/publishedgen [-upstream FILE] [-summary] DIR
//
// Without -upstream it derives DIR/v2.json.gz from DIR/v2.yaml.gz (`go
// generate ./openapi`, in `make generate`). With -upstream FILE (YAML,
// possibly gzip-compressed) it first stores FILE as DIR/v2.yaml.gz (`make
// spec`, `make spec-update`). -summary prints what changed in Markdown: the
// upstream revision and the operations added and removed.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/atlascontract/deferwindow/openapi/internal/yamljson"
)

// derivedFrom is openapi.DerivedFromExtension (this command cannot import
// the package that embeds what it writes).
const derivedFrom = "x-contractcheck-derived-from"

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "publishedgen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("publishedgen", flag.ContinueOnError)
	upstream := fs.String("upstream", "", "store this published spec `file` (YAML, possibly gzip) as DIR/v2.yaml.gz first")
	summary := fs.Bool("summary", false, "print the revision and the operations added and removed, in Markdown")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: publishedgen [-upstream FILE] [-summary] DIR")
	}
	dir := fs.Arg(0)
	yamlPath, jsonPath := filepath.Join(dir, "v2.yaml.gz"), filepath.Join(dir, "v2.json.gz")
	before, _ := readGzip(jsonPath) // absent before the first run
	if *upstream != "" {
		raw, err := os.ReadFile(*upstream)
		if err != nil {
			return err
		}
		if raw, err = maybeGunzip(raw); err != nil {
			return fmt.Errorf("%s: %w", *upstream, err)
		}
		if err := writeGzip(yamlPath, raw); err != nil {
			return err
		}
	}
	published, err := readGzip(yamlPath)
	if err != nil {
		return err
	}
	derived, err := derive(published, "v2.yaml.gz")
	if err != nil {
		return fmt.Errorf("%s: %w", yamlPath, err)
	}
	if err := writeGzip(jsonPath, derived); err != nil {
		return err
	}
	if *summary {
		return writeSummary(stdout, before, derived)
	}
	return nil
}

// derive returns the JSON form of the published YAML, its first member
// naming the YAML (name, beside the JSON form) and its SHA-256.
func derive(published []byte, name string) ([]byte, error) {
	converted, err := yamljson.Convert(published)
	if err != nil {
		return nil, err
	}
	if len(converted) < 2 || converted[0] != '{' {
		return nil, errors.New("expected an OpenAPI document (a mapping at the top level)")
	}
	sum := sha256.Sum256(published)
	from, err := json.Marshal(map[string]string{"yaml": name, "sha256": hex.EncodeToString(sum[:])})
	if err != nil {
		return nil, err
	}
	out := []byte(`{"` + derivedFrom + `":`)
	out = append(out, from...)
	if !bytes.HasPrefix(converted, []byte("{}")) {
		out = append(out, ',')
	}
	return append(out, converted[1:]...), nil
}

func readGzip(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out, err := maybeGunzip(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func maybeGunzip(raw []byte) ([]byte, error) {
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// writeGzip writes data gzip-compressed with no name and no time in the
// header, so that the same data gives the same bytes.
func writeGzip(path string, data []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// operations lists a derived document's revision and its operations as
// "METHOD path (operationId)".
func operations(derived []byte) (revision string, ops []string, err error) {
	var doc struct {
		Info struct {
			XgenSHA string `json:"x-xgen-sha"`
		} `json:"info"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(derived, &doc); err != nil {
		return "", nil, err
	}
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
		for _, m := range methods {
			raw, ok := doc.Paths[path][m]
			if !ok {
				continue
			}
			var op struct {
				OperationID string `json:"operationId"`
			}
			_ = json.Unmarshal(raw, &op) // an operation without one is listed without one
			ops = append(ops, fmt.Sprintf("%s %s (%s)", strings.ToUpper(m), path, op.OperationID))
		}
	}
	return doc.Info.XgenSHA, ops, nil
}

// maxListed bounds each list of the summary.
const maxListed = 50

func writeSummary(w io.Writer, before, after []byte) error {
	newRev, newOps, err := operations(after)
	if err != nil {
		return err
	}
	oldRev, oldOps := "(none)", []string(nil)
	if before != nil {
		if oldRev, oldOps, err = operations(before); err != nil {
			return err
		}
	}
	var added, removed []string
	for _, op := range newOps {
		if !slices.Contains(oldOps, op) {
			added = append(added, op)
		}
	}
	for _, op := range oldOps {
		if !slices.Contains(newOps, op) {
			removed = append(removed, op)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Revision (x-xgen-sha): `%s` → `%s`; operations: %d → %d.\n", oldRev, newRev, len(oldOps), len(newOps))
	for _, part := range []struct {
		title string
		ops   []string
	}{{"Added", added}, {"Removed (or renamed)", removed}} {
		if len(part.ops) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", part.title)
		for _, op := range part.ops[:min(len(part.ops), maxListed)] {
			fmt.Fprintf(&b, "- `%s`\n", op)
		}
		if len(part.ops) > maxListed {
			fmt.Fprintf(&b, "- and %d more\n", len(part.ops)-maxListed)
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}
