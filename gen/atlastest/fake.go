package atlastest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/atlascontract/deferwindow/contract"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// Fake is the fake Atlas as an http.Handler, without a listener: NewServer
// starts one for a test, `contractcheck serve --fake` one for a process. It
// is safe for concurrent use.
type Fake struct {
	core *contract.Server
	s    settings

	mu       sync.Mutex
	projects map[string]*Project
	scripts  map[string][]Reply
	tokens   map[string]issuedToken
	nonces   map[string]nonce
	buckets  map[string]*bucket
	offset   time.Duration
}

// Reply is a scripted answer for one project's next request, given after
// authentication and in place of the fake's own answer. Scripted answers
// do not change the project's state.
type Reply struct {
	// Status answers with this status and Atlas's usual error for it (200:
	// the empty success). 0 with Delay: the fake's own answer, late; its
	// state change happens on time, as when a client gives up on a call
	// that Atlas carried out.
	Status int `json:"status,omitempty"`
	// ErrorCode replaces the error's code.
	ErrorCode string `json:"errorCode,omitempty"`
	// Delay holds the answer back.
	Delay time.Duration `json:"delay,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// ProxyHTML answers with a proxy's HTML error page (502 unless Status
	// says otherwise), as a load balancer in front of Atlas would. It is a
	// fault: not held to the fragment.
	ProxyHTML bool `json:"proxyHTML,omitempty"`
}

// New returns a fake configured by opts.
func New(opts ...Option) (*Fake, error) {
	f := &Fake{s: settings{tokenLifetime: time.Hour}}
	for _, o := range opts {
		if o != nil {
			o(&f.s)
		}
	}
	if len(f.s.projects) == 0 {
		f.s.projects = []Project{ScheduledProject(DefaultProjectID)}
	}
	if len(f.s.serviceAccounts) == 0 && len(f.s.apiKeys) == 0 {
		f.s.serviceAccounts = []ServiceAccount{DefaultServiceAccount}
		f.s.apiKeys = []APIKey{DefaultAPIKey}
	}
	for _, p := range f.s.projects {
		if err := validateProject(p); err != nil {
			return nil, fmt.Errorf("atlastest: %w", err)
		}
	}
	if rl := f.s.rateLimit; rl != nil && (rl.Limit <= 0 || rl.Per <= 0) {
		return nil, errors.New("atlastest: a rate limit needs a positive limit and period")
	}
	if f.s.spec == nil {
		spec, err := contract.DefaultSpec()
		if err != nil {
			return nil, err
		}
		f.s.spec = spec
	}
	f.core = contract.NewServer(f.s.spec, contract.AnswerFunc(f.answer), contract.ServerOptions{
		Mount: f.s.mount, OnVerdict: f.verdict, JournalSize: 10000, Control: f.controlHandler(),
	})
	f.tokens = map[string]issuedToken{}
	f.nonces = map[string]nonce{}
	f.Reset()
	return f, nil
}

// ServeHTTP answers one request.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.core.ServeHTTP(w, r) }

// Core returns the server core the fake answers through (its limits,
// Serve and Configure).
func (f *Fake) Core() *contract.Server { return f.core }

// ServiceAccount returns the first Service Account the fake accepts.
func (f *Fake) ServiceAccount() (ServiceAccount, bool) {
	if len(f.s.serviceAccounts) == 0 {
		return ServiceAccount{}, false
	}
	return f.s.serviceAccounts[0], true
}

// APIKey returns the first API key the fake accepts.
func (f *Fake) APIKey() (APIKey, bool) {
	if len(f.s.apiKeys) == 0 {
		return APIKey{}, false
	}
	return f.s.apiKeys[0], true
}

// Project returns a project's current state.
func (f *Fake) Project(id string) (Project, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.projects[id]
	if !ok {
		return Project{}, false
	}
	return *p, true
}

// Projects returns every project's current state, sorted by id.
func (f *Fake) Projects() []Project {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Project, 0, len(f.projects))
	for _, p := range f.projects {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Project) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// SetProject adds a project or replaces its state.
func (f *Fake) SetProject(p Project) error {
	if err := validateProject(p); err != nil {
		return err
	}
	f.mu.Lock()
	f.projects[p.ID] = &p
	f.mu.Unlock()
	return nil
}

func validateProject(p Project) error {
	if err := atlas.ValidateGroupID(p.ID); err != nil {
		return err
	}
	if p.Deferrals < 0 || p.Deferrals > MaxDeferrals {
		return fmt.Errorf("project %s: deferrals must be 0 to %d, not %d", p.ID, MaxDeferrals, p.Deferrals)
	}
	return nil
}

// Script queues the next answers for one project's requests; other
// projects are not affected.
func (f *Fake) Script(projectID string, replies ...Reply) {
	f.mu.Lock()
	f.scripts[projectID] = append(f.scripts[projectID], replies...)
	f.mu.Unlock()
}

// Journal returns the requests received so far, oldest first, with
// credentials redacted.
func (f *Fake) Journal() []contract.JournalEntry { return f.core.Journal() }

// Reset returns to the seeded state: projects, scripts, rate-limit buckets
// and the journal. Issued tokens and the clock stay.
func (f *Fake) Reset() {
	f.mu.Lock()
	f.projects = make(map[string]*Project, len(f.s.projects))
	for _, p := range f.s.projects {
		p := p
		f.projects[p.ID] = &p
	}
	f.scripts = map[string][]Reply{}
	f.buckets = map[string]*bucket{}
	f.mu.Unlock()
	f.core.ClearJournal()
}

// Advance moves the fake's clock forward: tokens expire and rate-limit
// buckets refill by it.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.offset += d
	f.mu.Unlock()
}

func (f *Fake) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Add(f.offset)
}

// answer is the fake's Answerer.
func (f *Fake) answer(c *contract.Call) *contract.Answer {
	r := c.Request
	switch {
	case c.TokenExchange:
		return f.tokenEndpoint(r)
	case r.Method == http.MethodPost && c.Path == revokePath:
		return f.revokeEndpoint(r)
	case c.Operation == nil:
		return contract.ErrorAnswer(http.StatusNotFound, "RESOURCE_NOT_FOUND",
			fmt.Sprintf("No resource matches %s %s.", r.Method, c.Path), nil)
	}
	principal, refusal := f.authenticate(r)
	if refusal != nil {
		return f.wrap(c, refusal)
	}
	a := f.authorized(c, principal)
	a.Principal = principal.name
	return f.wrap(c, a)
}

func (f *Fake) authorized(c *contract.Call, p *principal) *contract.Answer {
	var limitHeaders func(*contract.Answer)
	if f.s.rateLimit != nil {
		ok, remaining, retryAfter, refusals := f.take(p.name)
		if !ok {
			rl := f.s.rateLimit
			return rateLimited(c.Path, rl.Limit, int(rl.Per.Round(time.Second)/time.Second), retryAfter, refusals)
		}
		limitHeaders = func(a *contract.Answer) {
			a.Header.Set("RateLimit-Limit", fmt.Sprint(f.s.rateLimit.Limit))
			a.Header.Set("RateLimit-Remaining", fmt.Sprint(remaining))
		}
	}
	a := f.operation(c, p)
	if limitHeaders != nil && !a.Fault && a.Header != nil {
		limitHeaders(a)
	}
	return a
}

func (f *Fake) operation(c *contract.Call, p *principal) *contract.Answer {
	id := c.Params["groupId"]
	switch {
	case c.AcceptProblem():
		return contract.InvalidVersionAnswer()
	case c.GroupIDProblem():
		return contract.InvalidGroupIDAnswer(id)
	case len(c.Problems) > 0:
		// A non-boolean envelope: the code of the spec's badRequest example,
		// as no capture of Atlas's answer to it was found.
		return contract.ErrorAnswer(http.StatusBadRequest, "VALIDATION_ERROR",
			"The request breaks the API contract: "+strings.Join(c.Problems, "; ")+".", nil)
	case !p.may(id):
		return forbidden(id)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	proj, ok := f.projects[id]
	if q := f.scripts[id]; len(q) > 0 {
		reply := q[0]
		f.scripts[id] = q[1:]
		if a := scripted(reply, id, c.Path); a != nil {
			return a
		}
		// A delay alone: the fake's own answer, late.
		a := f.applyDefer(proj, ok, id)
		a.Delay = reply.Delay
		return a
	}
	return f.applyDefer(proj, ok, id)
}

// applyDefer applies a defer to a project's state; f.mu is held.
func (f *Fake) applyDefer(p *Project, known bool, id string) *contract.Answer {
	switch {
	case !known:
		return notFound(id)
	case !p.WindowDefined:
		return windowNotDefined(id)
	case !p.Scheduled:
		return notScheduled(id)
	case p.Deferrals >= MaxDeferrals:
		return deferralsExceeded(id)
	}
	p.Deferrals++
	return deferred()
}

// deferred is Atlas's success: 200 with no body and no Content-Type, the
// version in X-Content-Type (the PATCH capture in the upstream wire folder,
// and defer-deferral-limit.yaml).
func deferred() *contract.Answer {
	return &contract.Answer{Status: http.StatusOK, Header: http.Header{"X-Content-Type": {"application/vnd.atlas.2023-01-01+json"}}}
}

func scripted(r Reply, id, path string) *contract.Answer {
	var a *contract.Answer
	switch {
	case r.Drop:
		a = &contract.Answer{Drop: true, Fault: true}
	case r.ProxyHTML:
		status := r.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		a = &contract.Answer{
			Status: status, Fault: true,
			Header: http.Header{"Content-Type": {"text/html"}, "Server": {"awselb/2.0"}},
			Body:   fmt.Appendf(nil, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n", status, http.StatusText(status), status, http.StatusText(status)),
		}
	case r.Status == http.StatusOK:
		a = deferred()
	case r.Status != 0:
		a = scriptedError(r.Status, r.ErrorCode, id, path)
	default:
		return nil
	}
	a.Delay = r.Delay
	return a
}

// wrap adds what every answer to the operation carries: a challenge on a
// 401, the envelope when asked for.
func (f *Fake) wrap(c *contract.Call, a *contract.Answer) *contract.Answer {
	if a.Status == http.StatusUnauthorized && !a.Fault && a.Header.Get("WWW-Authenticate") == "" {
		a.Header.Set("WWW-Authenticate", contract.DigestChallenge(f.newNonce(), false))
	}
	if c.Enveloped && !a.Fault && !a.Drop {
		principal, delay := a.Principal, a.Delay
		// A 401 keeps its status even so: HTTP authentication answers
		// the challenge by the status.
		a = contract.Envelope(a, f.s.envelopeOK && a.Status != http.StatusUnauthorized)
		a.Principal, a.Delay = principal, delay
	}
	return a
}

// verdict reports an answer that breaks the fragment.
func (f *Fake) verdict(c *contract.Call, a *contract.Answer, j contract.Judgement) {
	var errs []string
	for _, fd := range j.Findings {
		if fd.Severity == contract.SeverityError {
			where := string(fd.Rule)
			if fd.Pointer != "" {
				where += " at " + fd.Pointer
			}
			errs = append(errs, where+": "+fd.Message)
		}
	}
	if len(errs) == 0 || f.s.onViolation == nil {
		return
	}
	f.s.onViolation(fmt.Sprintf("atlastest: the fake answered %s %s with %d, which breaks the fragment: %s",
		c.Request.Method, c.Path, a.Status, strings.Join(errs, "; ")))
}

func detailOf(a *contract.Answer) string {
	var e struct {
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(a.Body, &e)
	return e.Detail
}
