package main

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/netpolicy"
)

func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("contractcheck record", recordSynopsis, stderr)
	live := fs.Bool("live", false, "needed for a target that is not a loopback address: the call defers the project's real maintenance")
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
		msgf(stderr, "contractcheck record: --group-id: %s\n", escapeText(err.Error()))
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
		msgf(stderr, "contractcheck record: %s\n", escapeText(err.Error()))
		return exitUsage
	}

	opts := recording.RecorderOptions{}
	if *fake {
		opts.Hooks = fakeGroupIDHooks(*groupID)
	}
	rec, err := recording.NewRecorder(target.Transport, opts)
	if err != nil {
		msgf(stderr, "contractcheck record: %s\n", escapeText(err.Error()))
		return exitUsage
	}
	client, err := atlas.NewFromEnv(atlas.WithServer(base), atlas.WithTransport(rec), atlas.WithEnvelope(*envelope))
	if err != nil {
		msgf(stderr, "contractcheck record: credentials: %s\n", escapeText(err.Error()))
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
		// The answer's errorCode and detail are the server's text.
		msgf(info, "contractcheck record: %s answered %s\n", answerer(target), escapeText(callErr.Error()))
	default:
		if rec.Len() == 0 {
			msgf(stderr, "contractcheck record: %s\n", escapeText(callErr.Error()))
			return exitUsage
		}
		msgf(stderr, "contractcheck record: the call failed: %s\n", escapeText(callErr.Error()))
	}
	if err := saveCassette(rec, *out, stdout); err != nil {
		msgf(stderr, "contractcheck record: %s\n", escapeText(err.Error()))
		return exitUsage
	}
	msgf(info, "contractcheck record: wrote %d interactions to %s\n", rec.Len(), escapeText(*out))
	return exitOK
}

const recordSynopsis = `usage: contractcheck record --group-id ID [--envelope] [--fake-group-id] [--target URL] [--live] -o FILE

Calls the defer endpoint once with credentials from the environment and writes the
exchange, redacted, as a go-vcr v4 cassette that contractcheck and go-vcr read back.
The target is $MONGODB_ATLAS_BASE_URL, else https://cloud.mongodb.com. A target that
is not a loopback address (Atlas itself) needs --live and https: the call defers the
project's real maintenance, which cannot be undone. A loopback target (a mock, the fake
of contractcheck serve --fake) needs neither.`

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

// escapeText makes text from the server, a recording or the user safe to
// print on a terminal or in a CI log that a runner parses for workflow
// commands: control characters (a newline that would start a line with
// "::add-mask::", an ESC sequence), Unicode bidirectional controls and
// invalid UTF-8 are written as Go escapes (\n, \x1b, \u202e, \xff). It is
// contract's escapeControl, to be merged with it once it moves to an
// internal package.
func escapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029':
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
