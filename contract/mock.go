package contract

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// MockServer answers with recorded responses, for people testing their own
// Atlas code against what Atlas once said. It is a Server whose answers are
// chosen per request: by operation, envelope mode and project id, then in
// recorded order (cycling at the end), so one project's calls never move
// another's. A project that was never recorded is answered with the
// sequence of the most recorded one, its project id replaced by the one
// asked for. Requests that break the fragment get what Atlas answers: a
// malformed groupId the recorded negative case if there is one, otherwise
// 404 INVALID_GROUP_ID; a missing or unknown version the recorded 406 if
// there is one, otherwise 406 INVALID_VERSION_DATE. A recorded 401 without a challenge gets a Digest
// challenge, so Digest clients still see its body. The mock hands out
// MockAccessToken at the token endpoint the spec declares; it checks no
// credentials (the fake in gen/atlastest does).
type MockServer struct {
	*Server

	log   io.Writer
	logMu sync.Mutex

	answers    map[mockKey][]*recording.Response
	fallback   map[mockKey]string     // op and envelope mode → the most recorded project
	badGroup   *recording.Interaction // the first recorded refusal of a malformed groupId
	badVersion *recording.Interaction // the first recorded 406 of a missing or unknown version

	mu   sync.Mutex
	next map[mockKey]int
}

type mockKey struct {
	op       *Operation
	envelope bool
	project  string
}

// NewMockServer returns a mock answering with the responses of ins.
// opts.Mount is stripped from incoming requests only; recordings are routed
// as recorded. Invalid requests and recorded answers that break the
// fragment are described on log (nil: discard).
func NewMockServer(spec *Spec, ins []*recording.Interaction, opts CheckOptions, log io.Writer) *MockServer {
	if log == nil {
		log = io.Discard
	}
	m := &MockServer{log: log, answers: map[mockKey][]*recording.Response{}, fallback: map[mockKey]string{}, next: map[mockKey]int{}}
	m.Server = NewServer(spec, AnswerFunc(m.answer), ServerOptions{Mount: opts.Mount, OnVerdict: m.verdict})
	checker := m.checker
	counts := map[mockKey]int{}
	for _, in := range ins {
		if in.Request.URL == nil || in.Response.BodyTooLarge || in.Response.BodyNotRecorded {
			continue
		}
		op, params, ok := spec.Route(in.Request.Method, in.Request.URL.EscapedPath(), "")
		if !ok {
			continue
		}
		problems, enveloped := checker.checkRequest(context.Background(), op, params, &in.Request)
		c := &Call{Problems: problems}
		switch {
		case len(problems) == 0:
			k := mockKey{op, enveloped, params["groupId"]}
			m.answers[k] = append(m.answers[k], &in.Response)
			counts[k]++
			if fk := (mockKey{op: op, envelope: enveloped}); counts[k] > counts[mockKey{op, enveloped, m.fallback[fk]}] {
				m.fallback[fk] = k.project
			}
		case c.GroupIDProblem() && !enveloped && m.badGroup == nil && in.Response.StatusCode == http.StatusNotFound:
			m.badGroup = in
		case c.AcceptProblem() && !c.GroupIDProblem() && !enveloped && m.badVersion == nil && in.Response.StatusCode == http.StatusNotAcceptable:
			m.badVersion = in
		}
	}
	return m
}

func (m *MockServer) answer(c *Call) *Answer {
	r := c.Request
	switch {
	case c.TokenExchange:
		return mockToken()
	case c.Operation == nil:
		m.logf("%s %s: unknown operation", r.Method, r.URL.EscapedPath())
		return refused(ErrorAnswer(http.StatusNotFound, "RESOURCE_NOT_FOUND",
			fmt.Sprintf("No operation matches %s %s.", r.Method, r.URL.EscapedPath()), nil))
	case len(c.Problems) > 0:
		m.logf("%s %s: invalid request: %s", r.Method, r.URL.EscapedPath(), strings.Join(c.Problems, "; "))
		return m.refusal(c)
	}
	project := c.Params["groupId"]
	k := mockKey{c.Operation, c.Enveloped, project}
	recorded := m.answers[k]
	if len(recorded) == 0 {
		k.project = m.fallback[mockKey{op: c.Operation, envelope: c.Enveloped}]
		recorded = m.answers[k]
	}
	if len(recorded) == 0 {
		mode := "without envelope"
		if c.Enveloped {
			mode = "with envelope=true"
		}
		a := refused(ErrorAnswer(http.StatusNotImplemented, "CONTRACTCHECK_NO_RECORDING",
			fmt.Sprintf("No recording answers %s %s %s; record one.", c.Request.Method, c.Path, mode), nil))
		a.Fault = true
		return a
	}
	cursor := mockKey{c.Operation, c.Enveloped, project}
	m.mu.Lock()
	resp := recorded[m.next[cursor]%len(recorded)]
	m.next[cursor]++
	m.mu.Unlock()
	a := recordedAnswer(resp)
	if k.project != project && k.project != "" {
		a.Body = []byte(strings.ReplaceAll(string(a.Body), k.project, project))
	}
	if a.Status == http.StatusUnauthorized && a.Header.Get("WWW-Authenticate") == "" {
		a.Header.Set("WWW-Authenticate", DigestChallenge(newNonce(), false))
	}
	return a
}

// refusal answers a request that breaks the fragment as Atlas does.
func (m *MockServer) refusal(c *Call) *Answer {
	groupID := c.Params["groupId"]
	var a *Answer
	switch {
	case c.GroupIDProblem() && m.badGroup != nil:
		a = refused(recordedAnswer(&m.badGroup.Response))
		_, params, _ := m.spec.Route(m.badGroup.Request.Method, m.badGroup.Request.URL.EscapedPath(), "")
		a.Body = []byte(strings.ReplaceAll(string(a.Body), jsonString(params["groupId"]), jsonString(groupID)))
		if c.Enveloped {
			a = Envelope(a, false)
		}
		return a
	case c.GroupIDProblem():
		a = InvalidGroupIDAnswer(groupID)
	case c.AcceptProblem() && m.badVersion != nil:
		a = recordedAnswer(&m.badVersion.Response)
	case c.AcceptProblem():
		a = InvalidVersionAnswer()
	default:
		a = ErrorAnswer(http.StatusBadRequest, "VALIDATION_ERROR",
			"The request breaks the API contract: "+strings.Join(c.Problems, "; ")+".", nil)
	}
	a = refused(a)
	if c.Enveloped {
		a = Envelope(a, false)
	}
	return a
}

// refused marks an answer the mock made up.
func refused(a *Answer) *Answer {
	var code struct {
		ErrorCode string `json:"errorCode"`
	}
	_ = json.Unmarshal(a.Body, &code)
	a.Header.Set(MockHeader, code.ErrorCode)
	return a
}

// jsonString is s as the inside of a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func (m *MockServer) verdict(c *Call, _ *Answer, j Judgement) {
	for _, f := range j.Findings {
		if f.Severity == SeverityError {
			m.logf("%s %s: the answer breaks the contract: %s %s", c.Request.Method, c.Path, f.Rule, f.Message)
		}
	}
}

func (m *MockServer) logf(format string, args ...any) {
	m.logMu.Lock()
	defer m.logMu.Unlock()
	// A log that refuses a line has nowhere to report it; the server goes on.
	_, _ = fmt.Fprintf(m.log, "contractcheck serve: "+format+"\n", args...)
}

// MockAccessToken is the access token the mock hands out at the token
// endpoint, so clients using Service Account auth can be tested against it.
const MockAccessToken = "contractcheck-mock-token"

// mockToken answers a client-credentials token request.
func mockToken() *Answer {
	return &Answer{
		Status: http.StatusOK,
		Header: http.Header{MockHeader: {"token"}, "Content-Type": {"application/json"}, "Cache-Control": {"no-store"}},
		Body:   []byte(`{"access_token":"` + MockAccessToken + `","token_type":"Bearer","expires_in":3600}`),
	}
}

// MockHeader marks the answers the mock makes up itself (its refusals and
// its token), as opposed to recorded ones; its value says why.
const MockHeader = "X-Contractcheck-Mock"

// ErrorAnswer is an ApiError answer in Atlas's shape: Content-Type
// application/json and error, errorCode, detail, parameters and reason,
// reason being the status text.
func ErrorAnswer(status int, code, detail string, params []any) *Answer {
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{
		"error": status, "errorCode": code, "reason": http.StatusText(status), "detail": detail, "parameters": params,
	})
	return &Answer{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
}

// InvalidGroupIDAnswer is Atlas's 404 INVALID_GROUP_ID for a malformed
// groupId, as recorded in the shipped defer-variants recording.
func InvalidGroupIDAnswer(groupID string) *Answer {
	return ErrorAnswer(http.StatusNotFound, "INVALID_GROUP_ID", fmt.Sprintf("Invalid group ID %s.", groupID), []any{groupID})
}

// InvalidVersionAnswer is Atlas's 406 INVALID_VERSION_DATE for a missing,
// malformed or too early versioned Accept header, as the Atlas CLI prints
// it.
func InvalidVersionAnswer() *Answer {
	return ErrorAnswer(http.StatusNotAcceptable, "INVALID_VERSION_DATE", "Invalid accept header or version date.", nil)
}

// Envelope wraps an answer as Atlas does for envelope=true:
// {"status": N, "content": body}, as JSON. The transport status is 200 when
// transportOK is set, else the answer's own status.
func Envelope(a *Answer, transportOK bool) *Answer {
	content := json.RawMessage(a.Body)
	if len(a.Body) == 0 {
		content = json.RawMessage("{}")
	}
	body, err := json.Marshal(struct {
		Content json.RawMessage `json:"content"`
		Status  int             `json:"status"`
	}{content, a.Status})
	if err != nil {
		return a // not JSON: left as it is, and the check says so
	}
	out := *a
	out.Header = a.Header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	out.Header.Set("Content-Type", "application/json")
	out.Header.Del("X-Content-Type")
	out.Body = body
	if transportOK {
		out.Status = http.StatusOK
	}
	return &out
}

// DigestRealm is the realm of Atlas's HTTP Digest challenge.
const DigestRealm = "MMS Public API"

// DigestChallenge is the WWW-Authenticate value Atlas sends to an API-key
// client: RFC 7616 Digest, MD5, qop="auth", in the shape MongoDB documents.
func DigestChallenge(nonce string, stale bool) string {
	return fmt.Sprintf(`Digest realm="%s", domain="", nonce="%s", algorithm=MD5, qop="auth", stale=%t`, DigestRealm, nonce, stale)
}

// newNonce returns a fresh random nonce.
func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
