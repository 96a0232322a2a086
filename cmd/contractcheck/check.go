package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

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

// formats are the report formats, each written by one function.
var formats = []string{"text", "json", "junit", "github", "sarif", "markdown"}

// reportOut is one report to write: a format and its destination ("" for
// --output or standard output).
type reportOut struct{ format, file string }

type checkFlags struct {
	config, output, failOn, target, groupID, mount, scope string
	formats, hosts                                        listFlag
	shipped, offline, live                                bool
	coverage                                              coverageFlag
	maxBody                                               int64
	set                                                   map[string]bool // the flags given
}

const checkSynopsis = `usage: contractcheck check [flags] PATH...
       contractcheck check --shipped [flags]

Judges recorded interactions (go-vcr v4 cassettes or HAR 1.2 files, folders of
them, or globs) against the fragment. Without PATH it reads the paths of
contractcheck.yaml in the working directory (or --config); with neither it
refuses: --shipped judges the recordings shipped in contractcheck.
Exit codes: 0 no finding at or above --fail-on, 1 such findings, 2 usage or input error.`

// newCheckFlags defines check's flags.
func newCheckFlags(stderr io.Writer) (*flag.FlagSet, *checkFlags) {
	fs := newFlagSet("contractcheck check", checkSynopsis, stderr)
	f := &checkFlags{}
	fs.BoolVar(&f.shipped, "shipped", false, "judge the recordings shipped in contractcheck instead of PATHs")
	fs.StringVar(&f.config, "config", "", "read settings and waivers from this `file` (default: ./"+contract.ConfigFileName+" when present)")
	fs.Var(&f.formats, "format", "report `format`: text, json, junit, github, sarif or markdown; FORMAT=FILE writes that report to FILE; repeat for several (default: text to standard output)")
	fs.StringVar(&f.output, "output", "", "write the report without =FILE to this `file`; - is standard output (default: standard output)")
	fs.StringVar(&f.output, "o", "", "shorthand for --output `file`")
	fs.StringVar(&f.failOn, "fail-on", "error", "exit 1 on findings at or above this `severity`: error, warning, or none to report only")
	fs.BoolVar(&f.offline, "offline", false, "judge the recorded responses as they are; send nothing")
	fs.StringVar(&f.target, "target", "", "replay against this base `URL` instead of the embedded replay server")
	fs.BoolVar(&f.live, "live", false, "allow a non-loopback --target (a live defer changes real state); credentials come from the environment")
	fs.StringVar(&f.groupID, "group-id", "", "replace the recorded project `id` in requests sent to --target")
	fs.Var(&f.coverage, "require-coverage", "make coverage-missing findings errors: alone for every declared status and envelope mode, or =`cells` such as =200,400,429 or =429:envelope")
	fs.Int64Var(&f.maxBody, "max-body-bytes", recording.DefaultMaxBodyBytes, fmt.Sprintf("cap on every body read, in `bytes` (1 to %d); a larger one is a body-too-large finding", int64(maxBodyLimit)))
	fs.StringVar(&f.mount, "mount", "", "path `prefix` to strip before routing (a proxy mount point, e.g. /atlas-proxy)")
	fs.StringVar(&f.scope, "scope", string(contract.ScopeFragment), "which interactions to judge: `mode` fragment (the fragment's paths; skip the rest of a session) or all (every one; others are unknown-operation errors)")
	fs.Var(&f.hosts, "host", "judge only requests to this host `name`; repeatable (default: any host)")
	return fs, f
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, f := newCheckFlags(stderr)
	paths, code, ok := parseFlags(fs, args, stderr)
	if !ok {
		return code
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	opts, failOn, outs, err := f.options(paths)
	if err != nil {
		msgf(stderr, "contractcheck: %v\n", err)
		return exitUsage
	}

	progressShown := false
	if isTerminal(stderr) {
		opts.Progress = func(n int) {
			if n >= contract.ProgressEvery {
				progressShown = true
				msgf(stderr, "\rcontractcheck: judged %d interactions", n)
			}
		}
	}
	report, err := contract.Run(ctx, opts)
	if progressShown {
		msgf(stderr, "\r\x1b[K")
	}
	if err != nil {
		msgf(stderr, "contractcheck: %v\n", err)
		return exitUsage
	}
	for _, o := range outs {
		if err := writeReport(o, f.output, stdout, report, failOn); err != nil {
			msgf(stderr, "contractcheck: writing the %s report: %v\n", o.format, err)
			return exitUsage
		}
	}
	if report.Failed(failOn) {
		return exitFindings
	}
	return exitOK
}

// options turns the configuration file and the flags (which win) into
// Run's options, the fail threshold and the reports to write. An error is a
// usage error.
func (f *checkFlags) options(paths []string) (opts contract.Options, failOn contract.Severity, outs []reportOut, err error) {
	cfgFile := f.config
	if cfgFile == "" && !f.shipped {
		if cfgFile, err = contract.FindConfig("."); err != nil {
			return opts, 0, nil, err
		}
	}
	failOn = contract.SeverityError
	if cfgFile != "" {
		cfg, err := contract.LoadConfig(cfgFile)
		if err != nil {
			return opts, 0, nil, err
		}
		opts = cfg.Options()
		if cfg.FailOn != 0 {
			failOn = cfg.FailOn
		}
	}
	if f.set["fail-on"] || cfgFile == "" {
		if failOn, err = contract.ParseFailOn(f.failOn); err != nil {
			return opts, 0, nil, fmt.Errorf("--fail-on: %w", err)
		}
	}
	if f.set["offline"] {
		opts.Source.Offline = f.offline
	}
	if f.set["max-body-bytes"] || opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = f.maxBody
	}
	if err := checkMaxBody(opts.MaxBodyBytes); err != nil {
		if !f.set["max-body-bytes"] {
			err = fmt.Errorf("%s: max-body-bytes: %w", cfgFile, err)
		}
		return opts, 0, nil, err
	}
	if f.set["mount"] {
		if opts.Check.Mount, err = contract.NormalizeMount(f.mount); err != nil {
			return opts, 0, nil, fmt.Errorf("--mount: %w", err)
		}
	}
	if f.set["scope"] || opts.CI.Scope.Mode == "" {
		if opts.CI.Scope.Mode, err = contract.ParseScopeMode(f.scope); err != nil {
			return opts, 0, nil, fmt.Errorf("--scope: %w", err)
		}
	}
	if len(f.hosts) > 0 {
		opts.CI.Scope.Hosts = f.hosts
	}
	if f.coverage.set {
		opts.RequireCoverage, opts.CI.RequiredCoverage = f.coverage.all, nil
		if f.coverage.cells != "" {
			if opts.CI.RequiredCoverage, err = contract.ParseCoverageCells(f.coverage.cells); err != nil {
				return opts, 0, nil, fmt.Errorf("--require-coverage: %w", err)
			}
		}
	}
	if outs, err = parseOutputs(f.formats, f.output); err != nil {
		return opts, 0, nil, err
	}
	opts.Cases = slices.ContainsFunc(outs, func(o reportOut) bool { return o.format == "junit" })
	if err := f.targetOptions(&opts); err != nil {
		return opts, 0, nil, err
	}
	if err := f.recordings(&opts, paths, cfgFile); err != nil {
		return opts, 0, nil, err
	}
	return opts, failOn, outs, nil
}

// recordings decides what the run reads: --shipped, the PATHs, or the
// configuration file's paths; never the shipped recordings by default.
func (f *checkFlags) recordings(opts *contract.Options, paths []string, cfgFile string) error {
	switch {
	case f.shipped && len(paths) > 0:
		return fmt.Errorf("--shipped judges the shipped recordings: give it no PATH (got %q)", paths[0])
	case f.shipped:
		opts.Shipped, opts.Paths = true, nil
		return nil
	case len(paths) > 0:
		opts.Paths = paths
	}
	if len(opts.Paths) == 0 {
		where := "no PATH was given"
		if cfgFile != "" {
			where = cfgFile + " lists no paths"
		}
		return fmt.Errorf("no recordings to judge: %s (a glob that matched nothing leaves none).\n"+
			"Give recording files or folders, set paths in %s, or judge the recordings shipped in contractcheck with --shipped",
			where, contract.ConfigFileName)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil && f.set["require-coverage"] {
			if _, cerr := contract.ParseCoverageCells(p); cerr == nil {
				return fmt.Errorf("%q is not a recording; to require those statuses, join them to the flag: --require-coverage=%s", p, p)
			}
		}
	}
	expanded, err := contract.ExpandPaths(opts.Paths)
	if err != nil {
		return err
	}
	opts.Paths = expanded
	return nil
}

// targetOptions sets up --target, --live and --group-id.
func (f *checkFlags) targetOptions(opts *contract.Options) error {
	if f.target == "" {
		if f.live || f.groupID != "" {
			return errors.New("--live and --group-id go with --target")
		}
		return nil
	}
	if f.groupID != "" {
		if err := atlas.ValidateGroupID(f.groupID); err != nil {
			return fmt.Errorf("--group-id: %w", err)
		}
	}
	if opts.Source.Offline {
		return errors.New("--offline and --target exclude each other")
	}
	opts.Source.Target, opts.Source.Live, opts.Source.GroupID = f.target, f.live, f.groupID
	opts.Source.NewClient = targetClient(f.live)
	return nil
}

// writeReport writes one report to its file, to --output, or to standard
// output.
func writeReport(o reportOut, outputFile string, stdout io.Writer, report *contract.Report, failOn contract.Severity) error {
	dest := o.file
	if dest == "" {
		dest = outputFile
	}
	toStdout := dest == "" || dest == "-"
	return writeOutput(dest, stdout, func(w io.Writer) error {
		switch o.format {
		case "json":
			return contract.WriteJSON(w, report)
		case "junit":
			return contract.WriteJUnit(w, report, failOn)
		case "github":
			return contract.WriteGitHub(w, report)
		case "sarif":
			return contract.WriteSARIF(w, report)
		case "markdown":
			return contract.WriteMarkdown(w, report)
		}
		color := toStdout && isTerminal(stdout) && getenv("NO_COLOR") == ""
		return contract.WriteText(w, report, contract.TextOptions{Color: color})
	})
}

// parseOutputs reads the --format values: FORMAT goes to --output (or
// standard output), FORMAT=FILE to FILE. At most one report goes to each
// destination.
func parseOutputs(values []string, outputFile string) ([]reportOut, error) {
	if len(values) == 0 {
		values = []string{"text"}
	}
	var outs []reportOut
	seen := map[string]string{}
	for _, v := range values {
		format, file, _ := strings.Cut(v, "=")
		if !slices.Contains(formats, format) {
			msg := fmt.Sprintf("--format %q: want %s", format, strings.Join(formats, ", "))
			if s := suggest(format, formats); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			return nil, errors.New(msg)
		}
		if strings.Contains(v, "=") && file == "" {
			return nil, fmt.Errorf("--format %s=: the file is missing", format)
		}
		dest := file
		if dest == "" {
			dest = outputFile
		}
		if dest == "" {
			dest = "-"
		}
		if prev, ok := seen[dest]; ok {
			where := "standard output"
			if dest != "-" {
				where = dest
			}
			return nil, fmt.Errorf("--format %s and --format %s both write to %s: give one of them a file (--format %s=FILE)", prev, format, where, format)
		}
		seen[dest] = format
		outs = append(outs, reportOut{format: format, file: file})
	}
	return outs, nil
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
