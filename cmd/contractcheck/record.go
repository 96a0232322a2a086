package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("contractcheck record", flag.ContinueOnError)
	fs.SetOutput(stderr)
	live := fs.Bool("live", false, "required: the call defers the project's real maintenance")
	groupID := fs.String("group-id", "", "the `id` of a project you own (required)")
	envelope := fs.Bool("envelope", false, "ask for envelope=true")
	server := fs.String("server", "", "base `URL` (default: $"+atlas.EnvBaseURL+", else "+atlas.DefaultServerURL+")")
	fake := fs.Bool("fake-group-id", false, "replace the project id in the cassette by "+recording.DefaultFakeGroupID)
	out := fs.String("o", "", "the cassette `file` to write (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: contractcheck record --live --group-id ID [--envelope] [--fake-group-id] -o FILE\n\nCalls the defer endpoint once with credentials from the environment and writes the\nexchange, redacted, as a go-vcr v4 cassette that contractcheck reads back.\n\nflags:")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return parseFailure(err)
	}
	switch {
	case len(rest) > 0:
		fmt.Fprintf(stderr, "contractcheck record: unexpected argument %q\n", rest[0])
		return exitUsage
	case *out == "" || *groupID == "":
		fmt.Fprintln(stderr, "contractcheck record: -o FILE and --group-id ID are required")
		return exitUsage
	}
	if err := atlas.ValidateGroupID(*groupID); err != nil {
		fmt.Fprintf(stderr, "contractcheck record: --group-id: %v\n", err)
		return exitUsage
	}
	base := *server
	if base == "" {
		base = getenv(atlas.EnvBaseURL)
	}
	if base == "" {
		base = atlas.DefaultServerURL
	}
	if err := contract.CheckTarget(base, *live); err != nil {
		fmt.Fprintf(stderr, "contractcheck record: %v\n", err)
		return exitUsage
	}

	opts := recording.RecorderOptions{}
	if *fake {
		opts.FakeGroupID, opts.GroupIDPattern = recording.DefaultFakeGroupID, atlas.GroupIDPattern
	}
	rec, err := recording.NewRecorder(http.DefaultTransport, opts)
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck record: %v\n", err)
		return exitUsage
	}
	client, err := atlas.NewFromEnv(atlas.WithServer(base), atlas.WithTransport(rec), atlas.WithEnvelope(*envelope))
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck record: credentials: %v\n", err)
		return exitUsage
	}
	callErr := client.DeferMaintenanceWindow(ctx, *groupID)
	var apiErr *atlas.Error
	switch {
	case callErr == nil:
		fmt.Fprintln(stdout, "contractcheck record: the maintenance was deferred")
	case errors.As(callErr, &apiErr):
		fmt.Fprintf(stdout, "contractcheck record: Atlas answered %v\n", callErr)
	default:
		if rec.Len() == 0 {
			fmt.Fprintf(stderr, "contractcheck record: %v\n", callErr)
			return exitUsage
		}
		fmt.Fprintf(stderr, "contractcheck record: the call failed: %v\n", callErr)
	}
	if err := rec.Save(*out); err != nil {
		fmt.Fprintf(stderr, "contractcheck record: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "contractcheck record: wrote %d interactions to %s\n", rec.Len(), *out)
	return exitOK
}
