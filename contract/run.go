package contract

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strings"

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

// Options configure Run.
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
	// Offline judges the recorded responses as they are and sends nothing.
	Offline bool
	// Target replays against this base URL instead of the embedded replay
	// server. A non-loopback Target needs Live.
	Target string
	// Live allows a non-loopback Target: requests change real state.
	Live bool
	// TargetClient is the client, built with atlas.WithServer(Target), whose
	// credentials reach Target; nil means an unauthenticated one.
	TargetClient *atlas.Client
	// GroupID, when set, replaces the recorded project id in requests sent
	// to Target.
	GroupID string
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

// ProgressEvery is how often Options.Progress is called.
const ProgressEvery = 500

// ErrLiveTargetNeedsLive is returned when Target is not a loopback address
// and Live is not set.
var ErrLiveTargetNeedsLive = errors.New("the target is not a loopback address: replaying changes real state there (a defer is not undoable), so it needs --live, credentials in the environment and --group-id for a project you own")

// Run reads the recordings, obtains a response for each interaction (from
// the embedded replay server by default, from Target, or as recorded when
// Offline), judges it, and returns the report. An error means the run could
// not be done (unreadable or malformed recordings, a refused target); a
// finding is never an error.
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
	ci.stamp(r.report)
	switch {
	case opts.Offline && opts.Target != "":
		return nil, errors.New("offline and target exclude each other")
	case opts.Offline:
		r.report.Mode = "offline"
	case opts.Target != "":
		r.report.Mode = "target"
		if err := CheckTarget(opts.Target, opts.Live); err != nil {
			return nil, err
		}
		client, err := newTargetClient(opts.Target, opts.TargetClient)
		if err != nil {
			return nil, err
		}
		if r.send, err = newReplayer(client, opts.Target, maxBody, opts.GroupID); err != nil {
			return nil, err
		}
	default:
		srv, err := NewReplayServer()
		if err != nil {
			return nil, err
		}
		defer srv.Close()
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
		if (in.Response.BodyTooLarge || in.Response.BodyNotRecorded) && r.server != nil {
			r.judge(ctx, in, nil) // a truncated or missing body cannot be replayed; judge the record
			continue
		}
		sent, got, decodeErr, err := r.send.send(ctx, r.spec, r.opts.Check.Mount, in)
		if err != nil {
			return &recording.Error{File: in.File, Line: in.Line, Index: in.Index, Msg: "replaying the request failed", Err: err}
		}
		judged := *in
		judged.Request.URL = sent
		judged.Response = got
		r.judge(ctx, &judged, decodeErr)
	}
	return nil
}

func (r *runner) judge(ctx context.Context, in *recording.Interaction, decodeErr error) {
	j := r.checker.Check(ctx, in)
	if decodeErr != nil {
		j.Findings = append(j.Findings, Finding{
			Rule: RuleClientDecode, Severity: SeverityError, File: in.File, Line: in.Line, Interaction: in.Index,
			Message: fmt.Sprintf("the generated client cannot decode the %d response: %s", in.Response.StatusCode, decodeErr),
		})
	}
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

// CheckTarget refuses a target that is not an http(s) URL, and a
// non-loopback one unless live is set.
func CheckTarget(target string, live bool) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("target %q is not an http(s) URL", target)
	}
	if IsLoopback(u.Hostname()) || live {
		return nil
	}
	return ErrLiveTargetNeedsLive
}

// IsLoopback tells whether host is a loopback name or address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newTargetClient returns c, or an unauthenticated client for target when
// c is nil.
func newTargetClient(target string, c *atlas.Client) (*atlas.Client, error) {
	if c != nil {
		return c, nil
	}
	return atlas.New(atlas.WithServer(target))
}
