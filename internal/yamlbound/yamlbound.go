// Package yamlbound bounds what the YAML library (go.yaml.in/yaml/v4) would
// build from a document, before it builds anything, and checks the shape of
// what it built: the go-vcr cassettes and the CLI's settings files are
// input from outside.
//
// yaml.Load composes the whole document into a tree of yaml.Node values
// (about 200 bytes each, plus the strings) and offers no hook per node, so
// a 60 MB file of one-character values takes gigabytes. Count walks the
// bytes once, the way the library's
// scanner (go.yaml.in/yaml/v4, internal/libyaml/scanner.go) tokenizes them,
// and counts the tokens that may each become a node. It builds nothing and
// holds nothing but a stack of indentation columns.
//
// The count is an upper bound, never an estimate: every node the library
// composes starts at a token counted here (a scalar, an alias, a flow
// collection's opening bracket), or is a collection or an empty value that a
// counted indicator may open ("-", "?", ":", ","), and indicators are
// counted for the most nodes they can open. What the library reads as one
// scalar (a quoted scalar over several lines, a block scalar, a plain scalar
// continued on the next lines) is skipped whole only where the library is
// certain to read it so: where a token may start, with the same
// indentation stack, simple-key and flow-level rules. FuzzYAMLNodeBound
// holds the bound to the node count of every tree yaml.Load builds.
package yamlbound

import (
	"fmt"

	"go.yaml.in/yaml/v4"
)

// Weights of the tokens, in nodes: the most nodes each can make.
const (
	scalarNodes    = 1 // a scalar, or an alias
	flowStartNodes = 2 // a flow collection, and an empty value it implies ({a})
	entryNodes     = 2 // "-": a block sequence, and an empty entry
	indicatorNodes = 3 // "?" or ":": a mapping (a block one, or a flow pair), an empty key, an empty value
	flowEntryNodes = 1 // ",": an empty value the previous key implies
	documentNodes  = 2 // a document, and its empty root
)

// Token kinds the scanner remembers for the flow rule of ":" (see fetchNextToken).
const (
	tokOther = iota
	tokValue
	tokKey
	tokFlowMappingStart
	tokFlowSequenceStart
	tokFlowEntry
)

type nodeBound struct {
	data  []byte
	i     int
	line  int // 1-based line of data[i]
	col   int // 0-based column of data[i], in characters
	count int
	limit int

	maxValue  int // the most bytes one scalar may span
	valueLine int // where a scalar over maxValue starts, or 0

	flow    int
	indents []int // the block indentation stack; its top is the current indent (-1 at the top level)

	keyAllowed  bool // a simple key may start at the next token
	keyPossible bool
	keyLine     int
	keyCol      int
	lineStruct  int // column of the last "-", "?" or key that opened a block collection on this line, or -1
	lastTok     int
}

// Bound is what Count found.
type Bound struct {
	// Nodes is an upper bound on the nodes yaml.Load builds, counted up to
	// the first limit passed.
	Nodes int
	// NodesLine is the 1-based line where Nodes passed its limit, or 0.
	NodesLine int
	// ValueLine is the 1-based line where a scalar longer than the limit
	// of one value starts, or 0.
	ValueLine int
}

// Count bounds the nodes yaml.Load builds from data, and the length of its
// scalars (in bytes of the file), stopping at the first that passes its
// limit: maxNodes nodes, or a scalar of more than maxValue bytes.
func Count(data []byte, maxNodes, maxValue int) Bound {
	s := &nodeBound{data: data, line: 1, limit: maxNodes, maxValue: maxValue, indents: []int{-1}, keyAllowed: true, lineStruct: -1}
	s.run()
	b := Bound{Nodes: s.count, ValueLine: s.valueLine}
	if s.count > maxNodes {
		b.NodesLine = s.line
	}
	return b
}

// value notes the scalar that started at byte start on line line, and
// reports whether it is within the limit of one value.
func (s *nodeBound) value(start, line int) bool {
	if s.i-start > s.maxValue {
		s.valueLine = line
		return false
	}
	return true
}

func (s *nodeBound) top() int { return s.indents[len(s.indents)-1] }

// add counts n nodes and reports whether the bound is still within the limit.
func (s *nodeBound) add(n int) bool {
	s.count += n
	return s.count <= s.limit
}

// at returns the byte at offset k from the current position, or 0 past the end.
func (s *nodeBound) at(k int) byte {
	if s.i+k < len(s.data) {
		return s.data[s.i+k]
	}
	return 0
}

// breakLen returns the length of the line break at offset k (CR, LF, CR LF,
// NEL, LS, PS), or 0.
func (s *nodeBound) breakLen(k int) int {
	switch s.at(k) {
	case '\n':
		return 1
	case '\r':
		if s.at(k+1) == '\n' {
			return 2
		}
		return 1
	case 0xC2:
		if s.at(k+1) == 0x85 {
			return 2
		}
	case 0xE2:
		if s.at(k+1) == 0x80 && (s.at(k+2) == 0xA8 || s.at(k+2) == 0xA9) {
			return 3
		}
	}
	return 0
}

func (s *nodeBound) eof(k int) bool { return s.i+k >= len(s.data) }

func isBlankByte(c byte) bool { return c == ' ' || c == '\t' }

// blankz reports whether offset k holds a blank, a line break or the end.
func (s *nodeBound) blankz(k int) bool {
	return s.eof(k) || isBlankByte(s.at(k)) || s.breakLen(k) > 0
}

func isFlowIndicator(c byte) bool {
	return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'
}

// skip advances over one character.
func (s *nodeBound) skip() {
	c := s.data[s.i]
	s.i++
	for s.i < len(s.data) && s.data[s.i]&0xC0 == 0x80 && c >= 0xC0 {
		s.i++ // the rest of a UTF-8 sequence
	}
	s.col++
}

// skipBreak advances over the line break at the current position.
func (s *nodeBound) skipBreak() {
	s.i += s.breakLen(0)
	s.line++
	s.col = 0
	s.lineStruct = -1
	if s.flow == 0 {
		s.keyAllowed = true
	}
}

// skipToBreak advances to the next line break or the end.
func (s *nodeBound) skipToBreak() {
	s.skipPast(&breakStarts)
	for !s.eof(0) && s.breakLen(0) == 0 {
		s.skip()
		s.skipPast(&breakStarts)
	}
}

// byteSet is a set of bytes.
type byteSet [256]bool

func newByteSet(chars string) (b byteSet) {
	for i := range len(chars) {
		b[chars[i]] = true
	}
	return b
}

// Bytes that may start a line break (CR, LF, NEL, LS, PS), and those that
// may end a quoted scalar's run of plain characters.
var (
	breakStarts = newByteSet("\r\n\xc2\xe2")
	singleStops = newByteSet("'\r\n\xc2\xe2")
	doubleStops = newByteSet("\"\\\r\n\xc2\xe2")
	// What may end a plain scalar's line, or be a character to look at.
	plainStops     = newByteSet(" \t:\r\n\xc2\xe2")
	flowPlainStops = newByteSet(" \t:,[]{}\r\n\xc2\xe2")
)

// skipPast advances over the bytes not in stops, counting columns in
// characters: the fast path of the scans over long scalars and comments.
func (s *nodeBound) skipPast(stops *byteSet) {
	i, col := s.i, s.col
	for i < len(s.data) && !stops[s.data[i]] {
		if s.data[i]&0xC0 != 0x80 {
			col++
		}
		i++
	}
	s.i, s.col = i, col
}

func (s *nodeBound) unroll(col int) {
	if s.flow > 0 {
		return
	}
	for s.top() > col {
		s.indents = s.indents[:len(s.indents)-1]
	}
}

func (s *nodeBound) roll(col int) {
	if s.flow == 0 && s.top() < col {
		s.indents = append(s.indents, col)
	}
	if s.flow == 0 {
		s.lineStruct = max(s.lineStruct, col)
	}
}

// saveKey notes where a simple key may start.
func (s *nodeBound) saveKey() {
	if s.keyAllowed {
		s.keyPossible, s.keyLine, s.keyCol = true, s.line, s.col
	}
}

func (s *nodeBound) run() {
	if !s.add(documentNodes) {
		return
	}
	stalled := 0
	for {
		// Skip white space, comments and line breaks to the next token.
		for {
			if s.eof(0) {
				return
			}
			c := s.at(0)
			switch {
			case s.col == 0 && c == 0xEF && s.at(1) == 0xBB && s.at(2) == 0xBF:
				s.i += 3
			case c == ' ' || c == '\t':
				s.skip()
			case c == '#':
				s.skipToBreak()
			case s.breakLen(0) > 0:
				s.skipBreak()
			default:
				goto token
			}
		}
	token:
		s.unroll(s.col)
		at := s.i
		if !s.token() {
			return
		}
		// An empty plain scalar (":" before "," in a flow sequence) moves
		// nothing, as in the library, which then reads the ":" as a value
		// indicator; should it ever stall twice, move on.
		if s.i != at {
			stalled = 0
		} else if stalled++; stalled > 1 {
			s.skip()
			stalled = 0
		}
	}
}

// token scans one token at the current position and reports whether the
// bound is still within the limit.
func (s *nodeBound) token() bool {
	c := s.at(0)
	if s.col == 0 && (c == '-' && s.at(1) == '-' && s.at(2) == '-' || c == '.' && s.at(1) == '.' && s.at(2) == '.') && s.blankz(3) {
		s.unroll(-1)
		s.keyPossible, s.keyAllowed = false, false
		s.skip()
		s.skip()
		s.skip()
		s.lastTok = tokOther
		return s.add(documentNodes) // "..." may be followed by another document
	}
	if s.col == 0 && c == '%' {
		s.skipToBreak() // a directive
		return true
	}
	switch {
	case c == '[' || c == '{':
		s.saveKey()
		s.flow++
		s.keyAllowed = true
		s.skip()
		s.lastTok = tokFlowSequenceStart
		if c == '{' {
			s.lastTok = tokFlowMappingStart
		}
		return s.add(flowStartNodes)
	case c == ']' || c == '}':
		s.keyPossible = false
		if s.flow > 0 {
			s.flow--
		}
		s.keyAllowed = false
		s.skip()
		s.lastTok = tokOther
		return true
	case c == ',':
		s.keyPossible = false
		s.keyAllowed = true
		s.skip()
		s.lastTok = tokFlowEntry
		return s.add(flowEntryNodes)
	case c == '-' && s.blankz(1):
		if s.flow == 0 {
			s.roll(s.col)
		}
		s.keyPossible = false
		s.keyAllowed = true
		s.skip()
		s.lastTok = tokOther
		return s.add(entryNodes)
	case c == '?' && s.blankz(1):
		if s.flow == 0 {
			s.roll(s.col)
		}
		s.keyPossible = false
		s.keyAllowed = s.flow == 0
		s.skip()
		s.lastTok = tokKey
		return s.add(indicatorNodes)
	case c == ':' && s.isValue():
		if s.keyPossible && s.keyLine == s.line {
			s.roll(s.keyCol)
			s.keyPossible = false
			s.keyAllowed = false
		} else {
			if s.flow == 0 {
				s.roll(s.col)
			}
			s.keyAllowed = s.flow == 0
		}
		s.skip()
		s.lastTok = tokValue
		return s.add(indicatorNodes)
	case c == '*' || c == '&':
		s.saveKey()
		s.keyAllowed = false
		s.skip()
		s.skipAnchorName()
		s.lastTok = tokOther
		if c == '*' {
			return s.add(scalarNodes)
		}
		return true
	case c == '!':
		s.saveKey()
		s.keyAllowed = false
		s.skipTag()
		s.lastTok = tokOther
		return true
	case (c == '|' || c == '>') && s.flow == 0:
		s.keyPossible = false
		s.keyAllowed = true
		s.lastTok = tokOther
		start, line := s.i, s.line
		s.blockScalar()
		return s.value(start, line) && s.add(scalarNodes)
	case c == '\'' || c == '"':
		s.saveKey()
		s.keyAllowed = false
		start, line := s.i, s.line
		s.quoted(c)
		s.lastTok = tokOther
		return s.value(start, line) && s.add(scalarNodes)
	default:
		// A plain scalar (or a character that cannot start a token, which
		// the library refuses: counting it as a scalar only over-counts).
		s.saveKey()
		s.keyAllowed = false
		start, line := s.i, s.line
		s.plain()
		s.lastTok = tokOther
		return s.value(start, line) && s.add(scalarNodes)
	}
}

// isValue reports whether the ":" at the current position is a value
// indicator rather than the start of a plain scalar, by the library's rule.
func (s *nodeBound) isValue() bool {
	if s.blankz(1) {
		return true
	}
	if s.flow == 0 {
		return false
	}
	if s.lastTok == tokFlowEntry || s.lastTok == tokFlowSequenceStart {
		return false // isFlowSequence
	}
	plainScalar := (s.lastTok == tokValue || s.lastTok == tokKey || s.lastTok == tokFlowMappingStart) && !isFlowIndicator(s.at(1))
	return !plainScalar
}

func isAnchorByte(c byte) bool { return c > 0x20 && c < 0x7F && !isFlowIndicator(c) }

// skipAnchorName skips the name of an anchor or an alias: ASCII printable
// characters but blanks and flow indicators, where a run of colons belongs
// to the name only when a name character follows it.
func (s *nodeBound) skipAnchorName() {
	for !s.eof(0) && isAnchorByte(s.at(0)) {
		if s.at(0) == ':' {
			k := 1
			for s.at(k) == ':' {
				k++
			}
			if !isAnchorByte(s.at(k)) {
				return
			}
			for range k {
				s.skip()
			}
			continue
		}
		s.skip()
	}
}

// skipTag skips a tag: "!<verbatim>", or up to a blank (or, in a flow
// collection, a flow indicator).
func (s *nodeBound) skipTag() {
	s.skip()
	if s.at(0) == '<' {
		for !s.eof(0) && s.breakLen(0) == 0 && s.at(0) != '>' {
			s.skip()
		}
		if s.at(0) == '>' {
			s.skip()
		}
		return
	}
	for !s.blankz(0) && (s.flow == 0 || !isFlowIndicator(s.at(0))) {
		s.skip()
	}
}

// quoted skips a single- or double-quoted scalar, over as many lines as it
// takes.
func (s *nodeBound) quoted(q byte) {
	s.skip()
	stops := &singleStops
	if q == '"' {
		stops = &doubleStops
	}
	for {
		s.skipPast(stops)
		if s.eof(0) {
			return
		}
		c := s.at(0)
		switch {
		case s.breakLen(0) > 0:
			s.skipBreak()
		case q == '\'' && c == '\'' && s.at(1) == '\'':
			s.skip()
			s.skip()
		case c == q:
			s.skip()
			return
		case q == '"' && c == '\\':
			s.skip()
			if s.breakLen(0) > 0 {
				s.skipBreak()
			} else if !s.eof(0) {
				s.skip()
			}
		default:
			s.skip()
		}
	}
}

// plain skips a plain scalar: to ": ", " #", the end of the line (and, in a
// flow collection, a flow indicator), then over the next lines that
// continue it (more indented than the current block indent, or any line in
// a flow collection), as the library does.
func (s *nodeBound) plain() {
	indent := s.top()
	afterBreak := false
	defer func() { s.keyAllowed = afterBreak }() // the library allows a simple key after a plain scalar that ended at a line break
	for {
		// One line's worth.
		if !s.blankz(0) {
			afterBreak = false
		}
		stops := &plainStops
		if s.flow > 0 {
			stops = &flowPlainStops
		}
		for {
			s.skipPast(stops)
			if s.blankz(0) {
				break
			}
			c := s.at(0)
			if c == ':' && s.blankz(1) {
				return
			}
			if s.flow > 0 && (isFlowIndicator(c) || c == ':' && (s.at(1) == ' ' || s.at(1) == ',' || s.at(1) == ']' || s.at(1) == '}')) {
				return
			}
			s.skip()
		}
		// Blanks and line breaks; a comment or a document marker ends it.
		sawBreak := false
		for !s.eof(0) && (isBlankByte(s.at(0)) || s.breakLen(0) > 0) {
			if s.breakLen(0) > 0 {
				s.skipBreak()
				sawBreak, afterBreak = true, true
			} else {
				s.skip()
			}
		}
		if s.eof(0) || s.at(0) == '#' {
			return
		}
		if s.col == 0 && (s.at(0) == '-' && s.at(1) == '-' && s.at(2) == '-' || s.at(0) == '.' && s.at(1) == '.' && s.at(2) == '.') && s.blankz(3) {
			return
		}
		if sawBreak && s.flow == 0 && s.col <= indent {
			return
		}
	}
}

// blockScalar skips a literal or folded block scalar: its header, then the
// lines indented at least as much as its content (blank lines included).
func (s *nodeBound) blockScalar() {
	n := max(s.top(), s.lineStruct)
	s.skip() // "|" or ">"
	increment := 0
	for range 2 {
		switch c := s.at(0); {
		case c == '+' || c == '-':
			s.skip()
		case c >= '1' && c <= '9' && increment == 0:
			increment = int(c - '0')
			s.skip()
		}
	}
	for isBlankByte(s.at(0)) {
		s.skip()
	}
	if s.at(0) == '#' {
		s.skipToBreak()
	}
	if !s.eof(0) && s.breakLen(0) == 0 {
		return // not a block scalar header: the library refuses it; the rest of the line is scanned as tokens
	}
	if s.eof(0) {
		return
	}
	s.skipBreak()
	indent := 0
	determined := false
	if increment > 0 {
		indent, determined = max(n, 0)+increment, true
	}
	maxLeading := 0
	for !s.eof(0) {
		spaces := 0
		for s.at(spaces) == ' ' {
			spaces++
		}
		if s.eof(spaces) {
			break
		}
		if s.breakLen(spaces) > 0 {
			if !determined {
				maxLeading = max(maxLeading, spaces)
			}
			s.i += spaces
			s.skipBreak()
			continue
		}
		if !determined {
			indent, determined = max(maxLeading, spaces, n+1), true
		}
		if spaces < indent {
			break // the first line of what follows: left at its start
		}
		s.i += spaces
		s.col = spaces
		s.skipToBreak()
		if !s.eof(0) {
			s.skipBreak()
		}
	}
}

// Shape bounds what a built tree may hold: the YAML library compares the
// keys of a mapping pairwise when it decodes one, so a mapping of 40,000
// keys would take seconds, and nesting costs stack.
type Shape struct {
	MaxKeys  int // keys of one mapping
	MaxDepth int // levels of nesting
}

// Check returns the first node under n that breaks the shape, and why, or
// nil. Aliases are not followed: their target is checked where it stands.
func (sh Shape) Check(n *yaml.Node) (*yaml.Node, string) { return sh.check(n, 0) }

func (sh Shape) check(n *yaml.Node, depth int) (*yaml.Node, string) {
	if depth > sh.MaxDepth {
		return n, fmt.Sprintf("YAML nested deeper than %d levels", sh.MaxDepth)
	}
	if n.Kind == yaml.MappingNode && len(n.Content) > 2*sh.MaxKeys {
		return n, fmt.Sprintf("a YAML mapping with %d keys, over the limit of %d", len(n.Content)/2, sh.MaxKeys)
	}
	for _, c := range n.Content {
		if bad, msg := sh.check(c, depth+1); bad != nil {
			return bad, msg
		}
	}
	return nil, ""
}
