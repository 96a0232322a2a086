package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("contractcheck serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen `address` (port 0: a free one; loopback unless told otherwise)")
	mount := fs.String("mount", "", "path `prefix` to strip from incoming requests before routing")
	maxBody := fs.Int64("max-body-bytes", recording.DefaultMaxBodyBytes, "cap on every recorded body, in `bytes`")
	fake := fs.Bool("fake", false, "serve the fake Atlas (per-project state, real auth) instead of recorded answers")
	state := fs.String("state", "", "with --fake: the YAML `file` seeding projects, token lifetime and rate limit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: contractcheck serve [--addr 127.0.0.1:PORT] [--mount PREFIX] [PATH...]
       contractcheck serve --fake [--state FILE] [--addr 127.0.0.1:PORT]

Without --fake: serves the recorded responses (none: the shipped recordings) as a mock of the
endpoint, per project in recorded order; invalid requests get what Atlas answers.
With --fake: serves the fake Atlas of package atlastest, accepting the credentials of
MONGODB_ATLAS_CLIENT_ID/_SECRET and MONGODB_ATLAS_PUBLIC_API_KEY/_PRIVATE_API_KEY; its control
API lives under /_contractcheck/fake/. Stops on SIGINT or SIGTERM.

flags:`)
		fs.PrintDefaults()
	}
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return parseFailure(err)
	}
	if *state != "" && !*fake {
		fmt.Fprintln(stderr, "contractcheck serve: --state needs --fake")
		return exitUsage
	}
	if *fake && len(paths) > 0 {
		fmt.Fprintln(stderr, "contractcheck serve: --fake answers from state, not recordings; drop the paths or --fake")
		return exitUsage
	}
	var (
		core    *contract.Server
		message string
	)
	if *fake {
		core, message, err = fakeCore(*state, *mount, stderr)
	} else {
		core, message, err = mockCore(paths, *mount, *maxBody, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "contractcheck serve: listening on http://%s (%s)\n", ln.Addr(), message)
	if err := core.Serve(ctx, ln); err != nil {
		fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(stdout, "contractcheck serve: stopped")
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
				fmt.Fprintf(stderr, "contractcheck serve: warning: %s interaction %d breaks the contract (%s: %s); it is served as recorded\n",
					f.File, f.Interaction, f.Rule, f.Message)
			}
		}
	}
	mock := contract.NewMockServer(spec, ins, contract.CheckOptions{Mount: mount}, &lockedWriter{w: stderr})
	return mock.Server, fmt.Sprintf("%d recorded interactions", len(ins)), nil
}

// fakeCore serves the fake, seeded from the state file or with the default
// project, accepting the credentials in the environment.
func fakeCore(statePath, mount string, stderr io.Writer) (*contract.Server, string, error) {
	log := &lockedWriter{w: stderr}
	opts := []atlastest.Option{
		atlastest.WithMount(mount),
		atlastest.WithViolationHandler(func(msg string) { fmt.Fprintln(log, "contractcheck serve: "+msg) }),
	}
	if statePath != "" {
		st, err := atlastest.LoadState(statePath)
		if err != nil {
			return nil, "", err
		}
		opts = append(opts, atlastest.WithState(st))
	}
	creds := "the default test credentials (see the README)"
	id, secret := os.Getenv(atlas.EnvClientID), os.Getenv(atlas.EnvClientSecret)
	pub, priv := os.Getenv(atlas.EnvPublicAPIKey), os.Getenv(atlas.EnvPrivateAPIKey)
	if (id == "") != (secret == "") || (pub == "") != (priv == "") {
		return nil, "", fmt.Errorf("set both or neither of %s and %s, and of %s and %s", atlas.EnvClientID, atlas.EnvClientSecret, atlas.EnvPublicAPIKey, atlas.EnvPrivateAPIKey)
	}
	switch {
	case id != "" && pub != "":
		creds = fmt.Sprintf("service account %q and API key %q from the environment", id, pub)
	case id != "":
		creds = fmt.Sprintf("service account %q from the environment", id)
	case pub != "":
		creds = fmt.Sprintf("API key %q from the environment", pub)
	}
	if id != "" {
		opts = append(opts, atlastest.WithServiceAccount(atlastest.ServiceAccount{ClientID: id, ClientSecret: secret}))
	}
	if pub != "" {
		opts = append(opts, atlastest.WithAPIKey(atlastest.APIKey{PublicKey: pub, PrivateKey: priv}))
	}
	f, err := atlastest.New(opts...)
	if err != nil {
		return nil, "", err
	}
	return f.Core(), fmt.Sprintf("fake Atlas with %d seeded project(s), accepting %s; control API under %s", len(f.Projects()), creds, atlastest.ControlPrefix), nil
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
