package openapi

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/atlascontract/deferwindow/openapi/internal/yamljson"
)

//go:generate go run ./internal/publishedgen upstream

// publishedJSON is MongoDB's published Atlas Administration API v2 spec
// (upstream/v2.yaml.gz, verbatim) as compact JSON, gzip-compressed: the
// form that loads fast. `make generate` derives it from the YAML; a test
// checks that it is what the YAML gives. Its first member,
// DerivedFromExtension, records the YAML's SHA-256.
//
//go:embed upstream/v2.json.gz
var publishedJSON []byte

// DerivedFromExtension is the top-level member of the embedded JSON form
// that names the published YAML it was derived from: {"file": ...,
// "sha256": ...}. LoadAtlas removes it from the document it returns.
const DerivedFromExtension = "x-contractcheck-derived-from"

// BodyTextExtension, set to "text" on a media type by an erratum, says
// that the response's body is text, not the JSON its media type names:
// its schema (a string) is judged against the text itself. Atlas answers
// createGroupDatabaseUserCert with the PEM text under a +json media type.
const BodyTextExtension = "x-contractcheck-body"

// AtlasSpecName is the name LoadAtlas gives the embedded published spec.
const AtlasSpecName = "atlas"

// MaxSpecSize bounds a spec, decompressed: the published one is 4 MB.
const MaxSpecSize = 64 << 20

// ErrErrataMismatch is wrapped by the error of loading a published spec with
// the errata overlay when the overlay left a reference the document cannot
// resolve: the document is another revision than the one the errata were
// written for (an older one lacks the components an erratum refers to).
var ErrErrataMismatch = errors.New("the errata overlay does not fit this revision of the spec")

// SpecInfo says which spec a document was loaded from, for reports.
type SpecInfo struct {
	// Name names the spec: AtlasSpecName for the embedded published spec,
	// else the name the caller gave (a file name).
	Name string
	// SHA256 is the hex SHA-256 of the spec's bytes: those the caller gave
	// (decompressed, if they were gzip), or, for the embedded spec, the
	// published YAML it was derived from (the fragment's upstreamSha256
	// when both come from the same upstream revision).
	SHA256 string
	// XgenSHA is the spec's info.x-xgen-sha, the commit of MongoDB's spec
	// repository it was built from; "" when it has none.
	XgenSHA string
	// OverlaySHA256 is the hex SHA-256 of the errata overlay applied to it
	// (errata.overlay.yaml); "" when none was.
	OverlaySHA256 string
}

// String names the spec and its digests on one line.
func (s SpecInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (sha256 %s", s.Name, s.SHA256)
	if s.XgenSHA != "" {
		fmt.Fprintf(&b, ", x-xgen-sha %s", s.XgenSHA)
	}
	if s.OverlaySHA256 != "" {
		fmt.Fprintf(&b, ", errata overlay sha256 %s", s.OverlaySHA256)
	} else {
		b.WriteString(", no errata")
	}
	b.WriteString(")")
	return b.String()
}

// LoadAtlas loads MongoDB's published Atlas Administration API v2 spec
// embedded in this module (the upstream revision the fragment was
// extracted from), with the errata overlay applied unless errata is false,
// and validates it (see LoadPublished). Every call returns a new document
// that the caller may change.
func LoadAtlas(errata bool) (*openapi3.T, SpecInfo, []Warning, error) {
	data, err := gunzip(publishedJSON)
	if err != nil {
		return nil, SpecInfo{}, nil, fmt.Errorf("the embedded published spec: %w", err)
	}
	root, err := jsonNodes(data)
	if err != nil {
		return nil, SpecInfo{}, nil, fmt.Errorf("the embedded published spec: %w", err)
	}
	// The derived form names the YAML it came from, whose digest is the
	// published spec's.
	var from struct {
		SHA256 string `yaml:"sha256"`
	}
	if n := takeMember(root.Content[0], DerivedFromExtension); n == nil || n.Decode(&from) != nil || from.SHA256 == "" {
		return nil, SpecInfo{}, nil, fmt.Errorf("the embedded published spec lacks %s.sha256", DerivedFromExtension)
	}
	return load(root, SpecInfo{Name: AtlasSpecName, SHA256: from.SHA256}, errata)
}

// LoadPublished loads a copy of MongoDB's published spec (YAML or JSON,
// possibly gzip-compressed) as it is, with the errata overlay applied
// unless errata is false; name labels errors and names the spec in its
// SpecInfo.
//
// What upstream gets wrong does not stop the load; it is a Warning:
//   - examples are not validated with the document; each one that does not
//     match its schema is a WarnInvalidExample (upstream's createGroupCluster
//     example is one);
//   - two path templates that differ only in parameter names (upstream's
//     …/sampleDatasetLoad/{name} and …/{sampleDatasetId}) are merged under
//     the first in byte order, a WarnPathConflict for each moved operation
//     (whose original template is kept in its x-contractcheck-path);
//   - an errata action that matches nothing is a WarnErrataUnmatched.
//
// Everything else is validated by kin-openapi, patterns included, which
// are compiled as ECMAScript (CompilePattern). External references are
// refused.
func LoadPublished(data []byte, name string, errata bool) (*openapi3.T, SpecInfo, []Warning, error) {
	if name == "" {
		name = "spec"
	}
	data, err := gunzip(data)
	if err != nil {
		return nil, SpecInfo{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	info := SpecInfo{Name: name, SHA256: hex.EncodeToString(sum[:])}
	root, err := documentNodes(data)
	if err != nil {
		return nil, SpecInfo{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	doc, info, warnings, err := load(root, info, errata)
	if errors.Is(err, ErrErrataMismatch) {
		// The overlay is to blame only if the document resolves without it:
		// a reference broken in the document itself is the document's error.
		if root, perr := documentNodes(data); perr == nil {
			if _, _, _, plain := load(root, SpecInfo{Name: name}, false); plain != nil {
				return nil, SpecInfo{}, nil, plain
			}
		}
	}
	return doc, info, warnings, err
}

// documentNodes reads a YAML or JSON document into yaml.v3 nodes, through
// JSON: YAML is converted first, with kin-openapi's reading of its scalars.
func documentNodes(data []byte) (*yaml.Node, error) {
	var jsonErr error
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		var root *yaml.Node
		if root, jsonErr = jsonNodes(data); jsonErr == nil {
			return root, nil
		}
	}
	converted, err := yamljson.Convert(data)
	switch {
	case err != nil && jsonErr != nil:
		// A YAML flow mapping, perhaps; as it is not, the JSON error says more.
		return nil, fmt.Errorf("not a JSON document: %w", jsonErr)
	case err != nil:
		return nil, fmt.Errorf("not a YAML or JSON document: %w", err)
	}
	return jsonNodes(converted)
}

// load applies the errata to root, decodes it and checks the document.
func load(root *yaml.Node, info SpecInfo, errata bool) (*openapi3.T, SpecInfo, []Warning, error) {
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, SpecInfo{}, nil, fmt.Errorf("%s: expected an OpenAPI document (a mapping at the top level)", info.Name)
	}
	if v := mapGet(top, "openapi"); v == nil || !strings.HasPrefix(v.Value, "3.0") {
		return nil, SpecInfo{}, nil, fmt.Errorf("%s: expected an OpenAPI 3.0.x document (top-level openapi: 3.0.x)", info.Name)
	}
	if sha := mapGet(mapGet(top, "info"), "x-xgen-sha"); sha != nil {
		info.XgenSHA = sha.Value
	}
	var warnings []Warning
	if errata {
		e, err := parseErrata(Overlay, "openapi/errata.overlay.yaml")
		if err != nil {
			return nil, SpecInfo{}, nil, err
		}
		unmatched, err := e.apply(top)
		if err != nil {
			return nil, SpecInfo{}, nil, err
		}
		for _, i := range unmatched {
			warnings = append(warnings, Warning{Code: WarnErrataUnmatched, Message: e.stale(i, info.Name)})
		}
		sum := sha256.Sum256(Overlay)
		info.OverlaySHA256 = hex.EncodeToString(sum[:])
	}
	v4, err := toYAML4(top)
	if err != nil {
		return nil, SpecInfo{}, nil, fmt.Errorf("%s: %w", info.Name, err)
	}
	// Each tree can go before the next form is built. Collecting here,
	// once per load, keeps the peak heap of loading the published spec
	// near its largest live form (about 48 MB) instead of twice that:
	// contractcheck's peak RSS over 100,000 interactions is mostly this.
	root, top = nil, nil
	runtime.GC()
	doc := &openapi3.T{}
	if err := v4.Decode(doc); err != nil {
		return nil, SpecInfo{}, nil, fmt.Errorf("%s: %w", info.Name, err)
	}
	v4 = nil
	runtime.GC()
	if err := openapi3.NewLoader().ResolveRefsIn(doc, nil); err != nil {
		if errata {
			return nil, SpecInfo{}, nil, fmt.Errorf("%s: %w (x-xgen-sha %s; the errata were written for the embedded spec's revision): %w",
				info.Name, ErrErrataMismatch, cmp.Or(info.XgenSHA, "none"), err)
		}
		return nil, SpecInfo{}, nil, fmt.Errorf("%s: %w", info.Name, err)
	}
	more, err := checkDocument(doc, info.Name)
	if err != nil {
		return nil, SpecInfo{}, nil, err
	}
	return doc, info, append(warnings, more...), nil
}

// gunzip returns data decompressed when it is gzip (its magic number),
// as it is otherwise.
func gunzip(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a gzip stream: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxSpecSize+1))
	if err != nil {
		return nil, fmt.Errorf("decompressing: %w", err)
	}
	if len(out) > MaxSpecSize {
		return nil, fmt.Errorf("decompressed, the spec is over %d MB", MaxSpecSize>>20)
	}
	return out, nil
}

// takeMember removes key from mapping m and returns its value, nil when
// absent.
func takeMember(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return v
		}
	}
	return nil
}
