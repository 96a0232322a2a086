package serve

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/internal/atlaswire"
	"github.com/atlascontract/deferwindow/internal/safetext"
)

// MockHeader marks the answers the mock makes up itself (its refusals and
// its token), as opposed to recorded ones; its value says why.
const MockHeader = "X-Contractcheck-Mock"

// MockAccessToken is the access token the mock hands out at the token
// endpoint, so clients using Service Account auth can be tested against it.
const MockAccessToken = "contractcheck-mock-token"

// MaxMockBytes bounds the recorded bodies a Mock holds: serving a recording
// keeps its answers in memory, so a larger one is refused at load, with the
// figure, rather than growing without bound.
const MaxMockBytes = 256 << 20

// Mock answers with recorded responses, for people testing their own Atlas
// code against what Atlas once said. Answers are chosen per request: by
// operation, envelope mode, version and path parameters (the project, the
// organization, the cluster…), then in recorded order, cycling at the end,
// so one project's calls never move another's. The version is the one the
// request's Accept reaches; an answer is kept for the version its request's
// Accept reached or, recorded without its request, for the one its
// Content-Type names. An answer recorded without its request whose
// Content-Type names no version (an application/json error) is in the
// sequence of every version recorded for the same path parameters, in
// recorded order, and answers every version when no answer of the
// operation names one. A version with no answer of its own, when others
// have, gets 501 CONTRACTCHECK_NO_RECORDING naming the versions recorded,
// as an envelope mode never recorded does. Path parameters never
// recorded get the sequence of the most recorded ones of that operation
// and version, with the values asked for in place of the recorded ones in
// their JSON bodies: a string value (never a member name, never part of a longer
// string) exactly equal to a recorded parameter's value becomes the value
// asked for, wherever it is (a database user's databaseName and its roles'
// databaseName "admin" alike); when two parameters recorded with one value
// are asked for with different ones, a member named as one of them takes
// its value and other such values stay as recorded; a body that is not
// JSON is served as recorded. Requests that break the spec get what Atlas
// answers: a malformed groupId the recorded negative case if there is one
// (the id asked for in place of the recorded one wherever that is a whole
// word of a string value), otherwise 404 INVALID_GROUP_ID; a missing or
// unknown version the recorded 406 if there is one, otherwise 406
// INVALID_VERSION_DATE. A recorded 401 without a challenge gets a Digest
// challenge, so Digest clients still see its body. The token endpoint the
// spec declares hands out MockAccessToken and revocation answers 200; no
// credential is checked (the fake in gen/atlastest checks them).
//
// Mock is an http.Handler; it is safe for concurrent use.
type Mock struct {
	spec    *contract.Spec
	checker *contract.Checker
	mount   string
	log     io.Writer
	logMu   sync.Mutex

	answers    map[mockKey][]*recording.Response
	fallback   map[mockKey]string     // operation, envelope mode and version → the most recorded parameters
	versions   map[mockKey][]string   // operation and envelope mode → the versions answers name, in order
	badGroup   *recording.Interaction // the first recorded refusal of a malformed groupId
	badVersion *recording.Interaction // the first recorded 406 of a missing or unknown version

	held     int64 // bytes of the bodies kept
	maxBytes int64
	kept     int

	mu   sync.Mutex
	next map[mockKey]int // the cursors of the recorded parameters' sequences
	// others are the cursors of parameters never recorded, each answered
	// with the sequence of recorded ones; at maxOtherCursors, or when their
	// keys hold maxOtherBytes, they all start over, so a client asking for
	// ever new ids (of up to a request head's size) cannot grow the mock.
	others      map[mockKey]int
	othersBytes int
}

// maxOtherCursors and maxOtherBytes bound the sequences the mock keeps for
// parameters never recorded (a project, a cluster... asked for by id).
const maxOtherCursors, maxOtherBytes = 10_000, 8 << 20

type mockKey struct {
	op       *contract.Operation
	envelope bool
	version  string // the version of op answered; "" for any (see anyVersion)
	params   string // the path parameters, canonical
}

// anyVersion is the version key of the answers to every version of an
// operation: those of an unversioned operation, and those recorded without
// their request whose Content-Type names no version of the operation.
const anyVersion = ""

// MockOptions configure a Mock.
type MockOptions struct {
	// Mount is a path prefix stripped from incoming requests (recordings are
	// routed as recorded); see contract.NormalizeMount.
	Mount string
	// Log receives a line per invalid request and per request the
	// recordings cannot answer; nil discards them.
	Log io.Writer
	// MaxBytes bounds the recorded bodies the mock holds; 0 means
	// MaxMockBytes.
	MaxBytes int64
}

// NewMock returns a mock with no answers yet: Add gives it the recorded
// ones, one interaction at a time, so a recording is never held whole.
func NewMock(spec *contract.Spec, opts MockOptions) *Mock {
	m := &Mock{
		spec: spec, checker: contract.NewChecker(spec, ""), mount: opts.Mount, log: opts.Log,
		answers: map[mockKey][]*recording.Response{}, fallback: map[mockKey]string{}, versions: map[mockKey][]string{},
		next:     map[mockKey]int{},
		others:   map[mockKey]int{},
		maxBytes: opts.MaxBytes,
	}
	if m.maxBytes <= 0 {
		m.maxBytes = MaxMockBytes
	}
	if m.log == nil {
		m.log = io.Discard
	}
	return m
}

// Add keeps the answer of one recorded interaction whose request routes to
// an operation of the spec, and ignores any other, and any without a
// response (status 0). It refuses an answer
// once the bodies kept would pass MaxMockBytes. Add is meant for setting
// the mock up, before it serves.
func (m *Mock) Add(in *recording.Interaction) error {
	if in.Request.URL == nil || in.Response.StatusCode < 100 || in.Response.BodyTooLarge || in.Response.BodyNotRecorded {
		return nil
	}
	op, params, ok := m.spec.Route(in.Request.Method, in.Request.URL.EscapedPath(), "")
	if !ok {
		return nil
	}
	if m.held += int64(len(in.Response.Body)); m.held > m.maxBytes {
		return fmt.Errorf("%s: the recorded answers to serve hold more than %d bytes; serve fewer or smaller recordings", in.Location(), m.maxBytes)
	}
	// Keyed as recorded: a version retired since is still the answer to it.
	v := m.checker.CheckRequest(context.Background(), op, params, &in.Request, time.Time{})
	problems, enveloped := v.Problems, v.Enveloped
	switch {
	case len(problems) == 0 || in.Request.NotRecorded:
		version := v.Version
		if in.Request.NotRecorded {
			version = m.answeredVersion(op, params, in)
		}
		k := mockKey{op, enveloped, version, canonicalParams(params)}
		vk := mockKey{op: op, envelope: enveloped}
		if version == anyVersion {
			// An answer naming no version is in the sequence of every
			// version recorded for these parameters, in recorded order.
			for _, named := range m.versions[vk] {
				if nk := (mockKey{op, enveloped, named, k.params}); len(m.answers[nk]) > 0 {
					m.keep(nk, &in.Response)
				}
			}
		} else {
			if len(m.answers[k]) == 0 {
				m.answers[k] = slices.Clone(m.answers[mockKey{op, enveloped, anyVersion, k.params}])
			}
			if !slices.Contains(m.versions[vk], version) {
				m.versions[vk] = append(m.versions[vk], version)
				slices.Sort(m.versions[vk])
			}
		}
		m.keep(k, &in.Response)
		m.kept++
	case groupIDProblem(problems) && !enveloped && m.badGroup == nil && in.Response.StatusCode == http.StatusNotFound:
		m.badGroup = in
	case acceptProblem(problems) && !groupIDProblem(problems) && !enveloped && m.badVersion == nil && in.Response.StatusCode == http.StatusNotAcceptable:
		m.badVersion = in
	}
	return nil
}

// keep adds an answer to the sequence of k, which becomes its operation's,
// envelope mode's and version's fallback once it is the longest.
func (m *Mock) keep(k mockKey, resp *recording.Response) {
	m.answers[k] = append(m.answers[k], resp)
	fk := mockKey{op: k.op, envelope: k.envelope, version: k.version}
	if len(m.answers[k]) > len(m.answers[mockKey{k.op, k.envelope, k.version, m.fallback[fk]}]) {
		m.fallback[fk] = k.params
	}
}

// answeredVersion is the version of op an interaction recorded without its
// request answers: the one a request naming the version of the response's
// Content-Type reaches (Atlas names the version it served), or anyVersion
// when the Content-Type names none the operation has (application/json,
// as Atlas's errors have).
func (m *Mock) answeredVersion(op *contract.Operation, params map[string]string, in *recording.Interaction) string {
	served, ok := atlaswire.ParseMediaType(in.Response.Header.Get("Content-Type"))
	if !ok {
		return anyVersion
	}
	req := recording.Request{Method: in.Request.Method, URL: in.Request.URL,
		Header: http.Header{"Accept": {served.String()}}}
	return m.checker.CheckRequest(context.Background(), op, params, &req, time.Time{}).Version
}

// Len returns the number of recorded answers the mock holds.
func (m *Mock) Len() int { return m.kept }

func groupIDProblem(ps []contract.Problem) bool {
	return slices.ContainsFunc(ps, func(p contract.Problem) bool { return p.Is(contract.InPath, "groupId") })
}

func acceptProblem(ps []contract.Problem) bool {
	return slices.ContainsFunc(ps, func(p contract.Problem) bool { return p.Is(contract.InHeader, "Accept") })
}

// canonicalParams writes path parameters in a stable order.
func canonicalParams(params map[string]string) string {
	var b strings.Builder
	for _, n := range slices.Sorted(maps.Keys(params)) {
		b.WriteString(n + "=" + params[n] + "\x00")
	}
	return b.String()
}

// parseParams reads canonicalParams back.
func parseParams(s string) map[string]string {
	out := map[string]string{}
	for kv := range strings.SplitSeq(strings.TrimSuffix(s, "\x00"), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	return out
}

// ServeHTTP answers one request.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.answer(r).WriteResponse(w)
}

func (m *Mock) answer(r *http.Request) *atlaswire.Answer {
	path, ok := strings.CutPrefix(r.URL.EscapedPath(), m.mount)
	op, params, routed := m.spec.Route(r.Method, path, "")
	switch {
	case ok && !routed && m.spec.IsAuthEndpoint(r.Method, path, ""):
		if strings.HasSuffix(path, "/revoke") {
			return &atlaswire.Answer{Status: http.StatusOK, Header: http.Header{MockHeader: {"revoke"}}}
		}
		return mockToken()
	case !ok || !routed:
		m.logf("%s %s: unknown operation", r.Method, r.URL.EscapedPath())
		return refused(atlaswire.Error(http.StatusNotFound, "RESOURCE_NOT_FOUND",
			fmt.Sprintf("No operation matches %s %s.", quote(r.Method), quote(r.URL.EscapedPath())), nil))
	}
	v := m.checker.CheckRequest(r.Context(), op, params, &recording.Request{Method: r.Method, URL: judgedURL(r, path), Header: r.Header}, time.Now())
	problems, enveloped := v.Problems, v.Enveloped
	if len(problems) > 0 {
		m.logf("%s %s: invalid request: %s", r.Method, r.URL.EscapedPath(), reasons(problems))
		return m.refusal(problems, params, enveloped)
	}
	return m.recorded(op, params, enveloped, v.Version, path, r.Method)
}

// recorded answers a valid request with the next recorded answer for its
// operation, envelope mode, version and path parameters; the answers
// naming no version only when no answer of the operation names one.
func (m *Mock) recorded(op *contract.Operation, params map[string]string, enveloped bool, version, path, method string) *atlaswire.Answer {
	asked := canonicalParams(params)
	named := m.versions[mockKey{op: op, envelope: enveloped}]
	if len(named) == 0 {
		version = anyVersion
	}
	k := mockKey{op, enveloped, version, asked}
	list := m.answers[k]
	if len(list) == 0 {
		k.params = m.fallback[mockKey{op: op, envelope: enveloped, version: version}]
		list = m.answers[k]
	}
	if len(list) == 0 {
		mode := "without envelope"
		if enveloped {
			mode = "with envelope=true"
		}
		if len(named) > 0 {
			// Recorded, but for other versions: an answer of one of them
			// would be another schema under this version's name.
			mode += fmt.Sprintf(" in version %s (recorded: %s)", version, strings.Join(named, ", "))
		}
		m.logf("%s %s: no recording answers it %s", method, path, mode)
		return refused(atlaswire.Error(http.StatusNotImplemented, "CONTRACTCHECK_NO_RECORDING",
			fmt.Sprintf("No recording answers %s %s %s; record one.", quote(method), quote(path), mode), nil))
	}
	cursor, cursors := mockKey{op, enveloped, version, asked}, m.next
	if asked != k.params {
		cursors = m.others
	}
	m.mu.Lock()
	if _, ok := cursors[cursor]; !ok && asked != k.params {
		if len(m.others) >= maxOtherCursors || m.othersBytes+len(asked) > maxOtherBytes {
			clear(m.others)
			m.othersBytes = 0
		}
		m.othersBytes += len(asked)
	}
	resp := list[cursors[cursor]%len(list)]
	cursors[cursor]++
	m.mu.Unlock()
	a := recordedAnswer(resp)
	if k.params != asked {
		// Another project's (organization's, cluster's…) answers, with the
		// values asked for in place of the recorded ones.
		a.Body = replaceParams(a.Body, parseParams(k.params), params)
	}
	if a.Status == http.StatusUnauthorized && a.Header.Get("WWW-Authenticate") == "" {
		a.Header.Set("WWW-Authenticate", atlaswire.DigestChallenge(atlaswire.NewNonce(), false))
	}
	return a
}

// refusal answers a request that breaks the spec as Atlas does, deciding
// by where each problem is, never by its wording.
func (m *Mock) refusal(problems []contract.Problem, params map[string]string, enveloped bool) *atlaswire.Answer {
	groupID := params["groupId"]
	var a *atlaswire.Answer
	switch {
	case groupIDProblem(problems) && m.badGroup != nil:
		a = recordedAnswer(&m.badGroup.Response)
		if _, recorded, ok := m.spec.Route(m.badGroup.Request.Method, m.badGroup.Request.URL.EscapedPath(), ""); ok && recorded["groupId"] != "" {
			a.Body = replaceWords(a.Body, recorded["groupId"], groupID)
		}
	case groupIDProblem(problems):
		a = atlaswire.InvalidGroupID(groupID)
	case slices.ContainsFunc(problems, func(p contract.Problem) bool { return p.Gone }):
		a = atlaswire.VersionGone()
	case acceptProblem(problems) && m.badVersion != nil:
		a = recordedAnswer(&m.badVersion.Response)
	case acceptProblem(problems):
		a = atlaswire.InvalidVersion()
	default:
		a = atlaswire.Error(http.StatusBadRequest, "VALIDATION_ERROR", "The request breaks the API contract: "+reasons(problems)+".", nil)
	}
	a = refused(a)
	if enveloped {
		a = atlaswire.Envelope(a, false)
	}
	return a
}

// recordedAnswer is a recorded response as an answer of its own to change.
func recordedAnswer(resp *recording.Response) *atlaswire.Answer {
	h := resp.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	return &atlaswire.Answer{Status: resp.StatusCode, Header: h, Body: resp.Body}
}

// reasons joins the problems' texts.
func reasons(problems []contract.Problem) string {
	texts := make([]string, len(problems))
	for i, p := range problems {
		texts[i] = p.String()
	}
	return strings.Join(texts, "; ")
}

// refused marks an answer the mock made up with its errorCode.
func refused(a *atlaswire.Answer) *atlaswire.Answer {
	var code struct {
		ErrorCode string `json:"errorCode"`
	}
	_ = json.Unmarshal(a.Body, &code)
	a.Header.Set(MockHeader, code.ErrorCode)
	return a
}

// mockToken answers a client-credentials token request.
func mockToken() *atlaswire.Answer {
	return &atlaswire.Answer{
		Status: http.StatusOK,
		Header: http.Header{MockHeader: {"token"}, "Content-Type": {"application/json"}, "Cache-Control": {"no-store"}},
		Body:   []byte(`{"access_token":"` + MockAccessToken + `","token_type":"Bearer","expires_in":3600}`),
	}
}

// replaceParams returns body with the path parameter values asked for in
// place of the recorded ones, by this rule: a JSON string value (never a
// member name) that is exactly a recorded value of a parameter asked for
// with another value becomes the asked value, wherever it is in the
// document. When parameters recorded with the same value are asked for with
// different ones, a member named as one of them takes that one's value, and
// any other such value is left as recorded. Inside a longer string value (a
// path such as a 429's "api/atlas/v2/groups/<id>/...", a detail), a
// recorded value of at least minWordSwap bytes is replaced where it stands
// as a whole word, as replaceWords does; a shorter one ("admin") is left,
// as it could be any word of the text. Every other byte is kept as
// recorded, and a body that is not JSON is returned as it is.
func replaceParams(body []byte, recorded, asked map[string]string) []byte {
	type swap struct{ name, to string }
	swaps := map[string][]swap{} // recorded value → the parameters asked for with another
	for name, from := range recorded {
		if to := asked[name]; from != "" && to != "" && to != from {
			swaps[from] = append(swaps[from], swap{name, to})
		}
	}
	if len(swaps) == 0 {
		return body
	}
	unambiguous := func(list []swap) bool {
		return !slices.ContainsFunc(list, func(s swap) bool { return s.to != list[0].to })
	}
	var words []string // the values replaced inside longer strings, longest first
	for from, list := range swaps {
		if len(from) >= minWordSwap && unambiguous(list) {
			words = append(words, from)
		}
	}
	slices.SortFunc(words, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	return replaceStrings(body, func(member, value string) (string, bool) {
		list := swaps[value]
		if len(list) == 0 {
			return swapWords(value, words, func(from string) string { return swaps[from][0].to })
		}
		if unambiguous(list) {
			return list[0].to, true
		}
		for _, s := range list {
			if s.name == member {
				return s.to, true
			}
		}
		return "", false
	})
}

// minWordSwap is the shortest recorded parameter value replaceParams
// replaces inside a longer string: a project id (24 characters) or a
// cluster name of eight, not a word such as "admin".
const minWordSwap = 8

// replaceWords returns body with to in place of from wherever from is a
// whole word of a JSON string value (never of a member name): the value
// itself, or a part of it with no letter or digit either side, as the id
// in Atlas's "Invalid group ID NOT-A-GROUP.". A body that is not JSON is
// returned as it is.
func replaceWords(body []byte, from, to string) []byte {
	return replaceStrings(body, func(_, value string) (string, bool) {
		return swapWords(value, []string{from}, func(string) string { return to })
	})
}

// swapWords replaces each of words (longest first) in value where it stands
// as a whole word, not preceded or followed by a letter or a digit, by
// to(word), in one pass from left to right: what it put in is never
// replaced again.
func swapWords(value string, words []string, to func(string) string) (string, bool) {
	isWord := func(i int) bool {
		if i < 0 || i >= len(value) {
			return false
		}
		c := value[i]
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf
	}
	if !slices.ContainsFunc(words, func(w string) bool { return strings.Contains(value, w) }) {
		return value, false
	}
	var b strings.Builder
	changed, last := false, 0
	for i := 0; i < len(value); i++ {
		if isWord(i - 1) {
			continue // a word starts only after a non-word byte
		}
		for _, w := range words {
			if strings.HasPrefix(value[i:], w) && !isWord(i+len(w)) {
				b.WriteString(value[last:i])
				b.WriteString(to(w))
				last, changed = i+len(w), true
				i = last - 1
				break
			}
		}
	}
	if !changed {
		return value, false
	}
	b.WriteString(value[last:])
	return b.String(), true
}

// replaceStrings returns body with the JSON string values (not member
// names) for which replace says so replaced; member is the name of the
// member the value is in ("" in an array or at the top). Every other byte
// is kept as recorded. A body that is not one JSON document (empty, text,
// cut short) is returned as it is: nothing in it is replaced.
func replaceStrings(body []byte, replace func(member, value string) (string, bool)) []byte {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	var (
		out    []byte
		copied int // body[:copied] is in out
		member string
	)
	for {
		kind := dec.PeekKind()
		if kind == 0 {
			break // the end, or an error ReadToken reports
		}
		if kind != '"' {
			if _, err := dec.ReadToken(); err != nil {
				return body
			}
			continue
		}
		depth := dec.StackDepth()
		inObject, n := dec.StackIndex(depth)
		isName := inObject == '{' && n%2 == 0
		raw, err := dec.ReadValue()
		if err != nil {
			return body
		}
		value, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			continue // invalid UTF-8: no value asked for is equal to it
		}
		if isName {
			member = string(value)
			continue
		}
		name := ""
		if inObject == '{' {
			name = member
		}
		to, ok := replace(name, string(value))
		if !ok {
			continue
		}
		quoted, err := jsontext.AppendQuote(nil, to)
		if err != nil {
			continue // a value asked for that is not UTF-8 stays as recorded
		}
		end := int(dec.InputOffset())
		out = append(append(out, body[copied:end-len(raw)]...), quoted...)
		copied = end
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return body // not one JSON document
	}
	if out == nil {
		return body
	}
	return append(out, body[copied:]...)
}

func (m *Mock) logf(format string, args ...any) {
	m.logMu.Lock()
	defer m.logMu.Unlock()
	// A log that refuses a line has nowhere to report it; the server goes on.
	_, _ = io.WriteString(m.log, safetext.EscapeControl("contractcheck serve: "+fmt.Sprintf(format, args...))+"\n")
}

// quote bounds what an answer repeats of a request.
func quote(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
