package contract

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// shipped holds the recordings that ship with the module: realistic
// interactions of the defer call covering every declared status in both
// envelope modes.
//
//go:embed recordings
var shipped embed.FS

// ShippedRecordings returns the recordings embedded in the module, rooted at
// "recordings".
func ShippedRecordings() fs.FS { return shipped }

// Options configure Run: what to read, how to obtain the responses, and
// what a CI job accepts. The zero value is not enough: Run needs Paths, FS
// or Shipped.
type Options struct {
	// Spec is the spec to judge against; nil means DefaultSpec.
	Spec *Spec
	// Paths are recording files or folders.
	Paths []string
	// Shipped judges the recordings embedded in the module instead of Paths.
	Shipped bool
	// FS, when set, is read instead of the operating system's files: Paths
	// are then paths inside it (default ".").
	FS fs.FS
	// Source says where the judged responses come from; the zero value
	// replays every request through the generated client, in memory.
	Source Source
	// Mount is a path prefix to strip before routing, for recordings made
	// through a proxy that mounts the API below a path; see NormalizeMount.
	Mount string
	// MaxBodyBytes caps every recorded and received body; 0 means
	// recording.DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Scope limits the run to the interactions it should judge.
	Scope Scope
	// Waivers accept findings for a stated reason.
	Waivers []Waiver
	// RequireCoverage lists the coverage cells the recordings must exercise:
	// one that no interaction exercises is a coverage-missing error.
	// []CoverageCell{RequireAll} requires every declared status in both
	// envelope modes.
	RequireCoverage []CoverageCell
	// FailOn is the lowest severity that fails the run (Report.Failed); 0
	// means SeverityError, FailNever none.
	FailOn Severity
	// Now is today, for waiver expiry; nil means time.Now.
	Now func() time.Time
	// Config names the configuration file the options came from, for the
	// report.
	Config string
	// Cases keeps a Case per interaction in Report.Cases, as the JUnit
	// report needs.
	Cases bool
	// Progress, when set, is called with the number of interactions judged
	// so far, every ProgressEvery interactions and once at the end.
	Progress func(judged int)
}

// Source says how Run obtains the response it judges for each recorded
// interaction. The zero value replays every recorded request through the
// generated client, whose transport answers, in memory, with the recorded
// response; nothing is sent anywhere.
type Source struct {
	// Offline judges the recorded responses as they are and sends nothing.
	Offline bool
	// Target replays against this base URL. Only requests that route to the
	// operation the generated client was generated for are sent; every other
	// interaction is reported not-sent. A Target whose host does not
	// resolve only to loopback addresses needs Live, https and GroupID; a
	// loopback one is dialled at its resolved addresses, never through a
	// proxy.
	Target string
	// Live allows a non-loopback Target: requests change real state there.
	Live bool
	// GroupID, when set, replaces the recorded project id of every request
	// sent to Target; a request whose recorded project id is not a valid one
	// is then not sent.
	GroupID string
	// NewClient builds the client that reaches Target from the options Run
	// passes (the server and the transport the target policy allows), adding
	// credentials: atlas.NewFromEnv takes them from the environment. nil
	// means atlas.New: no credentials.
	NewClient func(opts ...atlas.Option) (*atlas.Client, error)
}

// ProgressEvery is how often Options.Progress is called.
const ProgressEvery = 500

// ErrNoRecordings is returned by Run when it is given nothing to judge.
var ErrNoRecordings = errors.New("no recordings to judge: give recording files or folders (Options.Paths), or ask for the shipped ones (Options.Shipped)")

// Run reads the recordings, obtains a response for each interaction
// (replayed through the client by default, from Source.Target, or as
// recorded when Source.Offline), judges it, and returns the report. An
// error means the run could not be done (unreadable or malformed
// recordings, a refused or silent target); a finding is never an error,
// and an interaction that could not be replayed is a replay-failed finding.
// Interactions are judged as they are read: memory does not grow with a
// file's length.
func Run(ctx context.Context, opts Options) (*Report, error) {
	r, err := newRunner(ctx, &opts)
	if err != nil {
		return nil, err
	}
	ropts := recording.Options{MaxBodyBytes: r.maxBody}
	visit := func(in *recording.Interaction) error { return r.visit(ctx, in) }
	switch {
	case opts.Shipped:
		err = recording.WalkFS(shipped, "recordings", ropts, visit)
	case opts.FS != nil:
		paths := opts.Paths
		if len(paths) == 0 {
			paths = []string{"."}
		}
		for _, p := range paths {
			if err = recording.WalkFS(opts.FS, p, ropts, visit); err != nil {
				break
			}
		}
	default:
		err = recording.Walk(opts.Paths, ropts, visit)
	}
	if err != nil {
		return nil, err
	}
	return r.finish()
}

// runner is the state of one run.
type runner struct {
	spec    *Spec
	checker *Checker
	report  *Report
	maxBody int64
	cases   bool
	// send replays a request; nil when offline.
	send *replayer
	// target is true in target mode: only the operation's requests are sent.
	target bool

	scope    *scopeRule
	waivers  *waiverSet
	cov      *coverage
	required []CoverageCell
	misses   missTracker
	progress func(int)
}

// newRunner checks the options and sets up what the run needs.
func newRunner(ctx context.Context, opts *Options) (*runner, error) {
	spec := opts.Spec
	if spec == nil {
		var err error
		if spec, err = DefaultSpec(); err != nil {
			return nil, err
		}
	}
	r := &runner{
		spec: spec, maxBody: opts.MaxBodyBytes, cases: opts.Cases, progress: opts.Progress,
		cov: newCoverage(), required: opts.RequireCoverage,
		report: &Report{Mode: "replay", Tool: Tool(), Spec: spec.Info(), FailOn: opts.FailOn},
	}
	if r.maxBody <= 0 {
		r.maxBody = recording.DefaultMaxBodyBytes
	}
	rec := &r.report.Recordings
	rec.Config = opts.Config
	if r.report.FailOn == 0 {
		r.report.FailOn = SeverityError
	}
	switch {
	case opts.Shipped && (len(opts.Paths) > 0 || opts.FS != nil):
		return nil, errors.New("the shipped recordings and Paths or FS exclude each other")
	case opts.Shipped:
		rec.Kind, rec.Paths = "shipped", []string{"recordings"}
	case opts.FS != nil:
		rec.Kind, rec.Paths = "fs", opts.Paths
	case len(opts.Paths) == 0:
		return nil, ErrNoRecordings
	default:
		rec.Kind, rec.Paths = "files", opts.Paths
	}
	mount, err := NormalizeMount(opts.Mount)
	if err != nil {
		return nil, err
	}
	r.checker = NewChecker(spec, mount)
	if err := checkCells(spec, opts.RequireCoverage); err != nil {
		return nil, err
	}
	if r.scope, err = newScopeRule(spec, mount, opts.Scope); err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if r.waivers, err = compileWaivers(opts.Waivers, now()); err != nil {
		return nil, err
	}
	src := opts.Source
	defer func() {
		if r.waivers != nil {
			r.waivers.mode = r.report.Mode
		}
	}()
	switch {
	case src.Offline && src.Target != "":
		return nil, errors.New("offline and target exclude each other")
	case src.Target == "" && (src.Live || src.GroupID != "" || src.NewClient != nil):
		return nil, errors.New("live, group id and a target client go with a target")
	case src.Offline:
		r.report.Mode = "offline"
	case src.Target != "":
		r.report.Mode, r.target = "target", true
		client, err := targetClient(ctx, src)
		if err != nil {
			return nil, err
		}
		r.send = newReplayer(client, src.Target, spec, mount, r.maxBody, src.GroupID)
	default:
		if r.send, err = newMemoryReplayer(spec, mount, r.maxBody); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// visit receives the interactions in file order and judges each as it
// arrives.
func (r *runner) visit(ctx context.Context, in *recording.Interaction) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n := len(r.report.Files); n == 0 || r.report.Files[n-1] != in.File {
		r.report.Files = append(r.report.Files, in.File)
	}
	if r.skip(in) {
		return nil
	}
	if r.send == nil || !r.send.replayable(in) {
		r.record(in, r.checker.Check(ctx, in))
		return nil
	}
	if r.target {
		if why := r.send.notSendable(in); why != "" {
			// The record is judged as offline, but covers no status: the
			// target answered nothing.
			j := r.checker.Check(ctx, in)
			j.Operation = nil
			j.Findings = append(j.Findings, newFinding(in, RuleNotSent, "", msgNotSent.format(why)))
			r.record(in, j)
			return nil
		}
	}
	got, err := r.send.send(ctx, in)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if r.target && targetSilent(err) {
			// An unreachable or silent target fails the run, not each
			// interaction: the next one would wait as long.
			return fmt.Errorf("the target does not answer (%s #%d): %w", in.File, in.Index, err)
		}
		r.record(in, Judgement{Findings: []Finding{newFinding(in, RuleReplayFailed, "", msgReplayFailed.format(replayCause(err)))}})
		return nil
	}
	judged := *in
	judged.Request.URL = got.url
	judged.Response = got.response
	judged.Response.BodyLine = 0 // a target's body is in no file
	if r.send.memory != nil {
		judged.Response.BodyLine = in.Response.BodyLine // the recorded body, replayed
	}
	j := r.checker.Check(ctx, &judged)
	if got.decodeErr != nil && !hasBodyFinding(j.Findings) {
		// The client's failure to decode is reported only when no body
		// finding already names its cause.
		j.Findings = append(j.Findings, newFinding(&judged, RuleClientDecode, "", msgClientDecode.format(got.response.StatusCode, got.decodeErr)))
	}
	r.record(in, j)
	return nil
}

// hasBodyFinding tells whether a finding about the response body (its
// media type, envelope or schema) is among fs.
func hasBodyFinding(fs []Finding) bool {
	for _, f := range fs {
		switch f.Rule {
		case RuleBodySchema, RuleContentType, RuleEnvelopeShape, RuleEnvelopeUnexpected, RuleStatusUndeclared, RuleHeaderSchema:
			return true
		}
	}
	return false
}

// newFinding is a finding of rule about an interaction, at its default
// severity.
func newFinding(in *recording.Interaction, rule Rule, pointer, message string) Finding {
	info, _ := rule.Info()
	return Finding{Rule: rule, Severity: info.Severity, File: in.File, Line: findingLine(in, rule), Interaction: in.Index, Pointer: pointer, Message: message}
}

// record adds one judged interaction to the report and the coverage.
func (r *runner) record(in *recording.Interaction, j Judgement) {
	r.report.Interactions++
	if j.RequestNotRecorded {
		r.report.RequestsNotRecorded++
	}
	if j.Operation == nil && !j.AuthEndpoint && in.Request.URL != nil {
		r.misses.add(r.spec, in.Request.URL.EscapedPath())
	}
	r.waivers.judge(in.File)
	j.Findings = r.waivers.apply(j.Findings, &r.report.Waived)
	if r.cases {
		c := Case{
			File: in.File, Index: in.Index, Line: in.Line, Method: quote(in.Request.Method),
			Status: j.Status, Enveloped: j.Enveloped,
			first: len(r.report.Findings), count: len(j.Findings),
		}
		if in.Request.URL != nil {
			c.Path = quote(in.Request.URL.EscapedPath())
		}
		r.report.Cases = append(r.report.Cases, c)
	}
	r.report.Findings = append(r.report.Findings, j.Findings...)
	r.cov.add(j)
	if r.progress != nil && r.report.Interactions%ProgressEvery == 0 {
		r.progress(r.report.Interactions)
	}
}

// finish fails a run that judged nothing, and adds the coverage, the
// --mount hint and the findings about waivers.
func (r *runner) finish() (*Report, error) {
	if r.progress != nil {
		r.progress(r.report.Interactions)
	}
	hint := r.misses.hint()
	if r.report.Interactions == 0 && r.report.SkippedTotal > 0 {
		return nil, &NothingJudgedError{Skipped: r.report.SkippedTotal, Reasons: r.report.SkippedReasons, Hint: hint}
	}
	if hint != "" {
		r.report.Hints = append(r.report.Hints, hint)
	}
	r.report.Coverage = r.cov.rows(r.spec, r.required)
	r.report.Findings = append(r.report.Findings, r.cov.missing(r.spec, r.required)...)
	r.report.Findings = append(r.report.Findings, r.waivers.findings()...)
	return r.report, nil
}
