package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/spf13/cobra"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/contract/serve"
	"github.com/atlascontract/deferwindow/internal/httpserve"
	"github.com/atlascontract/deferwindow/internal/safetext"
)

const serveLong = `Without --fake: serves the recorded responses (none: the shipped recordings) as a mock
of the API, per operation, version and path parameters in recorded order (a version never
recorded gets 501); invalid requests get what Atlas answers. Replay checks no credentials: any request is answered.
With --fake: serves the fake Atlas of package atlastest, accepting the credentials of
MONGODB_ATLAS_CLIENT_ID/_SECRET and MONGODB_ATLAS_PUBLIC_API_KEY/_PRIVATE_API_KEY; its control
API lives under /_contractcheck/fake/ and needs the token printed at start (or set in
CONTRACTCHECK_FAKE_CONTROL_TOKEN).
Recorded answers that break the spec are reported at start, and every answer of the
fake that does, as it goes. Stops on SIGINT or SIGTERM.`

// serveFlags are serve's settings.
type serveFlags struct {
	addr, mount, state, scope, spec string
	maxBody                         int64
	fake, noErrata                  bool
}

func newServeCommand() *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve [flags] [PATH...]",
		Short: "Serve recorded answers, or the fake Atlas, on a port",
		Long:  serveLong,
		Example: `  contractcheck serve recordings/
  contractcheck serve --fake --state state.yaml --addr 127.0.0.1:8080`,
	}
	fs := cmd.Flags()
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "listen `address` (port 0: a free one; loopback unless told otherwise)")
	fs.StringVar(&f.mount, "mount", "", "path `prefix` to strip from incoming requests before routing (a proxy mount point, e.g. /atlas-proxy)")
	fs.Int64Var(&f.maxBody, "max-body-bytes", recording.DefaultMaxBodyBytes, fmt.Sprintf("cap on every recorded body read, in `bytes` (1 to %d); not with --fake", int64(maxBodyLimit)))
	fs.StringVar(&f.scope, "scope", string(contract.ScopeFragment), "which recorded interactions to serve and judge: `mode` fragment (the spec's paths) or all; not with --fake")
	fs.StringVar(&f.spec, "spec", "defer", "the spec recorded answers are routed and judged by: defer, atlas or a `file` of the published spec; not with --fake")
	fs.BoolVar(&f.noErrata, "no-errata", false, "with --spec atlas or FILE: the published spec as MongoDB wrote it")
	fs.BoolVar(&f.fake, "fake", false, "serve the fake Atlas (per-project state, real auth) instead of recorded answers")
	fs.StringVar(&f.state, "state", "", "with --fake: the YAML `file` seeding projects, token lifetime, rate limit and envelopeStatusOK (default: one scheduled project)")
	cmd.RunE = func(cmd *cobra.Command, paths []string) error {
		if helpArg(cmd, paths) {
			return nil
		}
		return runServe(cmd, f, paths)
	}
	return cmd
}

func runServe(cmd *cobra.Command, f *serveFlags, paths []string) error {
	set := cmd.Flags().Changed
	switch {
	case f.state != "" && !f.fake:
		return usageError("--state needs --fake")
	case f.fake && len(paths) > 0:
		return usageError("--fake answers from state, not recordings; drop the paths or --fake")
	case f.fake && (set("max-body-bytes") || set("scope") || set("spec") || set("no-errata")):
		return usageError("--max-body-bytes, --scope, --spec and --no-errata are about recordings; --fake reads none")
	}
	if err := checkMaxBody(f.maxBody); err != nil {
		return usageError("%w", err)
	}
	mount, err := contract.NormalizeMount(f.mount)
	if err != nil {
		return usageError("--mount: %w", err)
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if f.fake {
		if code := runServeFake(cmd.Context(), f.state, mount, f.addr, stdout, stderr); code != exitOK {
			return exitWith(code)
		}
		return nil
	}
	spec, err := loadSpec(f.spec, "--spec", f.noErrata, set("no-errata"), stderr)
	if err != nil {
		return usageError("%w", err)
	}
	scope, err := contract.ParseScopeMode(f.scope)
	if err != nil {
		return usageError("--scope: %w", err)
	}
	log := &lockedWriter{w: stderr}
	handler, message, err := mockHandler(cmd.Context(), spec, paths, mount, scope, f.maxBody, log)
	if err != nil {
		return usageError("%w", err)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return usageError("%w", err)
	}
	msgf(stdout, "contractcheck serve: listening on http://%s (%s)\n", ln.Addr(), message)
	if err := httpserve.Serve(cmd.Context(), ln, handler, httpserve.DefaultLimits); err != nil {
		return usageError("%w", err)
	}
	msgf(stdout, "contractcheck serve: stopped\n")
	return nil
}

// mockHandler reads the recordings (none: the shipped ones) into a mock,
// one interaction at a time: those outside the scope are left out, those
// that break the spec are served as recorded, with a warning at start.
func mockHandler(ctx context.Context, spec *contract.Spec, paths []string, mount string, scope contract.ScopeMode, maxBody int64, log io.Writer) (*serve.Mock, string, error) {
	checker := contract.NewChecker(spec, "")
	mock := serve.NewMock(spec, serve.MockOptions{Mount: mount, Log: log})
	// The recordings are routed as recorded: the mount is the incoming
	// requests' only.
	outside, err := contract.Scope{Mode: scope}.Filter(spec, "")
	if err != nil {
		return nil, "", err
	}
	warned, skipped := 0, 0
	add := func(in *recording.Interaction) error {
		if outside(in) != "" {
			skipped++
			return nil
		}
		before := mock.Len()
		if err := mock.Add(in); err != nil {
			return err
		}
		what := "it is served as recorded"
		if mock.Len() == before {
			what = "it is not served"
		}
		for _, f := range checker.Check(ctx, in).Findings {
			if f.Severity == contract.SeverityError && warned < maxServeWarnings {
				warned++
				msgf(log, "contractcheck serve: warning: %s #%d breaks the spec (%s: %s); %s\n",
					safetext.EscapeControl(in.File), in.Index, f.Rule, safetext.EscapeControl(f.Message), what)
			}
		}
		return nil
	}
	ropts := recording.Options{MaxBodyBytes: maxBody}
	if len(paths) == 0 {
		err = recording.WalkFS(contract.ShippedRecordings(), "recordings", ropts, add)
	} else if paths, err = expandPaths(paths); err == nil {
		err = recording.Walk(paths, ropts, add)
	}
	if err != nil {
		return nil, "", err
	}
	message := fmt.Sprintf("%s of %s; replay checks no credentials: every request is answered", counted(mock.Len(), "recorded answer"), safetext.EscapeControl(spec.Info().Name))
	if skipped > 0 {
		message += fmt.Sprintf("; %s outside the scope left out", counted(skipped, "interaction"))
	}
	return mock, message, nil
}

// counted is "1 noun" or "n nouns".
func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// maxServeWarnings bounds the start-up warnings about recordings that break
// the spec: a session of a million bad answers must not flood the log.
const maxServeWarnings = 100

// lockedWriter serialises writes from concurrent handlers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
