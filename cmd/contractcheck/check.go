package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/contract/report"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/output"
	"github.com/atlascontract/deferwindow/internal/safetext"
	"github.com/atlascontract/deferwindow/openapi"
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

// reportOut is one report to write: a format and its destination (its
// FILE, else --output, else "-" for standard output).
type reportOut struct{ format, dest string }

type checkFlags struct {
	config, output, failOn, target, groupID, mount, scope, spec, coverage string
	formats, hosts                                                        []string
	shipped, offline, live, noConfig, noErrata                            bool
	maxBody                                                               int64
}

const checkLong = `Judges recorded interactions (go-vcr v4 cassettes or HAR 1.2 files, folders of them,
or globs) against the spec: the defer-maintenance-window fragment this module ships
(--spec defer, the default), MongoDB's whole published spec embedded in it (--spec atlas),
or your copy of it (--spec FILE). Without PATH it reads the paths of contractcheck.yaml in
the working directory (or --config); with neither it refuses: --shipped judges the
recordings shipped in contractcheck.

Responses are replayed through the generated client, in memory (the default), judged as
recorded (--offline), or obtained from --target URL.

Exit codes: 0 no finding at or above --fail-on, 1 such findings, 2 usage or input error.`

// maxBodyLimit is the largest --max-body-bytes accepted: 1 GiB. A body is
// held in memory to be judged; larger caps only defer the failure, and
// values near 2^63 overflow the readers' arithmetic.
const maxBodyLimit = 1 << 30

// checkMaxBody validates --max-body-bytes.
func checkMaxBody(n int64) error {
	if n < 1 || n > maxBodyLimit {
		return fmt.Errorf("--max-body-bytes %d is out of range: want 1 to %d (1 GiB)", n, int64(maxBodyLimit))
	}
	return nil
}

func newCheckCommand() *cobra.Command {
	f := &checkFlags{}
	cmd := &cobra.Command{
		Use:   "check [flags] PATH...",
		Short: "Judge recorded interactions against the spec",
		Long:  checkLong,
		Example: `  contractcheck check --shipped
  contractcheck check --offline --format github --format sarif=contractcheck.sarif recordings/
  contractcheck check --spec atlas --scope all session.har`,
	}
	fs := cmd.Flags()
	fs.BoolVar(&f.shipped, "shipped", false, "judge the recordings shipped in contractcheck instead of PATHs")
	fs.StringVar(&f.config, "config", "", "read settings and waivers from this `file` (default: ./"+configFileName+" when present)")
	fs.BoolVar(&f.noConfig, "no-config", false, "ignore "+configFileName+" in the working directory")
	fs.StringArrayVar(&f.formats, "format", nil, "report `format`: text, json, junit, github, sarif or markdown; FORMAT=FILE writes that report to FILE; repeat for several (default text)")
	fs.StringVarP(&f.output, "output", "o", "", "write the report without =FILE to this `file`; - is standard output")
	fs.StringVar(&f.failOn, "fail-on", "error", "exit 1 on findings at or above this `severity`: error, warning, or none to report only")
	fs.StringVar(&f.spec, "spec", "defer", "the spec to judge against: defer (the embedded fragment), atlas (MongoDB's published spec, embedded) or a `file` of it")
	fs.BoolVar(&f.noErrata, "no-errata", false, "judge against the published spec as MongoDB wrote it, without this module's errata (with --spec atlas or FILE)")
	fs.BoolVar(&f.offline, "offline", false, "judge the recorded responses as they are; send nothing")
	fs.StringVar(&f.target, "target", "", "replay the defer requests against this base `URL` (only the defer operation is ever sent)")
	fs.BoolVar(&f.live, "live", false, "allow a --target that is not this machine (a live defer changes real state); credentials come from the environment")
	fs.StringVar(&f.groupID, "group-id", "", "replace the recorded project `id` in requests sent to --target")
	fs.StringVar(&f.coverage, "require-coverage", "", "make these coverage `cells` required (a missing one is an error): alone, every declared status in both envelope modes; or [operationId:]status[:envelope|plain|both], comma-separated")
	fs.Lookup("require-coverage").NoOptDefVal = "all:both"
	fs.Int64Var(&f.maxBody, "max-body-bytes", recording.DefaultMaxBodyBytes, fmt.Sprintf("cap on every body read, in `bytes` (1 to %d); a larger one is a body-too-large finding", int64(maxBodyLimit)))
	fs.StringVar(&f.mount, "mount", "", "path `prefix` to strip before routing (a proxy mount point, e.g. /atlas-proxy)")
	fs.StringVar(&f.scope, "scope", string(contract.ScopeFragment), "which interactions to judge: `mode` fragment (the spec's paths; skip the rest of a session) or all (every one)")
	fs.StringArrayVar(&f.hosts, "host", nil, "judge only requests to this host `name`; repeatable (default: any host)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if helpArg(cmd, args) {
			return nil
		}
		return runCheck(cmd, f, args)
	}
	return cmd
}

func runCheck(cmd *cobra.Command, f *checkFlags, paths []string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	opts, outs, err := f.options(cmd, paths)
	if err != nil {
		return usageError("%w", err)
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
	result, err := contract.Run(cmd.Context(), opts)
	if progressShown {
		msgf(stderr, "\r\x1b[K")
	}
	if err != nil {
		return usageError("%w", err)
	}
	for _, o := range outs {
		if err := writeReport(o, stdout, result); err != nil {
			return usageError("writing the %s report: %w", o.format, err)
		}
	}
	if result.Failed() {
		return exitWith(exitFindings)
	}
	return nil
}

// options turns the configuration file and the flags (which win) into
// Run's options and the reports to write. An error is a usage error.
func (f *checkFlags) options(cmd *cobra.Command, paths []string) (opts contract.Options, outs []reportOut, err error) {
	set := cmd.Flags().Changed
	cfgFile := f.config
	switch {
	case f.noConfig && cfgFile != "":
		return opts, nil, errors.New("--no-config and --config exclude each other")
	case cfgFile == "" && !f.shipped && !f.noConfig:
		if cfgFile, err = findConfig("."); err != nil {
			return opts, nil, err
		}
	}
	specName, specFrom, noErrata := f.spec, "--spec", f.noErrata
	if cfgFile != "" {
		cfg, err := loadConfig(cfgFile)
		if err != nil {
			return opts, nil, err
		}
		opts = cfg.options()
		if cfg.Spec != "" && !set("spec") {
			specName, specFrom = cfg.Spec, fmt.Sprintf("%s:%d: spec", cfgFile, cfg.SpecLine)
		}
		noErrata = noErrata || cfg.NoErrata
	}
	if set("fail-on") || opts.FailOn == 0 {
		if opts.FailOn, err = contract.ParseFailOn(f.failOn); err != nil {
			return opts, nil, fmt.Errorf("--fail-on: %w", err)
		}
	}
	if opts.Spec, err = loadSpec(specName, specFrom, noErrata, set("no-errata"), cmd.ErrOrStderr()); err != nil {
		return opts, nil, err
	}
	if set("offline") {
		opts.Source.Offline = f.offline
	}
	if set("max-body-bytes") || opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = f.maxBody
	}
	if err := checkMaxBody(opts.MaxBodyBytes); err != nil {
		if !set("max-body-bytes") {
			err = fmt.Errorf("%s: max-body-bytes: %w", cfgFile, err)
		}
		return opts, nil, err
	}
	if set("mount") {
		if opts.Mount, err = contract.NormalizeMount(f.mount); err != nil {
			return opts, nil, fmt.Errorf("--mount: %w", err)
		}
	}
	if set("scope") || opts.Scope.Mode == "" {
		if opts.Scope.Mode, err = contract.ParseScopeMode(f.scope); err != nil {
			return opts, nil, fmt.Errorf("--scope: %w", err)
		}
	}
	if len(f.hosts) > 0 {
		opts.Scope.Hosts = f.hosts
	}
	if set("require-coverage") {
		switch f.coverage {
		case "false":
			opts.RequireCoverage = nil
		case "true":
			opts.RequireCoverage = []contract.CoverageCell{contract.RequireAll}
		default:
			if opts.RequireCoverage, err = contract.ParseCoverageCells(f.coverage); err != nil {
				return opts, nil, fmt.Errorf("--require-coverage: %w", err)
			}
		}
	}
	if outs, err = parseOutputs(f.formats, f.output); err != nil {
		return opts, nil, err
	}
	opts.Cases = slices.ContainsFunc(outs, func(o reportOut) bool { return o.format == "junit" })
	if err := f.targetOptions(&opts); err != nil {
		return opts, nil, err
	}
	if err := f.recordings(cmd, &opts, paths, cfgFile); err != nil {
		return opts, nil, err
	}
	if err := outputsAreNotInputs(outs, opts, cfgFile, specName); err != nil {
		return opts, nil, err
	}
	return opts, outs, nil
}

// loadSpec loads the spec --spec names: defer (the embedded fragment),
// atlas (the embedded published spec), or a file of the published spec;
// from says where the name was given (the flag, or a configuration file's
// line), for an unreadable file. What loading a file resolved on its own
// (an erratum that did not apply, a path conflict, an invalid example) is
// written to warn, at most maxSpecWarnings lines; the embedded specs' are
// known and documented.
func loadSpec(name, from string, noErrata, noErrataGiven bool, warn io.Writer) (*contract.Spec, error) {
	switch name {
	case "", "defer":
		if noErrataGiven {
			return nil, errors.New("--no-errata goes with --spec atlas or --spec FILE: the fragment carries its errata already")
		}
		return contract.DefaultSpec()
	case "atlas":
		return contract.AtlasSpec(!noErrata)
	}
	data, err := readSpecFile(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (want defer, atlas or a file of the published spec)", from, err)
	}
	spec, err := contract.LoadPublishedSpec(data, name, !noErrata)
	if errors.Is(err, openapi.ErrErrataMismatch) {
		return nil, fmt.Errorf("%w; --no-errata judges it as MongoDB wrote it", err)
	}
	if err != nil {
		return nil, err
	}
	ws := spec.Warnings()
	for i, w := range ws {
		if i == maxSpecWarnings {
			msgf(warn, "contractcheck: %s: and %d more warnings\n", safetext.EscapeControl(name), len(ws)-i)
			break
		}
		msgf(warn, "contractcheck: %s: warning: %s\n", safetext.EscapeControl(name), safetext.EscapeControl(w))
	}
	return spec, nil
}

// maxSpecWarnings bounds the warnings loadSpec writes about a spec file.
const maxSpecWarnings = 20

// readSpecFile reads a spec file of at most openapi.MaxSpecSize bytes (the
// published spec is 4 MB), refusing a larger one before reading it whole.
func readSpecFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // opened for reading: nothing to lose on close
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > openapi.MaxSpecSize {
		return nil, fmt.Errorf("%s is over %d MB; the published spec is about 4 MB", name, openapi.MaxSpecSize>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, openapi.MaxSpecSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > openapi.MaxSpecSize {
		return nil, fmt.Errorf("%s is over %d MB; the published spec is about 4 MB", name, openapi.MaxSpecSize>>20)
	}
	return data, nil
}

// recordings decides what the run reads: --shipped, the PATHs, or the
// configuration file's paths; never the shipped recordings by default.
func (f *checkFlags) recordings(cmd *cobra.Command, opts *contract.Options, paths []string, cfgFile string) error {
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
		return fmt.Errorf("no recordings to judge: %s (a glob that matched nothing leaves none); "+
			"give recording files or folders, set paths in %s, or judge the recordings shipped in contractcheck with --shipped",
			where, configFileName)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil && cmd.Flags().Changed("require-coverage") {
			if _, cerr := contract.ParseCoverageCells(p); cerr == nil {
				return fmt.Errorf("%q is not a recording; to require those statuses, join them to the flag: --require-coverage=%s", p, p)
			}
		}
	}
	expanded, err := expandPaths(opts.Paths)
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

// outputsAreNotInputs refuses, before the run, a report written over what
// the run reads (a recording, the configuration file, the spec file), a
// report a folder of recordings would take for one next time, and a report
// whose folder does not exist.
func outputsAreNotInputs(outs []reportOut, opts contract.Options, cfgFile, specName string) error {
	inputs := append(slices.Clone(opts.Paths), cfgFile)
	if specName != "defer" && specName != "atlas" {
		inputs = append(inputs, specName)
	}
	for _, o := range outs {
		if o.dest == "-" {
			continue
		}
		if err := output.CheckNotInput(o.dest, inputs); err != nil {
			return err
		}
		if fi, err := os.Stat(filepath.Dir(o.dest)); err != nil || !fi.IsDir() {
			return fmt.Errorf("--format %s=%s: the folder %s does not exist; create it first", o.format, o.dest, filepath.Dir(o.dest))
		}
		if recording.Reads(opts.Paths, o.dest) {
			return fmt.Errorf("--format %s=%s: the run reads that file, or would read it next time, as a recording (it is in a folder of recordings the run reads, under a name it reads): write the report elsewhere",
				o.format, o.dest)
		}
	}
	return nil
}

// writeReport writes one report to its destination, as it is produced.
func writeReport(o reportOut, stdout io.Writer, r *contract.Report) error {
	return output.WriteFunc(o.dest, stdout, func(w io.Writer) error {
		switch o.format {
		case "json":
			return report.JSON(w, r)
		case "junit":
			return report.JUnit(w, r)
		case "github":
			return report.GitHub(w, r)
		case "sarif":
			return report.SARIF(w, r)
		case "markdown":
			return report.Markdown(w, r)
		}
		color := o.dest == "-" && isTerminal(stdout) && getenv("NO_COLOR") == ""
		return report.Text(w, r, report.TextOptions{Color: color})
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
			msg := fmt.Sprintf("--format %q: want %s", safetext.EscapeControl(format), strings.Join(formats, ", "))
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
		key := dest
		if dest != "-" {
			if abs, err := filepath.Abs(dest); err == nil {
				key = abs // ./r.json and r.json are one file
			}
		}
		if prev, ok := seen[key]; ok {
			where := "standard output"
			if dest != "-" {
				where = dest
			}
			return nil, fmt.Errorf("--format %s and --format %s both write to %s: give one of them a file (--format %s=FILE)", prev, format, where, format)
		}
		seen[key] = format
		outs = append(outs, reportOut{format: format, dest: dest})
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
