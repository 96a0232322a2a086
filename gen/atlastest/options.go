package atlastest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/atlascontract/deferwindow/contract"
)

// DefaultProjectID is the project a fake starts with when no project is
// seeded: its maintenance is scheduled, no deferral used.
const DefaultProjectID = "32b6e34b3d91647abb20e7b8"

// MaxDeferrals is how often Atlas lets a scheduled maintenance be deferred.
const MaxDeferrals = 2

// Project is the maintenance state of one project.
type Project struct {
	ID string `json:"id" yaml:"id"`
	// WindowDefined is true when the project has a maintenance window.
	WindowDefined bool `json:"windowDefined" yaml:"windowDefined"`
	// Scheduled is true when a maintenance is scheduled.
	Scheduled bool `json:"maintenanceScheduled" yaml:"maintenanceScheduled"`
	// Deferrals is how many times the scheduled maintenance was deferred (0–2).
	Deferrals int `json:"deferrals" yaml:"deferrals"`
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

// RateLimit is a token bucket per credential: Limit requests, refilled
// evenly over Per.
type RateLimit struct {
	Limit int           `json:"limit" yaml:"limit"`
	Per   time.Duration `json:"per" yaml:"per"`
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
	spec            *contract.Spec
	mount           string
	onViolation     func(string)
}

// WithProjects seeds the fake with projects, replacing the default one.
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

// WithTokenLifetime sets how long an access token lives (default one hour,
// as Atlas's). The fake's clock moves with Advance.
func WithTokenLifetime(d time.Duration) Option {
	return func(s *settings) { s.tokenLifetime = d }
}

// WithRateLimit limits each credential to limit requests per period, as a
// token bucket; past it the fake answers 429 RATE_LIMITED_TOKEN_BUCKET.
func WithRateLimit(limit int, per time.Duration) Option {
	return func(s *settings) { s.rateLimit = &RateLimit{Limit: limit, Per: per} }
}

// WithEnvelopeStatusOK makes envelope=true answers travel with HTTP status
// 200, the real one only in the envelope; a 401 keeps its status, so its
// Digest challenge is still answered. By default the transport status
// stays the real one (Atlas does not document which it sends; both are
// accepted by the contract), so Digest challenges keep working.
func WithEnvelopeStatusOK() Option {
	return func(s *settings) { s.envelopeOK = true }
}

// WithSpec holds the fake's answers to spec instead of the embedded fragment.
func WithSpec(spec *contract.Spec) Option {
	return func(s *settings) { s.spec = spec }
}

// WithMount serves the API below a path prefix, as behind a proxy.
func WithMount(prefix string) Option {
	return func(s *settings) { s.mount = prefix }
}

// WithViolationHandler receives a description of every answer that breaks
// the fragment (NewServer fails the test instead).
func WithViolationHandler(f func(string)) Option {
	return func(s *settings) { s.onViolation = f }
}

// WithState seeds projects, the token lifetime and the rate limit from a
// State, as read by LoadState.
func WithState(st State) Option {
	return func(s *settings) {
		s.projects = append(s.projects, st.Projects...)
		if st.TokenLifetime > 0 {
			s.tokenLifetime = st.TokenLifetime
		}
		if st.RateLimit != nil {
			s.rateLimit = st.RateLimit
		}
	}
}
