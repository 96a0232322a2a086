package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
)

const serveSynopsis = `usage: contractcheck serve [--addr 127.0.0.1:PORT] [--mount PREFIX] [--max-body-bytes N] [PATH...]
       contractcheck serve --fake [--state FILE] [--addr 127.0.0.1:PORT] [--mount PREFIX]

Without --fake: serves the recorded responses (none: the shipped recordings) as a mock of the
endpoint, per project in recorded order; invalid requests get what Atlas answers.
With --fake: serves the fake Atlas of package atlastest, accepting the credentials of
MONGODB_ATLAS_CLIENT_ID/_SECRET and MONGODB_ATLAS_PUBLIC_API_KEY/_PRIVATE_API_KEY; its control
API lives under /_contractcheck/fake/ and needs the token printed at start (or set in
CONTRACTCHECK_FAKE_CONTROL_TOKEN). Answers that break the fragment are reported on stderr.
Stops on SIGINT or SIGTERM.`

// serveFlags are serve's settings.
type serveFlags struct {
	addr, mount, state string
	maxBody            int64
	fake               bool
}

// newServeFlags defines serve's flags.
func newServeFlags(stderr io.Writer) (*flag.FlagSet, *serveFlags) {
	fs := newFlagSet("contractcheck serve", serveSynopsis, stderr)
	f := &serveFlags{}
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "listen `address` (port 0: a free one; loopback unless told otherwise)")
	fs.StringVar(&f.mount, "mount", "", "path `prefix` to strip from incoming requests before routing (a proxy mount point, e.g. /atlas-proxy)")
	fs.Int64Var(&f.maxBody, "max-body-bytes", recording.DefaultMaxBodyBytes, fmt.Sprintf("cap on every recorded body read, in `bytes` (1 to %d); not with --fake", int64(maxBodyLimit)))
	fs.BoolVar(&f.fake, "fake", false, "serve the fake Atlas (per-project state, real auth) instead of recorded answers")
	fs.StringVar(&f.state, "state", "", "with --fake: the YAML `file` seeding projects, token lifetime and rate limit (default: one scheduled project)")
	return fs, f
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, f := newServeFlags(stderr)
	paths, code, ok := parseFlags(fs, args, stderr)
	if !ok {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	usageErr := func(format string, a ...any) int {
		_, _ = fmt.Fprintf(stderr, "contractcheck serve: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case f.state != "" && !f.fake:
		return usageErr("--state needs --fake")
	case f.fake && len(paths) > 0:
		return usageErr("--fake answers from state, not recordings; drop the paths or --fake")
	case f.fake && set["max-body-bytes"]:
		return usageErr("--max-body-bytes caps the recordings read; --fake reads none")
	}
	if err := checkMaxBody(f.maxBody); err != nil {
		return usageErr("%v", err)
	}
	mount, err := contract.NormalizeMount(f.mount)
	if err != nil {
		return usageErr("--mount: %v", err)
	}
	if f.fake {
		return runServeFake(ctx, f.state, mount, f.addr, stdout, stderr)
	}
	core, message, err := mockCore(paths, mount, f.maxBody, stderr)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	_, _ = fmt.Fprintf(stdout, "contractcheck serve: listening on http://%s (%s)\n", ln.Addr(), message)
	if err := core.Serve(ctx, ln); err != nil {
		_, _ = fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	_, _ = fmt.Fprintln(stdout, "contractcheck serve: stopped")
	return exitOK
}

// mockCore serves recordings, warning about those that break the contract.
func mockCore(paths []string, mount string, maxBody int64, stderr io.Writer) (*contract.Server, string, error) {
	spec, err := contract.DefaultSpec()
	if err != nil {
		return nil, "", err
	}
	var ins []*recording.Interaction
	ropts := recording.Options{MaxBodyBytes: maxBody}
	if len(paths) == 0 {
		ins, err = recording.ReadAllFS(contract.ShippedRecordings(), "recordings", ropts)
	} else {
		ins, err = recording.ReadAll(paths, ropts)
	}
	if err != nil {
		return nil, "", err
	}
	checker := contract.NewChecker(spec, contract.CheckOptions{})
	for _, in := range ins {
		for _, f := range checker.Check(context.Background(), in).Findings {
			if f.Severity == contract.SeverityError {
				_, _ = fmt.Fprintf(stderr, "contractcheck serve: warning: %s interaction %d breaks the contract (%s: %s); it is served as recorded\n",
					f.File, f.Interaction, f.Rule, f.Message)
			}
		}
	}
	mock := contract.NewMockServer(spec, ins, contract.CheckOptions{Mount: mount}, &lockedWriter{w: stderr})
	return mock.Server, fmt.Sprintf("%d recorded interactions", len(ins)), nil
}

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
