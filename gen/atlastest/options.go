package atlastest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// DefaultProjectID is the project a fake starts with when no project is
// seeded: its maintenance is scheduled, no deferral used.
const DefaultProjectID = "32b6e34b3d91647abb20e7b8"

// MaxDeferrals is how often Atlas lets a scheduled maintenance be deferred.
const MaxDeferrals = 2

// Project is the maintenance state of one project.
type Project struct {
	ID string `json:"id"`
	// WindowDefined is true when the project has a maintenance window.
	WindowDefined bool `json:"windowDefined"`
	// Scheduled is true when a maintenance is scheduled.
	Scheduled bool `json:"maintenanceScheduled"`
	// Deferrals is how many times the scheduled maintenance was deferred
	// (0 to MaxDeferrals).
	Deferrals int `json:"deferrals"`
}

// ScheduledProject is a project with a window and a scheduled maintenance
// that was never deferred: the one a defer succeeds on.
func ScheduledProject(id string) Project {
	return Project{ID: id, WindowDefined: true, Scheduled: true}
}

// ServiceAccount is a Service Account the fake accepts at its token
// endpoint. Projects lists the project ids it may defer; nil means all.
type ServiceAccount struct {
	ClientID     string
	ClientSecret string
	Projects     []string
}

// Format prints the client id and never the secret, whatever the verb.
func (a ServiceAccount) Format(f fmt.State, _ rune) {
	// fmt.State writes into fmt's own buffer, which cannot fail.
	_, _ = fmt.Fprintf(f, "service account %s (secret REDACTED)", strconv.Quote(a.ClientID))
}

// APIKey is an API key the fake accepts by HTTP Digest. Projects lists the
// project ids it may defer; nil means all.
type APIKey struct {
	PublicKey  string
	PrivateKey string
	Projects   []string
}

// Format prints the public key and never the private one, whatever the verb.
func (k APIKey) Format(f fmt.State, _ rune) {
	// fmt.State writes into fmt's own buffer, which cannot fail.
	_, _ = fmt.Fprintf(f, "API key %s (private key REDACTED)", strconv.Quote(k.PublicKey))
}

// The credentials a fake accepts when none are given.
var (
	DefaultServiceAccount = ServiceAccount{ClientID: "mdb_sa_id_atlastest", ClientSecret: "mdb_sa_sk_atlastest"}
	DefaultAPIKey         = APIKey{PublicKey: "atlastest", PrivateKey: "atlastest-private-key"}
)

// RateLimit is a token bucket per credential: Limit requests (1 to
// 1,000,000), refilled evenly over Per (1s to 24h).
type RateLimit struct {
	Limit int           `json:"limit"`
	Per   time.Duration `json:"per"`
}

// Option configures a fake.
type Option func(*settings)

type settings struct {
	projects        []Project
	serviceAccounts []ServiceAccount
	apiKeys         []APIKey
	tokenLifetime   time.Duration
	rateLimit       *RateLimit
	envelopeOK      bool
	mount           string
	middleware      []func(http.Handler) http.Handler
	controlToken    string
	allowedHosts    []string
}

// WithProjects seeds the fake with projects, replacing the default one. A
// project id given twice is an error.
func WithProjects(ps ...Project) Option {
	return func(s *settings) { s.projects = append(s.projects, ps...) }
}

// WithServiceAccount makes the fake accept a Service Account. Given any
// credentials, the fake accepts only those given.
func WithServiceAccount(a ServiceAccount) Option {
	return func(s *settings) { s.serviceAccounts = append(s.serviceAccounts, a) }
}

// WithAPIKey makes the fake accept an API key. Given any credentials, the
// fake accepts only those given.
func WithAPIKey(k APIKey) Option {
	return func(s *settings) { s.apiKeys = append(s.apiKeys, k) }
}

// WithTokenLifetime sets how long an access token lives: one hour by
// default, as Atlas's; at least a second and at most MaxTokenLifetime. The
// fake's clock moves with Advance.
func WithTokenLifetime(d time.Duration) Option {
	return func(s *settings) { s.tokenLifetime = d }
}

// WithRateLimit limits each credential to limit requests per period, as a
// token bucket; past it the fake answers 429 RATE_LIMITED_TOKEN_BUCKET.
// Without it the fake never refuses, and still reports Atlas's default
// limit in RateLimit-Limit and RateLimit-Remaining.
func WithRateLimit(limit int, per time.Duration) Option {
	return func(s *settings) { s.rateLimit = &RateLimit{Limit: limit, Per: per} }
}

// WithEnvelopeStatusOK makes envelope=true answers travel with HTTP status
// 200, the real one only in the envelope; a 401 keeps its status, so its
// Digest challenge is still answered. By default the transport status
// stays the real one (Atlas does not document which it sends; clients must
// accept both).
func WithEnvelopeStatusOK() Option {
	return func(s *settings) { s.envelopeOK = true }
}

// WithMount serves the API below a path prefix, as behind a proxy. The
// control API stays at ControlPrefix.
func WithMount(prefix string) Option {
	return func(s *settings) { s.mount = prefix }
}

// WithMiddleware makes NewServer serve the fake through mw, outermost
// last: to log, record or judge its traffic (the fake's own tests judge
// every answer with contractcheck's checker this way). New, which returns
// the fake itself, ignores it.
func WithMiddleware(mw func(http.Handler) http.Handler) Option {
	return func(s *settings) {
		if mw != nil {
			s.middleware = append(s.middleware, mw)
		}
	}
}

// WithControlToken sets the token the control API requires, instead of a
// random one: at least 16 characters, printable ASCII without spaces.
func WithControlToken(token string) Option {
	return func(s *settings) { s.controlToken = token }
}

// WithAllowedHosts adds host names the control API answers to, beside
// loopback names and the address a request came in on (see ControlPrefix):
// the name a container network gives the fake, say.
func WithAllowedHosts(names ...string) Option {
	return func(s *settings) { s.allowedHosts = append(s.allowedHosts, names...) }
}

// WithState seeds projects, the token lifetime, the rate limit and the
// envelope's transport status from a State.
func WithState(st State) Option {
	return func(s *settings) {
		s.projects = append(s.projects, st.Projects...)
		if st.TokenLifetime != 0 {
			s.tokenLifetime = st.TokenLifetime
		}
		if st.RateLimit != nil {
			rl := *st.RateLimit
			s.rateLimit = &rl
		}
		if st.EnvelopeStatusOK {
			s.envelopeOK = true
		}
	}
}
