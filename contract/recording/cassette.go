package recording

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/atlascontract/deferwindow/internal/yamlbound"
)

// cassetteHead is the top of a go-vcr cassette; the interactions are decoded
// one node at a time so each keeps its line.
type cassetteHead struct {
	Version      yaml.Node `yaml:"version"`
	Interactions yaml.Node `yaml:"interactions"`
}

// readCassette reads a go-vcr v4 cassette whole (YAML cannot be streamed),
// refusing one larger than MaxCassetteBytes, holding more than
// MaxCassetteNodes nodes or a value longer than MaxCassetteValueBytes,
// before parsing. lead is what was consumed from the start of the input
// (white space), r the rest, size the size of the input when known (else
// 0), and again, when not nil, gives the input back from its start: the YAML
// library then reads the file again rather than the copy in memory, which
// is dropped before it builds its tree.
func readCassette(name string, r *bufio.Reader, lead []byte, size int64, again func() (io.Reader, error), opts Options, fn func(*Interaction) error) error {
	// Room for the whole file up front: growing from io.ReadAll's 512
	// bytes would leave about twice a large cassette's size as garbage.
	var buf bytes.Buffer
	buf.Grow(int(min(size, MaxCassetteBytes)+1) + bytes.MinRead)
	_, err := buf.ReadFrom(io.MultiReader(bytes.NewReader(lead), io.LimitReader(r, MaxCassetteBytes+1)))
	data := buf.Bytes()
	if err != nil {
		return fileError(name, 0, "cannot read: "+errText(err), err)
	}
	if int64(len(data)) > MaxCassetteBytes {
		return fileError(name, 0, fmt.Sprintf("cassette is larger than %d bytes (%d MiB), the limit for a go-vcr cassette: "+
			"a YAML cassette is parsed whole in memory, so memory use grows with its size; "+
			"record large exchanges as HAR 1.2 instead, which is read entry by entry", int64(MaxCassetteBytes), MaxCassetteBytes>>20), nil)
	}
	if looksBinary(data[len(lead):]) {
		return fileError(name, 0, "unknown format: binary data, neither a HAR 1.2 file (JSON) nor a go-vcr v4 cassette (YAML)", nil)
	}
	if line, b := invalidUTF8(data); line > 0 {
		return fileError(name, line, fmt.Sprintf("invalid UTF-8 (byte 0x%02x): a YAML cassette must be UTF-8 text", b), nil)
	}
	switch b := yamlbound.Count(data, MaxCassetteNodes, MaxCassetteValueBytes); {
	case b.ValueLine > 0:
		return fileError(name, b.ValueLine, fmt.Sprintf("a YAML value (a scalar: a body, say) of more than %d bytes (%d MiB) starts on this line, "+
			"the limit for one value of a go-vcr cassette: the YAML library takes about five times a value's size to parse it, "+
			"so the limit keeps a cassette within 400 MB; record large bodies as HAR 1.2 instead, which is read entry by entry", MaxCassetteValueBytes, MaxCassetteValueBytes>>20), nil)
	case b.NodesLine > 0:
		return fileError(name, b.NodesLine, fmt.Sprintf("the cassette holds more than %d YAML nodes (keys, values, collections) by this line, "+
			"the limit for a go-vcr cassette: the YAML library builds a tree of the whole cassette, about 200 bytes a node, before any interaction is read, "+
			"so the limit keeps a cassette within 400 MB; an interaction counts about 200, so record long sessions as HAR 1.2 instead, which is read entry by entry", MaxCassetteNodes), nil)
	}
	doc, err := loadYAML(data, again)
	if err != nil {
		if errors.Is(err, errChanged) {
			return fileError(name, 0, "cannot read: the file changed while it was read", nil)
		}
		return yamlError(name, -1, 0, "invalid YAML: ", nil, err)
	}
	if n, msg := cassetteShape.Check(doc); n != nil {
		return fileError(name, n.Line, msg+": a go-vcr cassette nests about seven levels, and its largest mappings (headers) hold a few dozen keys", nil)
	}
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return fileError(name, root.Line, "unknown format: expected a HAR 1.2 file (a JSON object) or a go-vcr v4 cassette (a YAML mapping with version and interactions)", nil)
	}
	var head cassetteHead
	if err := root.Load(&head); err != nil {
		return yamlError(name, -1, 0, "invalid cassette: ", root, err)
	}
	if head.Version.Kind == 0 {
		return fileError(name, root.Line, "not a go-vcr cassette: no \"version\" key (go-vcr v4 writes version: 2)", nil)
	}
	var version int
	if err := head.Version.Load(&version); err != nil {
		return fileError(name, head.Version.Line, "cassette version must be an integer", nil)
	}
	if version != cassette.CassetteFormatVersion {
		return fileError(name, head.Version.Line, fmt.Sprintf("cassette format version %d; this reader supports version %d (go-vcr v4)", version, cassette.CassetteFormatVersion), nil)
	}
	items := &head.Interactions
	if items.Kind == yaml.AliasNode && items.Alias != nil {
		items = items.Alias
	}
	if items.Kind == 0 || items.Kind == yaml.ScalarNode && items.Tag == "!!null" {
		return fileError(name, root.Line, "no interactions: the cassette records no requests", nil)
	}
	if items.Kind != yaml.SequenceNode {
		return fileError(name, items.Line, "interactions must be a YAML sequence", nil)
	}
	if len(items.Content) == 0 {
		return fileError(name, items.Line, "no interactions: the cassette records no requests", nil)
	}
	max, left, sizes := opts.maxBody(), opts.budget(), map[*yaml.Node]int64{}
	for i, node := range items.Content {
		if err := left.charge(aliasBytes(node, sizes)); err != nil {
			return &Error{File: name, Line: node.Line, Index: i, Msg: "interaction " + strconv.Itoa(i) + ": " + err.Error()}
		}
		it, err := cassetteInteraction(name, i, node, max, left)
		if err != nil {
			return err
		}
		items.Content[i] = nil // its nodes are garbage once delivered (unless an alias refers to them)
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

func cassetteInteraction(name string, index int, node *yaml.Node, max int64, left *decodeBudget) (*Interaction, *Error) {
	line := node.Line
	if node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	bad := func(line int, format string, args ...any) *Error {
		return &Error{File: name, Line: line, Index: index,
			Msg: "interaction " + strconv.Itoa(index) + ": " + fmt.Sprintf(format, args...)}
	}
	if node.Kind != yaml.MappingNode {
		return nil, bad(line, "expected a mapping with request and response")
	}
	for _, key := range []string{"request", "response"} {
		if v := mapValue(node, key); v == nil || v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			return nil, bad(line, "%s is missing", key)
		}
	}
	var ci cassette.Interaction
	if err := node.Load(&ci); err != nil {
		return nil, yamlError(name, index, line, "interaction "+strconv.Itoa(index)+": ", node, err)
	}
	at := func(path ...string) int {
		if v := mapValue(node, path...); v != nil {
			return v.Line
		}
		return line
	}
	it := &Interaction{File: name, Index: index, Line: line}

	rq := &ci.Request
	if rq.Method == "" {
		return nil, bad(at("request"), "request.method is missing")
	}
	u, msg := parseAbsoluteURL(rq.URL)
	if msg != "" {
		return nil, bad(at("request", "url"), "request.url %s", msg)
	}
	it.Request.Method, it.Request.URL = rq.Method, u
	it.Request.Header = canonicalHeader(rq.Headers)
	it.Request.NotRecorded = headersNotRecorded(it.Request.Header)
	b, err := decodeBody(contentCodings(it.Request.Header), rq.Body, max, left)
	if err != nil {
		return nil, bad(at("request", "body"), "request body: %v", err)
	}
	it.Request.Body, it.Request.BodyTooLarge, it.Request.BodySize = b.data, b.tooLarge, b.size

	rs := &ci.Response
	if rs.Code == 0 {
		return nil, bad(at("response"), "response.code is missing")
	}
	if rs.Code < 100 || rs.Code > 999 {
		return nil, bad(at("response", "code"), "response.code %d is not an HTTP status code (100-999)", rs.Code)
	}
	it.Response.StatusCode = rs.Code
	it.Response.Header = canonicalHeader(rs.Headers)
	var codings []string
	if !rs.Uncompressed {
		codings = contentCodings(it.Response.Header)
	}
	if b, err = decodeBody(codings, rs.Body, max, left); err != nil {
		return nil, bad(at("response", "body"), "response body: %v", err)
	}
	it.Response.Body, it.Response.BodyTooLarge, it.Response.BodySize = b.data, b.tooLarge, b.size
	if v := mapValue(node, "response", "body"); v != nil {
		it.Response.BodyLine = v.Line
	}
	omittedAsTooLarge(&it.Request.Body, &it.Request.BodyTooLarge, &it.Request.BodySize, it.Request.Header)
	omittedAsTooLarge(&it.Response.Body, &it.Response.BodyTooLarge, &it.Response.BodySize, it.Response.Header)
	return it, nil
}

// Limits on what the YAML library builds from a cassette, checked before
// it builds anything. It composes the whole cassette into a tree of nodes
// (about 200 bytes each) before any interaction is read, and it takes about
// five times a scalar's size to read a long one (its buffer doubles as it
// goes, then is copied into a string). With MaxCassetteBytes, these keep
// the heap used to read any cassette under 400 MB.
const (
	// MaxCassetteNodes is the most YAML nodes (keys, values, collections)
	// a cassette may hold, by a count that is never below what the
	// library builds, and about twice it for a cassette as go-vcr writes
	// it: an interaction with a dozen headers counts about 200, so a
	// cassette holds up to about 1,200 interactions. Record longer
	// sessions as HAR, which is read entry by entry.
	MaxCassetteNodes = 250_000
	// MaxCassetteValueBytes is the most bytes of the file one YAML scalar
	// (a body, a header value) may span: 16 MiB, four times the default
	// body cap. Record larger bodies as HAR, whose bodies are streamed.
	MaxCassetteValueBytes = 16 << 20
)

// cassetteShape bounds the shape of a cassette, checked before it is
// decoded: the YAML library compares the keys of a mapping pairwise, so a
// mapping of 40,000 keys would take seconds. A go-vcr cassette nests about
// seven levels deep, and its largest mappings (headers) hold a few dozen
// keys.
var cassetteShape = yamlbound.Shape{MaxKeys: 1000, MaxDepth: 100}

// aliasBytes returns the bytes that decoding n repeats through YAML aliases:
// the size of every alias's target, counted as if written out (its
// scalars, plus one per node). sizes holds the sizes already computed.
func aliasBytes(n *yaml.Node, sizes map[*yaml.Node]int64) int64 {
	if n.Kind == yaml.AliasNode {
		return expandedSize(n.Alias, sizes)
	}
	var total int64
	for _, c := range n.Content {
		total += aliasBytes(c, sizes)
	}
	return total
}

// expandedSize returns the size of n with its aliases written out.
func expandedSize(n *yaml.Node, sizes map[*yaml.Node]int64) int64 {
	if n == nil {
		return 0
	}
	if size, ok := sizes[n]; ok {
		return size
	}
	sizes[n] = 0 // an anchor that contains itself counts once
	size := int64(1 + len(n.Value))
	if n.Kind == yaml.AliasNode {
		size = expandedSize(n.Alias, sizes)
	}
	for _, c := range n.Content {
		size += expandedSize(c, sizes)
	}
	sizes[n] = size
	return size
}

// errChanged reports a file that was not the same when read again.
var errChanged = errors.New("changed while read")

// loadYAML parses data, which must hold exactly one YAML document, as
// yaml.Load does. When again is not nil it reads the input again from the
// start instead, so that data, dropped, is not held while the library
// builds the tree; what it reads again must be what data holds, or it
// returns errChanged.
func loadYAML(data []byte, again func() (io.Reader, error)) (*yaml.Node, error) {
	src, sum := io.Reader(bytes.NewReader(data)), [sha256.Size]byte{}
	hash := sha256.New()
	if again != nil {
		if r, err := again(); err == nil {
			sum = sha256.Sum256(data)
			src = io.TeeReader(io.LimitReader(r, int64(len(data))), hash)
			data = nil
		}
	}
	loader, err := yaml.NewLoader(src)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	switch err := loader.Load(&doc); {
	case err == io.EOF:
		return nil, errors.New("yaml: no documents in stream")
	case err != nil:
		return nil, err
	}
	var next any
	switch err := loader.Load(&next); {
	case err == nil:
		return nil, errors.New("yaml: expected single document, found multiple")
	case err != io.EOF:
		return nil, err
	}
	if data == nil && !bytes.Equal(hash.Sum(nil), sum[:]) {
		return nil, errChanged
	}
	return &doc, nil
}

// decodeBody is decodeContent for a body held as a string: a body without
// coding is cut to the cap before it is copied, so a body of 60 MB is not
// copied whole to keep 4 MiB of it.
func decodeBody(codings []string, raw string, max int64, left *decodeBudget) (body, error) {
	if len(codings) == 0 || raw == "" {
		if int64(len(raw)) > max {
			return body{data: []byte(raw[:max]), tooLarge: true, size: int64(len(raw))}, nil
		}
		return body{data: []byte(raw), size: int64(len(raw))}, nil
	}
	return decodeContent(codings, []byte(raw), max, left)
}

// omittedAsTooLarge marks an empty body that a Recorder left out for being
// over its cap (see RecorderOptions.MaxBodyBytes) as too large, of unknown
// size, so that it is reported as such rather than judged as empty.
func omittedAsTooLarge(body *[]byte, tooLarge *bool, size *int64, h http.Header) {
	if len(*body) == 0 && strings.HasPrefix(h.Get(OmittedHeader), omittedTooLarge) {
		*tooLarge, *size = true, -1
	}
}

// mapValue follows keys through nested mappings.
func mapValue(n *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// canonicalHeader copies h under canonical names, in a stable order, without
// HTTP/2 pseudo-headers.
func canonicalHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, ":") {
			continue
		}
		for _, v := range h[k] {
			out.Add(k, v)
		}
	}
	return out
}

// looksBinary reports whether the start of data is not text: a NUL byte in
// the first 512 bytes.
func looksBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 512)], 0) >= 0
}

// invalidUTF8 returns the line and value of the first byte that is not UTF-8,
// or 0 when data is valid.
func invalidUTF8(data []byte) (line int, b byte) {
	if utf8.Valid(data) {
		return 0, 0
	}
	line = 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return line, data[i]
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return 0, 0
}
