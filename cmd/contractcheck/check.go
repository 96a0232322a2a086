package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// isTerminal tells whether w is a terminal; a variable so tests can pretend.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// getenv reads the environment; a variable so tests can pretend.
var getenv = os.Getenv

type checkFlags struct {
	format, output, failOn, target, groupID, mount string
	offline, live, requireCoverage                 bool
	maxBody                                        int64
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("contractcheck check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f checkFlags
	fs.StringVar(&f.format, "format", "text", "report `format`: text, json or junit")
	fs.StringVar(&f.output, "output", "", "write the report to `file` (default: standard output)")
	fs.StringVar(&f.output, "o", "", "shorthand for --output")
	fs.StringVar(&f.failOn, "fail-on", "error", "exit 1 on findings at or above this `severity`: error or warning")
	fs.BoolVar(&f.offline, "offline", false, "judge the recorded responses as they are; send nothing")
	fs.StringVar(&f.target, "target", "", "replay against this base `URL` instead of the embedded replay server")
	fs.BoolVar(&f.live, "live", false, "allow a non-loopback --target (a live defer changes real state); credentials come from the environment")
	fs.StringVar(&f.groupID, "group-id", "", "replace the recorded project `id` in requests sent to --target")
	fs.BoolVar(&f.requireCoverage, "require-coverage", false, "make coverage-missing findings errors")
	fs.Int64Var(&f.maxBody, "max-body-bytes", recording.DefaultMaxBodyBytes, "cap on every body read, in `bytes`; a larger one is a body-too-large finding")
	fs.StringVar(&f.mount, "mount", "", "path `prefix` to strip before routing (a proxy mount point)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: contractcheck [check] [flags] [PATH...]\n\nJudges recorded interactions (go-vcr v4 cassettes or HAR 1.2 files, or folders of them;\nnone: the recordings shipped in the binary) against the fragment.\n\nflags:")
		fs.PrintDefaults()
	}
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return parseFailure(err)
	}
	failOn, err := contract.ParseSeverity(f.failOn)
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck: --fail-on: %v\n", err)
		return exitUsage
	}
	switch f.format {
	case "text", "json", "junit":
	default:
		fmt.Fprintf(stderr, "contractcheck: --format %q: want text, json or junit\n", f.format)
		return exitUsage
	}
	if f.maxBody <= 0 {
		fmt.Fprintln(stderr, "contractcheck: --max-body-bytes must be positive")
		return exitUsage
	}
	if f.target == "" && (f.live || f.groupID != "") {
		fmt.Fprintln(stderr, "contractcheck: --live and --group-id go with --target")
		return exitUsage
	}
	if f.groupID != "" {
		if err := atlas.ValidateGroupID(f.groupID); err != nil {
			fmt.Fprintf(stderr, "contractcheck: --group-id: %v\n", err)
			return exitUsage
		}
	}

	opts := contract.Options{
		Paths:  paths,
		Source: contract.Source{Offline: f.offline, Target: f.target, Live: f.live, GroupID: f.groupID},
		Check:  contract.CheckOptions{Mount: f.mount}, MaxBodyBytes: f.maxBody, RequireCoverage: f.requireCoverage,
		Cases: f.format == "junit",
	}
	if f.target != "" {
		if f.offline {
			fmt.Fprintln(stderr, "contractcheck: --offline and --target exclude each other")
			return exitUsage
		}
		opts.Source.NewClient = targetClient(f.live)
	}
	progressShown := false
	if isTerminal(stderr) {
		opts.Progress = func(n int) {
			if n >= contract.ProgressEvery {
				progressShown = true
				fmt.Fprintf(stderr, "\rcontractcheck: judged %d interactions", n)
			}
		}
	}
	report, err := contract.Run(ctx, opts)
	if progressShown {
		fmt.Fprint(stderr, "\r\x1b[K")
	}
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck: %v\n", err)
		return exitUsage
	}

	out := stdout
	var file *os.File
	if f.output != "" {
		if file, err = os.Create(f.output); err != nil {
			fmt.Fprintf(stderr, "contractcheck: %v\n", err)
			return exitUsage
		}
		out = file
	}
	switch f.format {
	case "json":
		err = contract.WriteJSON(out, report)
	case "junit":
		err = contract.WriteJUnit(out, report, failOn)
	default:
		color := file == nil && isTerminal(stdout) && getenv("NO_COLOR") == ""
		err = contract.WriteText(out, report, contract.TextOptions{Color: color})
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck: writing the report: %v\n", err)
		return exitUsage
	}
	if report.Failed(failOn) {
		return exitFindings
	}
	return exitOK
}

// targetClient returns how contract.Run builds the client for --target:
// credentials from the environment are required with --live, and used when
// present for a loopback target. Run decides where requests may go.
func targetClient(live bool) func(...atlas.Option) (*atlas.Client, error) {
	return func(opts ...atlas.Option) (*atlas.Client, error) {
		c, err := atlas.NewFromEnv(opts...)
		switch {
		case err == nil:
			return c, nil
		case live:
			return nil, fmt.Errorf("--live needs credentials in the environment: %w", err)
		}
		return atlas.New(opts...)
	}
}
