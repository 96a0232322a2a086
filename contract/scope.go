package contract

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// ScopeMode says which recorded interactions a run judges.
type ScopeMode string

// The scope modes.
const (
	// ScopeFragment (the default) judges the interactions whose path is one
	// of the spec's operations, whatever their method, and skips the rest of
	// a recorded session: other endpoints, static assets. A request to an
	// operation's path with a method the spec does not declare still claims
	// to be that operation, so it is judged (an unknown-operation error).
	ScopeFragment ScopeMode = "fragment"
	// ScopeAll judges every interaction: one that is not an operation of the
	// spec is an unknown-operation error.
	//
	// In both modes, the OAuth token exchange and revocation (how the API
	// calls were authorised, not calls) and a browser's CORS preflights
	// (OPTIONS with Access-Control-Request-Method: the browser asking, not
	// the page calling), to any path, are skipped, as is a request a
	// browser recorded without a response (status 0: blocked, cancelled or
	// failed).
	ScopeAll ScopeMode = "all"
)

// ParseScopeMode parses "fragment" or "all"; "" means ScopeFragment.
func ParseScopeMode(s string) (ScopeMode, error) {
	switch ScopeMode(strings.ToLower(s)) {
	case "", ScopeFragment:
		return ScopeFragment, nil
	case ScopeAll:
		return ScopeAll, nil
	}
	return "", fmt.Errorf("unknown scope %q: want fragment or all", s)
}

// Scope limits a run to the interactions it should judge.
type Scope struct {
	// Mode is ScopeFragment (the zero value) or ScopeAll.
	Mode ScopeMode
	// Hosts, when set, are the host names whose requests are judged;
	// requests to any other host are skipped. Matching ignores case and port.
	Hosts []string
}

// Filter compiles the scope for spec and a proxy mount (see
// Options.Mount): the function it returns tells why an interaction is
// outside the scope, or "" when it is to be judged. It is what Run skips
// by, for a program (contractcheck serve, say) that reads recordings itself.
func (s Scope) Filter(spec *Spec, mount string) (func(*recording.Interaction) string, error) {
	r, err := newScopeRule(spec, mount, s)
	if err != nil {
		return nil, err
	}
	return r.skip, nil
}

// Skipped is an interaction a run did not judge because it is outside the
// scope.
type Skipped struct {
	File        string `json:"file"`
	Interaction int    `json:"interaction"`
	Line        int    `json:"line,omitempty"`
	Method      string `json:"method"`
	// Path is the request's escaped path, without its query.
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// MaxSkippedListed bounds Report.Skipped; Summary.Skipped counts them all.
const MaxSkippedListed = 1000

// Reasons for skipping an interaction.
const (
	skipHost     = "host outside the scope"
	skipToken    = "OAuth token endpoint"
	skipPrefight = "CORS preflight"
	skipPath     = "path outside the fragment"
	skipNoAnswer = "no response recorded (the request was blocked, cancelled or failed: status 0, or -1)"
)

// NormalizeMount returns a proxy mount point in the form routing expects:
// a leading slash, no trailing one ("atlas-proxy/" becomes "/atlas-proxy";
// "" and "/" mean none). A query, a fragment or a full URL is an error.
func NormalizeMount(mount string) (string, error) {
	m := strings.TrimSpace(mount)
	if strings.Contains(m, "://") {
		return "", fmt.Errorf("mount %q is a URL: give the path prefix only, e.g. /atlas-proxy", mount)
	}
	if strings.ContainsAny(m, "?#") {
		return "", fmt.Errorf("mount %q: want a path prefix without a query or fragment", mount)
	}
	m = strings.Trim(m, "/")
	if m == "" {
		return "", nil
	}
	return "/" + m, nil
}

// scopeRule is a Scope compiled for the run's hot path: it allocates
// nothing per interaction.
type scopeRule struct {
	spec  *Spec
	mount string
	all   bool
	hosts map[string]bool
}

func newScopeRule(spec *Spec, mount string, s Scope) (*scopeRule, error) {
	mode, err := ParseScopeMode(string(s.Mode))
	if err != nil {
		return nil, err
	}
	r := &scopeRule{spec: spec, mount: mount, all: mode == ScopeAll}
	for _, h := range s.Hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			return nil, errors.New("scope: an empty host name")
		}
		if r.hosts == nil {
			r.hosts = map[string]bool{}
		}
		r.hosts[h] = true
	}
	return r, nil
}

// skip returns why an interaction is outside the scope, or "" when it is
// to be judged.
func (r *scopeRule) skip(in *recording.Interaction) string {
	u := in.Request.URL
	switch {
	case in.Response.StatusCode == 0:
		return skipNoAnswer
	case u == nil:
		return "" // judged: an unknown-operation finding says what is wrong
	}
	if r.hosts != nil && !r.hosts[strings.ToLower(u.Hostname())] {
		return skipHost
	}
	path := u.EscapedPath()
	switch {
	case r.spec.IsAuthEndpoint(in.Request.Method, path, r.mount):
		return skipToken
	case in.Request.Method == http.MethodOptions && in.Request.Header.Get("Access-Control-Request-Method") != "":
		return skipPrefight
	case !r.all && !r.spec.HasPath(path, r.mount):
		return skipPath
	}
	return ""
}

// skip tells whether an interaction is outside the scope, and records it
// when it is.
func (r *runner) skip(in *recording.Interaction) bool {
	reason := r.scope.skip(in)
	if reason == "" {
		return false
	}
	r.report.SkippedTotal++
	if r.report.SkippedReasons == nil {
		r.report.SkippedReasons = map[string]int{}
	}
	r.report.SkippedReasons[reason]++
	path := ""
	if in.Request.URL != nil {
		path = in.Request.URL.EscapedPath()
	}
	if reason == skipPath {
		r.misses.add(r.spec, path)
	}
	if len(r.report.Skipped) < MaxSkippedListed {
		r.report.Skipped = append(r.report.Skipped, Skipped{
			File: in.File, Interaction: in.Index, Line: in.Line, Method: quote(in.Request.Method), Path: quote(path), Reason: reason,
		})
	}
	return true
}

// missTracker watches the interactions that did not route (skipped as
// outside the fragment, or unknown-operation errors) for a shared prefix.
type missTracker struct {
	misses int
	prefix string
	shared bool
}

func (m *missTracker) add(s *Spec, escapedPath string) {
	p, ok := s.mountPrefix(escapedPath)
	m.misses++
	switch {
	case !ok:
		m.shared = false
	case m.misses == 1:
		m.prefix, m.shared = p, true
	case p != m.prefix:
		m.shared = false
	}
}

// hint returns the --mount suggestion when every miss shares one prefix.
func (m *missTracker) hint() string {
	if m.misses == 0 || !m.shared || m.prefix == "" {
		return ""
	}
	if m.misses == 1 {
		return msgMountHintOne.format(quote(m.prefix), quote(m.prefix))
	}
	return msgMountHint.format(m.misses, quote(m.prefix), quote(m.prefix))
}

// NothingJudgedError is returned by Run when recordings were read but
// every interaction was outside the scope: a run that judged nothing must
// not pass.
type NothingJudgedError struct {
	Skipped int
	// Reasons counts the skipped interactions by reason.
	Reasons map[string]int
	// Hint suggests --mount when every path missed by the same prefix.
	Hint string
}

func (e *NothingJudgedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no interaction was judged: all %d are outside the scope (", e.Skipped)
	first := true
	for _, reason := range []string{skipPath, skipHost, skipPrefight, skipToken} {
		if n := e.Reasons[reason]; n > 0 {
			if !first {
				b.WriteString(", ")
			}
			first = false
			fmt.Fprintf(&b, "%d %s", n, reason)
		}
	}
	b.WriteString(")")
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	} else {
		b.WriteString("; check the recordings' paths, --mount and --host, or judge everything with --scope all")
	}
	return b.String()
}
