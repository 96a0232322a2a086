package contract

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/netpolicy"
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

// Options configure Run: what to read and how to judge it. Source says how
// the responses are obtained. The zero value judges the shipped recordings
// against the embedded fragment, replayed through the embedded server.
type Options struct {
	// Spec is the fragment to judge against; nil means DefaultSpec.
	Spec *Spec
	// Paths are recording files or folders. With no Paths, no FS and no
	// Shipped, Run refuses to start (ErrNoRecordings).
	Paths []string
	// Shipped judges the recordings embedded in the module instead of Paths.
	Shipped bool
	// FS, when set, is read instead of the operating system's files: Paths
	// are then paths inside it (default ".").
	FS fs.FS
	// Source says where the judged responses come from; the zero value
	// replays through the embedded replay server.
	Source Source
	// Check configures the Checker.
	Check CheckOptions
	// MaxBodyBytes caps every recorded and received body; 0 means
	// recording.DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// RequireCoverage makes coverage-missing findings errors.
	RequireCoverage bool
	// CI holds what a CI run needs beyond the judgement: scope, waivers,
	// required coverage cells (see CIOptions).
	CI CIOptions
	// Cases keeps a Case per interaction in Report.Cases, as WriteJUnit
	// needs.
	Cases bool
	// Progress, when set, is called with the number of interactions judged
	// so far, every ProgressEvery interactions and once at the end.
	Progress func(judged int)
}

// Source says how Run obtains the response it judges for each recorded
// interaction. The zero value replays every recorded request through the
// generated client to an embedded server on a loopback port, which answers
// with the recorded response; no credentials are sent.
type Source struct {
	// Offline judges the recorded responses as they are and sends nothing.
	Offline bool
	// Target replays against this base URL instead of the embedded server.
	// Only requests that route to the operation the generated client was
	// generated for are sent; every other interaction is reported not-sent.
	// A Target whose host does not resolve only to loopback addresses needs
	// Live, https and GroupID; a loopback one is dialled at its resolved
	// addresses, never through a proxy.
	Target string
	// Live allows a non-loopback Target: requests change real state there.
	Live bool
	// GroupID, when set, replaces every valid recorded project id in the
	// requests sent to Target.
	GroupID string
	// NewClient builds the client that reaches Target from the options Run
	// passes (the server and the transport the target policy allows), adding
	// credentials: atlas.NewFromEnv takes them from the environment. nil
	// means atlas.New: no credentials.
	NewClient func(opts ...atlas.Option) (*atlas.Client, error)
}

// ProgressEvery is how often Options.Progress is called.
const ProgressEvery = 500

// ErrLiveTargetNeedsLive is returned when Source.Target is not a loopback
// address and Source.Live is not set.
var ErrLiveTargetNeedsLive = netpolicy.ErrNeedsLive

// Run reads the recordings, obtains a response for each interaction (from
// the embedded replay server by default, from Source.Target, or as recorded
// when Source.Offline), judges it, and returns the report. An error means the
// run could not be done (unreadable or malformed recordings, a refused
// target); a finding is never an error, and an interaction that could not be
// replayed is a replay-failed finding.
func Run(ctx context.Context, opts Options) (*Report, error) {
	spec := opts.Spec
	if spec == nil {
		var err error
		if spec, err = DefaultSpec(); err != nil {
			return nil, err
		}
	}
	maxBody := opts.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = recording.DefaultMaxBodyBytes
	}
	ci, err := newCIRun(spec, &opts)
	if err != nil {
		return nil, err
	}
	r := &runner{
		spec:     spec,
		checker:  NewChecker(spec, opts.Check),
		cov:      newCoverage(),
		report:   &Report{Mode: "replay"},
		opts:     opts,
		progress: opts.Progress,
		ci:       ci,
	}
	src := opts.Source
	ci.stamp(r.report)
	switch {
	case src.Offline && src.Target != "":
		return nil, errors.New("offline and target exclude each other")
	case src.Target == "" && (src.Live || src.GroupID != "" || src.NewClient != nil):
		return nil, errors.New("live, group id and a target client go with a target")
	case src.Offline:
		r.report.Mode = "offline"
	case src.Target != "":
		r.report.Mode = "target"
		client, err := targetClient(ctx, src)
		if err != nil {
			return nil, err
		}
		r.target = true
		if r.send, err = newReplayer(client, src.Target, maxBody, src.GroupID); err != nil {
			return nil, err
		}
	default:
		srv, err := NewReplayServer()
		if err != nil {
			return nil, err
		}
		defer func() { _ = srv.Close() }() // a loopback server: nothing to lose on close
		r.server = srv
		client, err := atlas.New(atlas.WithServer(srv.URL()), atlas.WithTransport(srv.Client().Transport))
		if err != nil {
			return nil, err
		}
		if r.send, err = newReplayer(client, srv.URL(), maxBody, ""); err != nil {
			return nil, err
		}
	}

	ropts := recording.Options{MaxBodyBytes: maxBody}
	visit := r.visit(ctx)
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
	if err == nil {
		err = r.flush(ctx)
	}
	if err != nil {
		return nil, err
	}
	if r.progress != nil {
		r.progress(r.report.Interactions)
	}
	r.report.Coverage = r.cov.rows(spec)
	r.report.Findings = append(r.report.Findings, coverageFindings(r.report.Coverage, opts.RequireCoverage, opts.CI.RequiredCoverage)...)
	if err := ci.finish(r.report); err != nil {
		return nil, err
	}
	return r.report, nil
}

type runner struct {
	spec     *Spec
	checker  *Checker
	cov      *coverage
	report   *Report
	opts     Options
	server   *ReplayServer // replay mode only
	send     *replayer     // nil when offline
	target   bool          // target mode: only the operation's requests are sent
	batch    []*recording.Interaction
	progress func(int)
	ci       *ciRun
}

// visit receives interactions in file order. Offline, each is judged as it
// arrives, so memory stays flat however long the file; otherwise a file's
// interactions are gathered, loaded into the replay server, and replayed in
// recorded order.
func (r *runner) visit(ctx context.Context) func(*recording.Interaction) error {
	return func(in *recording.Interaction) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if n := len(r.report.Files); n == 0 || r.report.Files[n-1] != in.File {
			if err := r.flush(ctx); err != nil {
				return err
			}
			r.report.Files = append(r.report.Files, in.File)
		}
		if r.ci.skip(r.report, in) {
			return nil
		}
		if r.send == nil {
			r.judge(ctx, in, nil)
			return nil
		}
		r.batch = append(r.batch, in)
		return nil
	}
}

// flush replays the gathered interactions of one file.
func (r *runner) flush(ctx context.Context) error {
	batch := r.batch
	r.batch = nil
	if len(batch) == 0 {
		return nil
	}
	if r.server != nil {
		r.server.Load(batch)
	}
	for _, in := range batch {
		if r.server != nil && (in.Response.BodyTooLarge || in.Response.BodyNotRecorded || in.Response.StatusCode < 200) {
			// A truncated or missing body cannot be replayed, nor can an
			// informational status be a final answer: judge the record, as
			// offline does.
			r.judge(ctx, in, nil)
			continue
		}
		if r.target {
			if why := r.notSendable(in); why != "" {
				// The record is judged as offline, but covers no status:
				// the target answered nothing.
				j := r.checker.Check(ctx, in)
				j.Operation = nil
				j.Findings = append(j.Findings, Finding{Rule: RuleNotSent, Severity: SeverityWarning, File: in.File, Interaction: in.Index, Line: in.Line,
					Message: "not sent to the target: " + why})
				r.record(in, j)
				continue
			}
		}
		sent, got, decodeErr, err := r.send.send(ctx, r.spec, r.opts.Check.Mount, in)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			var dial *net.OpError
			if r.target && errors.As(err, &dial) && dial.Op == "dial" {
				// An unreachable target fails the run, not each interaction.
				return fmt.Errorf("the target does not answer: %w", dial)
			}
			r.fail(in, err)
			continue
		}
		judged := *in
		judged.Request.URL = sent
		judged.Response = got
		r.judge(ctx, &judged, decodeErr)
	}
	return nil
}

// notSendable says why an interaction must not be sent to a target, or ""
// when it may be: only a request that routes to the operation the generated
// client was generated for, with a project id free of path syntax, is sent.
// Anything else in a recording (a browser's HAR holds every call the page
// made: deleting clusters, creating users, opening access lists) would run
// with the target's credentials.
func (r *runner) notSendable(in *recording.Interaction) string {
	req := &in.Request
	if req.URL == nil {
		return "the request has no URL"
	}
	what := req.Method + " " + req.URL.EscapedPath()
	op, params, ok := r.spec.Route(req.Method, req.URL.EscapedPath(), r.opts.Check.Mount)
	if !ok || op.id != atlas.OperationID || op.method != atlas.OperationMethod {
		return fmt.Sprintf("%s is not %s %s, the only operation target mode sends", what, atlas.OperationMethod, atlas.OperationPath)
	}
	if g := params["groupId"]; !plainSegment(g) {
		return fmt.Sprintf("%s: the project id holds path syntax", what)
	}
	return ""
}

// plainSegment tells whether s is a path segment made of unreserved
// characters only (RFC 3986), and not a dot segment.
func plainSegment(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// fail reports an interaction whose request could not be replayed, with the
// cause, and counts it as judged.
func (r *runner) fail(in *recording.Interaction, cause error) {
	// The URL is the loopback server's or the target's; the cause is what matters.
	var ue *url.Error
	if errors.As(cause, &ue) {
		cause = ue.Err
	}
	f := Finding{Rule: RuleReplayFailed, Severity: SeverityError, File: in.File, Interaction: in.Index, Line: in.Line,
		Message: "the request could not be replayed: " + firstLine(cause.Error())}
	r.record(in, Judgement{Findings: []Finding{f}})
}

// judge checks one interaction, adds a client decode error from the
// replay, and records the outcome.
func (r *runner) judge(ctx context.Context, in *recording.Interaction, decodeErr error) {
	j := r.checker.Check(ctx, in)
	if decodeErr != nil {
		j.Findings = append(j.Findings, Finding{
			Rule: RuleClientDecode, Severity: SeverityError, File: in.File, Line: in.Line, Interaction: in.Index,
			Message: fmt.Sprintf("the generated client cannot decode the %d response: %s", in.Response.StatusCode, decodeErr),
		})
	}
	r.record(in, j)
}

// record adds one judged interaction to the report and the coverage.
func (r *runner) record(in *recording.Interaction, j Judgement) {
	r.report.Interactions++
	r.ci.judged(r.report, in, &j)
	if r.opts.Cases {
		c := Case{
			File: in.File, Index: in.Index, Line: in.Line, Method: in.Request.Method,
			Status: j.Status, Enveloped: j.Enveloped,
			first: len(r.report.Findings), count: len(j.Findings),
		}
		if in.Request.URL != nil {
			c.Path = in.Request.URL.EscapedPath()
		}
		r.report.Cases = append(r.report.Cases, c)
	}
	r.report.Findings = append(r.report.Findings, j.Findings...)
	r.cov.add(j)
	if r.progress != nil && r.report.Interactions%ProgressEvery == 0 {
		r.progress(r.report.Interactions)
	}
}

// targetClient applies the target policy to src.Target and builds the
// client that reaches it through the allowed transport. A non-loopback
// target also needs a project id to replace the recorded ones.
func targetClient(ctx context.Context, src Source) (*atlas.Client, error) {
	t, err := netpolicy.Check(ctx, src.Target, src.Live)
	if err != nil {
		return nil, err
	}
	if !t.Loopback && src.GroupID == "" {
		return nil, errors.New("a non-loopback target needs a group id (--group-id) for a project you own: the recorded project ids are not yours to change")
	}
	if src.GroupID != "" {
		if err := atlas.ValidateGroupID(src.GroupID); err != nil {
			return nil, err
		}
	}
	newClient := src.NewClient
	if newClient == nil {
		newClient = atlas.New
	}
	return newClient(atlas.WithServer(src.Target), atlas.WithTransport(t.Transport))
}
