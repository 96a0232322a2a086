package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/spf13/cobra"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/netpolicy"
	"github.com/atlascontract/deferwindow/internal/safetext"
)

const recordLong = `Calls the defer endpoint once with credentials from the environment and writes the
exchange, redacted, as a go-vcr v4 cassette that contractcheck and go-vcr read back.
The target is --target, else $MONGODB_ATLAS_BASE_URL, else https://cloud.mongodb.com. A target
that is not a loopback address (Atlas itself) needs --live and https: the call defers the
project's real maintenance, which cannot be undone. A loopback target (a mock, the fake of
contractcheck serve --fake) needs neither.`

// recordFlags are record's settings.
type recordFlags struct {
	groupID, server, output string
	live, envelope, fake    bool
}

func newRecordCommand() *cobra.Command {
	f := &recordFlags{}
	cmd := &cobra.Command{
		Use:   "record --group-id ID -o FILE [flags]",
		Short: "Call the defer endpoint once and write the redacted exchange as a cassette",
		Long:  recordLong,
		Example: `  contractcheck record --group-id 32b6e34b3d91647abb20e7b8 --target http://127.0.0.1:8080 -o defer.yaml
  contractcheck record --live --group-id YOUR_PROJECT_ID -o recordings/defer.yaml`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	fs.BoolVar(&f.live, "live", false, "needed for a target that is not a loopback address: the call defers the project's real maintenance")
	fs.StringVar(&f.groupID, "group-id", "", "the `id` of a project you own (required)")
	fs.BoolVar(&f.envelope, "envelope", false, "ask for envelope=true")
	fs.StringVar(&f.server, "target", "", "base `URL` (default: $"+atlas.EnvBaseURL+", else "+atlas.DefaultServerURL+")")
	fs.BoolVar(&f.fake, "fake-group-id", false, "replace the project id in the cassette by "+fakeGroupID)
	fs.StringVarP(&f.output, "output", "o", "", "the cassette `file` to write, - for standard output (required)")
	_ = cmd.MarkFlagRequired("group-id")
	_ = cmd.MarkFlagRequired("output")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return runRecord(cmd, f) }
	return cmd
}

func runRecord(cmd *cobra.Command, f *recordFlags) error {
	ctx, stdout, stderr := cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err := atlas.ValidateGroupID(f.groupID); err != nil {
		return usageError("--group-id: %w", err)
	}
	base := f.server
	if base == "" {
		base = getenv(atlas.EnvBaseURL)
	}
	if base == "" {
		base = atlas.DefaultServerURL
	}
	if err := outputCanBeWritten(f.output); err != nil {
		// Checked before the call: a deferral is not undone when its
		// cassette cannot be saved.
		return usageError("-o: %w", err)
	}
	target, err := netpolicy.Check(ctx, base, f.live)
	if err != nil {
		return usageError("%w", err)
	}
	opts := recording.RecorderOptions{}
	if f.fake {
		opts.Hooks = fakeGroupIDHooks(f.groupID)
	}
	rec, err := recording.NewRecorder(target.Transport, opts)
	if err != nil {
		return usageError("%w", err)
	}
	client, err := atlas.NewFromEnv(atlas.WithServer(base), atlas.WithTransport(rec), atlas.WithEnvelope(f.envelope))
	if err != nil {
		return usageError("credentials: %w", err)
	}
	info := stdout // what happened; on stderr when the cassette goes to stdout
	if f.output == "-" {
		info = stderr
	}
	callErr := client.DeferMaintenanceWindow(ctx, f.groupID)
	var apiErr *atlas.Error
	switch {
	case callErr == nil:
		msgf(info, "contractcheck record: the maintenance was deferred\n")
	case errors.As(callErr, &apiErr):
		// The answer's errorCode and detail are the server's text.
		msgf(info, "contractcheck record: %s answered %s\n", answerer(target), safetext.EscapeControl(callErr.Error()))
	default:
		if rec.Len() == 0 {
			return usageError("%w", callErr)
		}
		msgf(stderr, "contractcheck record: the call failed: %s\n", safetext.EscapeControl(callErr.Error()))
	}
	if err := saveCassette(rec, f.output, stdout); err != nil {
		return usageError("%w", err)
	}
	msgf(info, "contractcheck record: wrote %d interactions to %s\n", rec.Len(), safetext.EscapeControl(f.output))
	return nil
}

// outputCanBeWritten tells whether a cassette can be saved at path ("-" is
// stdout): its folder exists and path is not a folder.
func outputCanBeWritten(path string) error {
	if path == "-" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a folder; name the cassette file", safetext.EscapeControl(path))
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("the folder %s does not exist: create it first, the call is not made without a place to save its cassette", safetext.EscapeControl(dir))
	}
	return nil
}

// answerer names who answered the call: Atlas, or the server a target
// names.
func answerer(target *netpolicy.Target) string {
	if atlasURL, err := url.Parse(atlas.DefaultServerURL); err == nil && strings.EqualFold(target.URL.Hostname(), atlasURL.Hostname()) {
		return "Atlas"
	}
	return "the server"
}

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
