package contract

import (
	"errors"
	"time"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// CIOptions are the parts of a run that a CI job sets beyond the judgement
// itself: which interactions to judge, which findings are accepted, which
// coverage is required, and where the settings came from. The zero value
// judges the fragment's paths, waives nothing and requires no coverage.
type CIOptions struct {
	// Scope limits the run to the interactions it should judge (see
	// ScopeFragment).
	Scope Scope
	// Waivers accept findings for a stated reason.
	Waivers []Waiver
	// RequiredCoverage makes the coverage-missing findings of these cells
	// errors (the others stay warnings).
	RequiredCoverage []CoverageCell
	// Now is today for waiver expiry; nil means time.Now.
	Now func() time.Time
	// Config names the configuration file the options came from, for the
	// report.
	Config string
}

// ErrNoRecordings is returned by Run when it is given nothing to judge.
var ErrNoRecordings = errors.New("no recordings to judge: give recording files or folders (Options.Paths), or ask for the shipped ones (Options.Shipped)")

// ciRun is the state a run keeps for CIOptions: the scope and waivers
// compiled once, the skipped interactions, the paths that did not route.
type ciRun struct {
	recordings  RecordingsInfo
	scope       *scopeRule
	waivers     *waiverSet
	misses      missTracker
	skipReasons map[string]int
}

// newCIRun checks what Run is asked to read and compiles the CI options. It
// normalises opts.Check.Mount in place.
func newCIRun(spec *Spec, opts *Options) (*ciRun, error) {
	c := &ciRun{recordings: RecordingsInfo{Paths: opts.Paths, Config: opts.CI.Config}}
	switch {
	case opts.Shipped && (len(opts.Paths) > 0 || opts.FS != nil):
		return nil, errors.New("the shipped recordings and Paths or FS exclude each other")
	case opts.Shipped:
		c.recordings.Kind, c.recordings.Paths = "shipped", []string{"recordings"}
	case opts.FS != nil:
		c.recordings.Kind = "fs"
	case len(opts.Paths) == 0:
		return nil, ErrNoRecordings
	default:
		c.recordings.Kind = "files"
	}
	if c.recordings.Paths == nil {
		c.recordings.Paths = []string{}
	}
	var err error
	if opts.Check.Mount, err = NormalizeMount(opts.Check.Mount); err != nil {
		return nil, err
	}
	if err := checkCells(spec, opts.CI.RequiredCoverage); err != nil {
		return nil, err
	}
	if c.scope, err = newScopeRule(spec, opts.Check.Mount, opts.CI.Scope); err != nil {
		return nil, err
	}
	now := time.Now
	if opts.CI.Now != nil {
		now = opts.CI.Now
	}
	if c.waivers, err = compileWaivers(opts.CI.Waivers, now()); err != nil {
		return nil, err
	}
	return c, nil
}

// stamp names, in the report, what judged the run and what it read.
func (c *ciRun) stamp(r *Report) {
	r.Tool, r.Recordings = Tool(), c.recordings
	if spec := c.scope.spec; spec != nil {
		r.Fragment = spec.Fragment()
	}
}

// skip tells whether an interaction is outside the scope, and records it
// when it is.
func (c *ciRun) skip(r *Report, in *recording.Interaction) bool {
	reason := c.scope.skip(in)
	if reason == "" {
		return false
	}
	r.SkippedTotal++
	if c.skipReasons == nil {
		c.skipReasons = map[string]int{}
	}
	c.skipReasons[reason]++
	path := in.Request.URL.EscapedPath()
	if reason == skipPath {
		c.misses.add(c.scope.spec, path)
	}
	if len(r.Skipped) < MaxSkippedListed {
		r.Skipped = append(r.Skipped, Skipped{
			File: in.File, Interaction: in.Index, Line: in.Line, Method: in.Request.Method, Path: path, Reason: reason,
		})
	}
	return true
}

// judged watches a judged interaction for a path that did not route, and
// moves its waived findings out of j into the report.
func (c *ciRun) judged(r *Report, in *recording.Interaction, j *Judgement) {
	if j.Operation == nil && !j.TokenExchange && in.Request.URL != nil {
		c.misses.add(c.scope.spec, in.Request.URL.EscapedPath())
	}
	j.Findings = c.waivers.apply(j.Findings, &r.Waived)
}

// finish fails a run that judged nothing, and adds the --mount hint and the
// findings about waivers.
func (c *ciRun) finish(r *Report) error {
	hint := c.misses.hint()
	if r.Interactions == 0 && r.SkippedTotal > 0 {
		return &NothingJudgedError{Skipped: r.SkippedTotal, Reasons: c.skipReasons, Hint: hint}
	}
	if hint != "" {
		r.Hints = append(r.Hints, hint)
	}
	r.Findings = append(r.Findings, c.waivers.findings()...)
	return nil
}
