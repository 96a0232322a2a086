package atlastest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlascontract/deferwindow/internal/atlaswire"
	"github.com/atlascontract/deferwindow/internal/httpserve"
)

// FaultHeader marks an answer the fake gives as a fault it was scripted to
// give (a proxy's HTML page): it is not Atlas's answer, so it is not held
// to the fragment. Its value names the fault ("proxy-html"). A dropped
// connection carries nothing and is no answer at all.
const FaultHeader = "X-Atlastest-Fault"

// ErrDropNeedsServer is what ServeHTTP panics with when a scripted
// Reply{Drop: true} comes due on a request that no net/http server is
// serving (see Reply.Drop). It wraps http.ErrAbortHandler.
var ErrDropNeedsServer = fmt.Errorf("atlastest: Reply{Drop: true} closes a connection, and this request came without one (the Fake was called in-process, not through a server such as NewServer's): %w", http.ErrAbortHandler)

// Fake is the fake Atlas as an http.Handler, without a listener: NewServer
// starts one for a test, `contractcheck serve --fake` one for a process. It
// is safe for concurrent use.
type Fake struct {
	s               settings
	mount           string
	serviceAccounts []acceptedAccount
	apiKeys         []acceptedKey
	control         http.Handler
	controlToken    string

	offset  atomic.Int64 // the clock's advance, in nanoseconds
	creds   *credentials
	limiter *limiter
	journal journal

	closed    chan struct{} // closed by Close: scripted delays end
	closeOnce sync.Once

	// decided, when set (by tests), runs between a request's decision and
	// its journal entry.
	decided func(*call)

	mu       sync.Mutex
	seq      uint64 // the last decision's number, in the order decided
	projects map[string]*Project
	scripts  map[string][]Reply
	queued   int // replies in scripts
}

// acceptedAccount and acceptedKey are credentials the fake accepts, with
// whom they authenticate as.
type (
	acceptedAccount struct {
		ServiceAccount
		principal principal
	}
	acceptedKey struct {
		APIKey
		principal principal
	}
)

// Reply is a scripted answer for one project's next request, given after
// authentication and in place of the fake's own answer. Scripted answers
// do not change the project's state.
type Reply struct {
	// Status answers with this status and Atlas's usual error for it (200:
	// the empty success): 200 or 400 to 599. 0 with Delay: the fake's own
	// answer, late; its state change happens on time, as when a client
	// gives up on a call that Atlas carried out.
	Status int `json:"status,omitempty"`
	// ErrorCode replaces the error's code: upper-case letters, digits and
	// underscores, as Atlas's codes are.
	ErrorCode string `json:"errorCode,omitempty"`
	// Delay holds the answer back, at most MaxReplyDelay.
	Delay time.Duration `json:"delay,omitempty"`
	// Drop closes the connection without an answer, so the client sees a
	// transport error (a closed connection; a reset stream over HTTP/2).
	// It needs a net/http server between the client and the Fake: the
	// Server of NewServer, `contractcheck serve --fake`, an
	// httptest.Server or any http.Server the Fake is mounted in. Without
	// one, when ServeHTTP is called directly (an httptest.ResponseRecorder,
	// a RoundTripper that calls the handler in-process), there is no
	// connection to close and ServeHTTP panics with ErrDropNeedsServer
	// (which wraps http.ErrAbortHandler), where a server would have
	// recovered from the abort.
	Drop bool `json:"drop,omitempty"`
	// ProxyHTML answers with a proxy's HTML error page (502 unless Status
	// says otherwise), as a load balancer in front of Atlas would. It is a
	// fault: marked with FaultHeader, and not held to the fragment.
	ProxyHTML bool `json:"proxyHTML,omitempty"`
}

// outcome is what the fake decided for one request.
type outcome struct {
	answer    *atlaswire.Answer
	delay     time.Duration
	drop      bool
	fault     bool
	principal string
	// seq numbers the decision, in the order the fake decided (under
	// f.mu); at is when. The journal lists requests by seq.
	seq uint64
	at  time.Time
}

// New returns a fake configured by opts. Every option value it refuses is
// in the error at once, each a *FieldError.
func New(opts ...Option) (*Fake, error) {
	f := &Fake{s: settings{tokenLifetime: time.Hour}, closed: make(chan struct{})}
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
	if err := f.s.check(); err != nil {
		return nil, fmt.Errorf("atlastest: %w", err)
	}
	f.mount = strings.TrimSuffix(f.s.mount, "/")
	for _, a := range f.s.serviceAccounts {
		f.serviceAccounts = append(f.serviceAccounts, acceptedAccount{a, principal{name: a.ClientID, projects: a.Projects}})
	}
	for _, k := range f.s.apiKeys {
		f.apiKeys = append(f.apiKeys, acceptedKey{k, principal{name: k.PublicKey, projects: k.Projects}})
	}
	f.controlToken = f.s.controlToken
	if f.controlToken == "" {
		var b [24]byte
		// crypto/rand.Read never returns an error (Go 1.24 and later).
		_, _ = rand.Read(b[:])
		f.controlToken = "atlastest_control_" + hex.EncodeToString(b[:])
	}
	f.creds = newCredentials(f.s.tokenLifetime)
	f.limiter = &limiter{rl: f.s.rateLimit, buckets: map[string]*bucket{}}
	f.control = f.controlHandler()
	f.Reset()
	return f, nil
}

// check returns every settings value New refuses.
func (s *settings) check() error {
	var fe fieldErrors
	checkProjects(&fe, "projects", s.projects)
	checkTokenLifetime(&fe, "tokenLifetime", s.tokenLifetime)
	if s.rateLimit != nil {
		checkRateLimit(&fe, "rateLimit", *s.rateLimit)
	}
	for i, a := range s.serviceAccounts {
		if a.ClientID == "" || a.ClientSecret == "" {
			fe.add(fmt.Sprintf("serviceAccounts[%d]", i), "a Service Account needs a client id and a secret")
		}
	}
	for i, k := range s.apiKeys {
		if k.PublicKey == "" || k.PrivateKey == "" {
			fe.add(fmt.Sprintf("apiKeys[%d]", i), "an API key needs a public and a private key")
		}
	}
	if t := s.controlToken; t != "" && (len(t) < 16 || strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r > '~' })) {
		fe.add("controlToken", "want at least 16 characters of printable ASCII without spaces")
	}
	if m := s.mount; m != "" && (!strings.HasPrefix(m, "/") || strings.ContainsAny(m, "?#")) {
		fe.add("mount", "%q: want a path such as /atlas", m)
	}
	return fe.err()
}

// ServeHTTP answers one request: the control API below ControlPrefix, the
// API below the mount prefix.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, ControlPrefix) || r.URL.Path+"/" == ControlPrefix {
		f.control.ServeHTTP(w, r)
		return
	}
	c := f.route(r)
	o := f.answer(c)
	if f.decided != nil {
		f.decided(c)
	}
	f.journal.record(c, o)
	if o.delay > 0 {
		t := time.NewTimer(o.delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-f.closed:
			// The server is shutting down: no answer, the connection
			// dropped, rather than hold its Close for the delay.
			t.Stop()
			if r.Context().Value(http.ServerContextKey) != nil {
				httpserve.DropConnection(w)
			}
			return
		case <-t.C:
		}
	}
	if o.drop || o.answer == nil {
		if r.Context().Value(http.ServerContextKey) == nil {
			// No server holds a connection to close, and none will
			// recover the abort: say why, rather than panic with the
			// bare http.ErrAbortHandler a server would swallow.
			panic(ErrDropNeedsServer)
		}
		httpserve.DropConnection(w)
		return
	}
	o.answer.WriteResponse(w)
}

// Close ends the scripted delays (Reply.Delay) in flight and makes any to
// come end at once, each request's connection dropped without an answer
// (nothing is written where no server is, as for Reply.Drop). A server
// waits for its requests on Close or Shutdown, so whoever closes the
// Fake's server calls Close first: NewServer's cleanup and Server.Close
// do, as does `contractcheck serve --fake` when it stops; otherwise a
// delay in flight holds the server up to MaxReplyDelay. The Fake answers
// everything else as before; Close may be called more than once.
func (f *Fake) Close() { f.closeOnce.Do(func() { close(f.closed) }) }

// ControlToken returns the token the control API requires, as
// "Authorization: Bearer TOKEN": random per fake unless WithControlToken
// set it.
func (f *Fake) ControlToken() string { return f.controlToken }

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

// errNoProject is the error for a project the fake does not hold.
var errNoProject = errors.New("no such project")

// SetProject adds a project or replaces its state; the replies scripted
// for it are dropped.
func (f *Fake) SetProject(p Project) error {
	var fe fieldErrors
	checkProject(&fe, "project", p)
	if err := fe.err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.projects[p.ID]; !ok && len(f.projects) >= MaxProjects {
		return &FieldError{Field: "project", Reason: fmt.Sprintf("the fake holds %d projects already, its most", MaxProjects)}
	}
	f.projects[p.ID] = &p
	f.queued -= len(f.scripts[p.ID])
	delete(f.scripts, p.ID)
	return nil
}

// Script queues the next answers for one project's requests; other
// projects are not affected. The project must exist, each reply be one the
// fake can give (see Reply), and the queue stay within MaxScriptedReplies
// per project (and ten times that for all projects); otherwise nothing is
// queued and the error says why.
func (f *Fake) Script(projectID string, replies ...Reply) error {
	var fe fieldErrors
	for i, r := range replies {
		checkReply(&fe, fmt.Sprintf("[%d]", i), r)
	}
	if err := fe.err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.projects[projectID]; !ok {
		return fmt.Errorf("project %s: %w; seed it first", projectID, errNoProject)
	}
	if err := f.scriptRoom(projectID, len(replies)); err != nil {
		return err
	}
	f.scripts[projectID] = append(f.scripts[projectID], replies...)
	f.queued += len(replies)
	return nil
}

// errQueueFull is the error for a script past the queue's bounds.
var errQueueFull = errors.New("the script queue is full")

// scriptRoom says whether n more replies fit the queues; f.mu is held.
func (f *Fake) scriptRoom(projectID string, n int) error {
	switch have := len(f.scripts[projectID]); {
	case have+n > MaxScriptedReplies:
		return fmt.Errorf("%w: project %s has %d replies queued; %d more would pass the most, %d", errQueueFull, projectID, have, n, MaxScriptedReplies)
	case f.queued+n > maxScriptedTotal:
		return fmt.Errorf("%w: %d replies are queued for all projects; %d more would pass the most, %d", errQueueFull, f.queued, n, maxScriptedTotal)
	}
	return nil
}

// scriptRoomLeft is how many more replies the project's queue takes.
func (f *Fake) scriptRoomLeft(projectID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return max(0, min(MaxScriptedReplies-len(f.scripts[projectID]), maxScriptedTotal-f.queued))
}

// Scripted returns the replies queued for a project, next first.
func (f *Fake) Scripted(projectID string) []Reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.scripts[projectID])
}

// Journal returns the requests received so far, oldest first (at most the
// last 10,000), with credentials redacted: a copy, Header maps included,
// that the caller may change.
func (f *Fake) Journal() []JournalEntry { return f.journal.list() }

// Reset returns to the seeded state: projects, scripts, rate-limit buckets
// and the journal, from which the requests decided before it stay out
// even if still in flight. Issued tokens and the clock stay.
func (f *Fake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.projects = make(map[string]*Project, len(f.s.projects))
	for _, p := range f.s.projects {
		f.projects[p.ID] = &p
	}
	f.scripts = map[string][]Reply{}
	f.queued = 0
	f.limiter.reset()
	f.journal.clear(f.seq)
}

// Advance moves the fake's clock forward by d: tokens and nonces expire,
// rate-limit buckets refill. d must be positive, and the clock stays
// within MaxClockOffset of the real one.
func (f *Fake) Advance(d time.Duration) error {
	if d <= 0 {
		return &FieldError{Field: "advance", Reason: fmt.Sprintf("%v; want a positive duration such as 1h", d)}
	}
	for {
		old := f.offset.Load()
		if d > MaxClockOffset-time.Duration(old) {
			return &FieldError{Field: "advance", Reason: fmt.Sprintf("%v would move the clock past %v ahead of the real one (it is %v ahead)", d, MaxClockOffset, time.Duration(old))}
		}
		if f.offset.CompareAndSwap(old, old+int64(d)) {
			return nil
		}
	}
}

func (f *Fake) now() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) }

func (f *Fake) nowNanos() int64 { return f.now().UnixNano() }

// answer decides the answer to a request and numbers the decision: where
// it read or changed state under f.mu, there; otherwise once decided.
func (f *Fake) answer(c *call) *outcome {
	o := f.decide(c)
	if o.seq == 0 {
		f.mu.Lock()
		f.number(o)
		f.mu.Unlock()
	}
	return o
}

// number gives o the next decision number; f.mu is held.
func (f *Fake) number(o *outcome) {
	f.seq++
	o.seq, o.at = f.seq, time.Now()
}

// decide decides the answer to a request.
func (f *Fake) decide(c *call) *outcome {
	switch c.kind {
	case callToken:
		return f.tokenEndpoint(c.r)
	case callRevoke:
		return f.revokeEndpoint(c.r)
	case callUnknown:
		return &outcome{answer: noResource(c.r.Method, c.path)}
	}
	p, refusal := f.authenticate(c.r)
	if refusal != nil {
		return f.wrap(c, &outcome{answer: refusal})
	}
	o := f.authorized(c, p)
	o.principal = p.name
	return f.wrap(c, o)
}

// authorized answers an authenticated call as Atlas does, in Atlas's
// order: the version (406, before the operation runs: no rate-limit
// headers, as defer-versions.yaml records it), the rate limit (429), the
// groupId (404 INVALID_GROUP_ID), the envelope parameter (400), the
// credential's access (403), then the script or the project's state. Every
// answer past the version carries RateLimit-Limit and RateLimit-Remaining,
// as every such answer of the shipped recordings does.
func (f *Fake) authorized(c *call, p *principal) *outcome {
	if !c.versionOK {
		return &outcome{answer: atlaswire.InvalidVersion()}
	}
	// The rate limit and the project's state are read and changed, and
	// the decision numbered, under f.mu: the journal lists requests in the
	// order they were decided.
	f.mu.Lock()
	rate := f.limiter.take(p.name, f.now())
	if !rate.ok {
		o := &outcome{answer: rateLimited(c.path, rate.limit, f.limiter.window(), rate.retryAfter, rate.refusals)}
		f.number(o)
		f.mu.Unlock()
		return o
	}
	o := f.operation(c, p)
	f.number(o)
	f.mu.Unlock()
	if a := o.answer; a != nil && !o.fault && !o.drop && carriesRateLimit(a.Status) {
		rate.set(a.Header)
		if a.Status == http.StatusTooManyRequests {
			// A refusal leaves nothing to spend: Atlas's recorded 429 says
			// Ratelimit-Remaining 0 (defer-errors.yaml, interaction 4),
			// whatever the credential's count.
			a.Header.Set("RateLimit-Remaining", "0")
		}
	}
	return o
}

// carriesRateLimit says whether an answer with this status carries the
// rate-limit headers: all but the refusals Atlas gives before the
// operation runs (401, 406, 410), which the shipped recordings hold
// without them.
func carriesRateLimit(status int) bool {
	return status != http.StatusUnauthorized && status != http.StatusNotAcceptable && status != http.StatusGone
}

// operation answers the operation past the rate limit; f.mu is held.
func (f *Fake) operation(c *call, p *principal) *outcome {
	id := c.groupID
	switch {
	case !c.groupIDOK:
		return &outcome{answer: atlaswire.InvalidGroupID(id)}
	case c.envelopeBad:
		return &outcome{answer: badEnvelope()}
	case !p.may(id):
		return &outcome{answer: forbidden(id)}
	}
	proj, known := f.projects[id]
	if q := f.scripts[id]; len(q) > 0 {
		reply := q[0]
		if len(q) == 1 {
			delete(f.scripts, id)
		} else {
			f.scripts[id] = q[1:]
		}
		f.queued--
		if o := scripted(reply, id, c.path); o != nil {
			return o
		}
		// A delay alone: the fake's own answer, late.
		o := &outcome{answer: f.applyDefer(proj, known, id)}
		o.delay = reply.Delay
		return o
	}
	return &outcome{answer: f.applyDefer(proj, known, id)}
}

// applyDefer applies a defer to a project's state; f.mu is held.
func (f *Fake) applyDefer(p *Project, known bool, id string) *atlaswire.Answer {
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

// scripted is a scripted reply's outcome, nil for a delay alone.
func scripted(r Reply, id, path string) *outcome {
	o := &outcome{delay: r.Delay}
	switch {
	case r.Drop:
		o.drop, o.fault = true, true
	case r.ProxyHTML:
		status := r.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		o.answer, o.fault = proxyPage(status), true
		o.answer.Header.Set(FaultHeader, "proxy-html")
	case r.Status == http.StatusOK:
		o.answer = deferred()
	case r.Status != 0:
		o.answer = scriptedError(r.Status, r.ErrorCode, id, path)
	default:
		return nil
	}
	return o
}

// wrap adds what every answer to the operation carries: a challenge on a
// 401, the envelope when asked for.
func (f *Fake) wrap(c *call, o *outcome) *outcome {
	a := o.answer
	if a == nil || o.fault {
		return o
	}
	if a.Status == http.StatusUnauthorized && a.Header.Get("WWW-Authenticate") == "" {
		a.Header.Set("WWW-Authenticate", atlaswire.DigestChallenge(f.newNonce(), false))
	}
	if c.enveloped {
		// A 401 keeps its status even so: HTTP authentication answers
		// the challenge by the status.
		o.answer = atlaswire.Envelope(a, f.s.envelopeOK && a.Status != http.StatusUnauthorized)
	}
	return o
}

// checkReply checks one scripted reply.
func checkReply(fe *fieldErrors, at string, r Reply) {
	switch {
	case r.Status == 0, r.Status == http.StatusOK, r.Status >= 400 && r.Status <= 599:
	default:
		fe.add(at+".status", "%d; want 200 or 400 to 599 (0: the fake's own answer)", r.Status)
	}
	if r.ProxyHTML && r.Status == http.StatusOK {
		fe.add(at+".status", "a proxy's error page needs an error status, 400 to 599 (0: 502)")
	}
	if r.ErrorCode != "" {
		switch {
		case len(r.ErrorCode) > 100 || strings.ContainsFunc(r.ErrorCode, func(c rune) bool { return (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' }):
			fe.add(at+".errorCode", "want at most 100 upper-case letters, digits and underscores, as Atlas's codes (RESOURCE_NOT_FOUND)")
		case r.Status < 400 || r.ProxyHTML || r.Drop:
			fe.add(at+".errorCode", "an error code needs an error status, 400 to 599, and no proxyHTML or drop")
		}
	}
	if r.Delay < 0 || r.Delay > MaxReplyDelay {
		fe.add(at+".delay", "%v; want 0 to %v", r.Delay, MaxReplyDelay)
	}
	if r.Drop && (r.Status != 0 || r.ProxyHTML) {
		fe.add(at+".drop", "a dropped connection answers nothing: leave status and proxyHTML out")
	}
}
