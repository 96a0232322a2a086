package main

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"sync"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/netpolicy"
)

func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("contractcheck record", recordSynopsis, stderr)
	live := fs.Bool("live", false, "required: the call defers the project's real maintenance")
	groupID := fs.String("group-id", "", "the `id` of a project you own (required)")
	envelope := fs.Bool("envelope", false, "ask for envelope=true")
	server := fs.String("target", "", "base `URL` (default: $"+atlas.EnvBaseURL+", else "+atlas.DefaultServerURL+")")
	fake := fs.Bool("fake-group-id", false, "replace the project id in the cassette by "+fakeGroupID)
	out := fs.String("output", "", "the cassette `file` to write, - for standard output (required)")
	fs.StringVar(out, "o", "", "shorthand for --output `file`")
	rest, code, ok := parseFlags(fs, args, stderr)
	if !ok {
		return code
	}
	switch {
	case len(rest) > 0:
		msgf(stderr, "contractcheck record: unexpected argument %q\n", rest[0])
		return exitUsage
	case *out == "" || *groupID == "":
		msgf(stderr, "contractcheck record: --output FILE and --group-id ID are required\n")
		return exitUsage
	}
	if err := atlas.ValidateGroupID(*groupID); err != nil {
		msgf(stderr, "contractcheck record: --group-id: %v\n", err)
		return exitUsage
	}
	base := *server
	if base == "" {
		base = getenv(atlas.EnvBaseURL)
	}
	if base == "" {
		base = atlas.DefaultServerURL
	}
	target, err := netpolicy.Check(ctx, base, *live)
	if err != nil {
		msgf(stderr, "contractcheck record: %v\n", err)
		return exitUsage
	}

	opts := recording.RecorderOptions{}
	if *fake {
		opts.Hooks = fakeGroupIDHooks(*groupID)
	}
	rec, err := recording.NewRecorder(target.Transport, opts)
	if err != nil {
		msgf(stderr, "contractcheck record: %v\n", err)
		return exitUsage
	}
	client, err := atlas.NewFromEnv(atlas.WithServer(base), atlas.WithTransport(rec), atlas.WithEnvelope(*envelope))
	if err != nil {
		msgf(stderr, "contractcheck record: credentials: %v\n", err)
		return exitUsage
	}
	info := stdout // what happened; on stderr when the cassette goes to stdout
	if *out == "-" {
		info = stderr
	}
	callErr := client.DeferMaintenanceWindow(ctx, *groupID)
	var apiErr *atlas.Error
	switch {
	case callErr == nil:
		msgf(info, "contractcheck record: the maintenance was deferred\n")
	case errors.As(callErr, &apiErr):
		msgf(info, "contractcheck record: Atlas answered %v\n", callErr)
	default:
		if rec.Len() == 0 {
			msgf(stderr, "contractcheck record: %v\n", callErr)
			return exitUsage
		}
		msgf(stderr, "contractcheck record: the call failed: %v\n", callErr)
	}
	if err := saveCassette(rec, *out, stdout); err != nil {
		msgf(stderr, "contractcheck record: %v\n", err)
		return exitUsage
	}
	msgf(info, "contractcheck record: wrote %d interactions to %s\n", rec.Len(), *out)
	return exitOK
}

const recordSynopsis = `usage: contractcheck record --live --group-id ID [--envelope] [--fake-group-id] [--target URL] -o FILE

Calls the defer endpoint once with credentials from the environment and writes the
exchange, redacted, as a go-vcr v4 cassette that contractcheck reads back.`

// saveCassette writes the recorder's cassette by the output rule of every
// subcommand: "-" is stdout (the one given, not the process's), anything
// else goes through Save.
func saveCassette(rec *recording.Recorder, dest string, stdout io.Writer) error {
	if dest != "-" {
		return rec.Save(dest)
	}
	_, err := rec.WriteTo(stdout)
	return err
}

// fakeGroupID replaces project ids in a cassette recorded with
// --fake-group-id: fixed, obviously fake, and a valid id.
const fakeGroupID = "000000000000000000000000"

// fakeGroupIDHooks returns the recorder hooks of --fake-group-id: they
// replace the project id given, and any other valid one a recorded request
// path names after /groups/, by fakeGroupID in every string of every
// interaction, as it is recorded and again before it is saved (for an id
// learned after it was recorded).
func fakeGroupIDHooks(groupID string) []recorder.Hook {
	f := &groupIDFaker{ids: map[string]bool{groupID: true}}
	return []recorder.Hook{
		{Handler: f.rewrite, Kind: recorder.AfterCaptureHook},
		{Handler: f.rewrite, Kind: recorder.BeforeSaveHook},
	}
}

// groupIDFaker holds the project ids it replaces.
type groupIDFaker struct {
	mu       sync.Mutex
	ids      map[string]bool
	replacer *strings.Replacer // nil when ids changed
}

func (f *groupIDFaker) rewrite(i *cassette.Interaction) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, err := url.Parse(i.Request.URL); err == nil {
		segs := strings.Split(u.Path, "/")
		for k := 0; k+1 < len(segs); k++ {
			if id := segs[k+1]; segs[k] == "groups" && !f.ids[id] && id != fakeGroupID && atlas.ValidateGroupID(id) == nil {
				f.ids[id], f.replacer = true, nil
			}
		}
	}
	if f.replacer == nil {
		pairs := make([]string, 0, 2*len(f.ids))
		for id := range f.ids {
			pairs = append(pairs, id, fakeGroupID) // ids have one length: none contains another
		}
		f.replacer = strings.NewReplacer(pairs...)
	}
	recording.RewriteStrings(i, f.replacer.Replace)
	return nil
}
