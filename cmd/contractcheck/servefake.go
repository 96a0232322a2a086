package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/serve"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
	"github.com/atlascontract/deferwindow/internal/httpserve"
)

// envControlToken, when set, is the fake's control token instead of a
// random one, for a harness that starts serve --fake and must know it.
const envControlToken = "CONTRACTCHECK_FAKE_CONTROL_TOKEN"

// runServeFake serves the fake Atlas, seeded from the state file or with
// the default project, accepting the credentials in the environment, each
// answer judged against the fragment on its way out.
func runServeFake(ctx context.Context, statePath, mount, addr string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		_, _ = fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	log := &lockedWriter{w: stderr}
	fake, creds, err := newServeFake(statePath, mount, addr)
	if err != nil {
		return fail(err)
	}
	spec, err := contract.DefaultSpec()
	if err != nil {
		return fail(err)
	}
	handler := serve.Checked(fake, contract.NewChecker(spec, ""), serve.CheckedOptions{
		Mount: mount, FaultHeader: atlastest.FaultHeader,
		Skip: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, atlastest.ControlPrefix) },
		OnViolation: func(v serve.Violation) {
			_, _ = fmt.Fprintf(log, "contractcheck serve: the fake's %s\n", v)
		},
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fail(err)
	}
	_, _ = fmt.Fprintf(stdout, "contractcheck serve: listening on http://%s (fake Atlas with %d seeded project(s), accepting %s)\n",
		ln.Addr(), len(fake.Projects()), creds)
	_, _ = fmt.Fprintf(stdout, "contractcheck serve: control API under http://%s%s with the header Authorization: Bearer %s\n",
		ln.Addr(), atlastest.ControlPrefix, fake.ControlToken())
	if ip := addrIP(ln.Addr()); ip == nil || !ip.IsLoopback() {
		_, _ = fmt.Fprintf(stderr, "contractcheck serve: warning: listening on %s, beyond this machine: whoever reaches it can use the fake with its test credentials (its control API still needs the token)\n", ln.Addr())
	}
	limits := httpserve.DefaultLimits
	limits.WriteTimeout += atlastest.MaxReplyDelay // a scripted delay must not cut the answer
	// Told to stop, the fake ends its scripted delays at once, so they do
	// not hold the shutdown for its grace period.
	defer context.AfterFunc(ctx, fake.Close)()
	if err := httpserve.Serve(ctx, ln, handler, limits); err != nil {
		return fail(err)
	}
	_, _ = fmt.Fprintln(stdout, "contractcheck serve: stopped")
	return exitOK
}

// newServeFake builds the fake from the state file and the environment;
// creds says which credentials it accepts, never a secret.
func newServeFake(statePath, mount, addr string) (*atlastest.Fake, string, error) {
	opts := []atlastest.Option{atlastest.WithMount(mount)}
	if statePath != "" {
		st, err := loadFakeState(statePath)
		if err != nil {
			return nil, "", err
		}
		opts = append(opts, atlastest.WithState(st))
	}
	if host, _, err := net.SplitHostPort(addr); err == nil && host != "" && net.ParseIP(host) == nil {
		opts = append(opts, atlastest.WithAllowedHosts(host))
	}
	if t := os.Getenv(envControlToken); t != "" {
		opts = append(opts, atlastest.WithControlToken(t))
	}
	creds := "the default test credentials (see docs/fake.md)"
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
	return f, creds, nil
}

// addrIP is a listener's IP address, nil when it has none.
func addrIP(a net.Addr) net.IP {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP
	}
	return nil
}
