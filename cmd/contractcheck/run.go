package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/internal/netpolicy"
	"github.com/atlascontract/deferwindow/internal/safetext"
)

// Exit codes.
const (
	exitOK       = 0 // nothing at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on, or breaking changes with diff --fail-on breaking
	exitUsage    = 2 // usage or input error
	// exitInterrupted is the shell's code for a process ended by SIGINT
	// (128+2); SIGTERM gives 143.
	exitInterrupted = 130
)

// How long the program may take to stop after the first SIGINT or SIGTERM
// before it exits anyway: a run checks cancellation between interactions,
// but a read blocked on a pipe cannot see it. serve gets longer, to drain
// the requests in flight.
const (
	interruptGrace      = 3 * time.Second
	serveInterruptGrace = 15 * time.Second
)

// exitError ends a command with an exit code; its message, if any, has
// been printed already or is printed by run, escaped, then its hint (our
// own text, on a line of its own).
type exitError struct {
	code int
	err  error
	hint string
}

// liveHint is the hint for an error that a live target was not allowed.
const liveHint = "A live target needs --live, credentials in the environment and --group-id for a project you own."

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError is an error of the command line or of an input: exit 2; for a
// live target not allowed, with the hint that says how to allow it.
func usageError(format string, args ...any) error {
	e := &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
	if errors.Is(e.err, netpolicy.ErrNeedsLive) {
		e.hint = liveHint
	}
	return e
}

// exitWith ends a command with code and nothing more to say.
func exitWith(code int) error { return &exitError{code: code} }

// run is the whole program, testable in-process. The first SIGINT or
// SIGTERM cancels its context (a check stops, serve shuts down gracefully)
// and restores the default handlers, so a second one kills the process; if
// the program has not stopped within interruptGrace, it exits anyway.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	var got os.Signal
	interrupted := make(chan struct{})
	go func() {
		select {
		case got = <-sigs:
		case <-done:
			return
		}
		signal.Stop(sigs) // the default handlers again: a second signal kills
		msgf(stderr, "contractcheck: %v: stopping (a second signal ends it at once)\n", got)
		close(interrupted)
		cancel()
		grace := interruptGrace
		if len(args) > 0 && args[0] == "serve" {
			grace = serveInterruptGrace
		}
		select {
		case <-done:
		case <-time.After(grace):
			msgf(stderr, "contractcheck: %v: stopped\n", got)
			os.Exit(signalExit(got))
		}
	}()
	code := runContext(ctx, args, stdout, stderr)
	select {
	case <-interrupted:
		if code != exitOK {
			msgf(stderr, "contractcheck: %v: stopped\n", got)
			return signalExit(got)
		}
	default:
	}
	return code
}

// signalExit is the exit code for a process stopped by sig: 128 plus the
// signal's number, as shells report it.
func signalExit(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitInterrupted
}

// runContext runs the command line and turns its outcome into an exit
// code, printing a usage error on stderr with a pointer to the help.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand(stdout, stderr)
	if err := singleDashLongFlag(root, args); err != nil {
		msgf(stderr, "%s\n", safetext.EscapeControl(err.Error()))
		return exitUsage
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		for _, line := range errorLines(ee.err) {
			msgf(stderr, "%s: %s\n", cmd.CommandPath(), safetext.EscapeControl(line))
		}
		if ee.hint != "" {
			msgf(stderr, "%s\n", ee.hint)
		}
		return ee.code
	}
	// cobra's own errors: an unknown flag or command, a bad flag value.
	msgf(stderr, "%s: %s\nRun '%s --help' for usage.\n", cmd.CommandPath(), safetext.EscapeControl(err.Error()), cmd.CommandPath())
	return exitUsage
}

// errorLines are the lines of an error: one per error joined in it
// (errors.Join: every problem of a file, at once), however deep, else its
// message. A newline inside a message stays escaped: it may come from a
// recorded value.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range joined.Unwrap() {
			lines = append(lines, errorLines(e)...)
		}
		return lines
	}
	if inner := errors.Unwrap(err); inner != nil {
		if joined, ok := inner.(interface{ Unwrap() []error }); ok && strings.HasSuffix(err.Error(), inner.Error()) {
			// fmt.Errorf("config: %w", joined): the prefix goes on each line.
			prefix := strings.TrimSuffix(err.Error(), inner.Error())
			var lines []string
			for _, e := range joined.Unwrap() {
				for _, l := range errorLines(e) {
					lines = append(lines, prefix+l)
				}
			}
			return lines
		}
	}
	return []string{err.Error()}
}

// singleDashLongFlag refuses a long flag written with one dash, such as
// -offline: pflag would read it as -o with the value "ffline" and write the
// report to a file of that name, where Go's flag package, which the
// earlier contractcheck used, took it as --offline.
func singleDashLongFlag(root *cobra.Command, args []string) error {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		cmd = root
	}
	for _, a := range args {
		if a == "--" {
			return nil
		}
		if len(a) < 3 || a[0] != '-' || a[1] == '-' {
			continue
		}
		name, _, _ := strings.Cut(a[1:], "=")
		if len(name) > 1 && (cmd.Flags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil) {
			return fmt.Errorf("%s: %s is written with one dash: long flags take two (did you mean --%s?)", cmd.CommandPath(), a, a[1:])
		}
	}
	return nil
}

// newRootCommand builds the command tree. Without a command, contractcheck
// checks: `contractcheck recordings/` is `contractcheck check recordings/`.
func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "contractcheck [command] [flags] [PATH...]",
		Short: "Judge recorded Atlas Administration API v2 traffic against its OpenAPI description",
		Long: `contractcheck judges recorded HTTP traffic of the Atlas Administration API v2 (go-vcr v4
cassettes, HAR 1.2 files) against MongoDB's API description: the defer-maintenance-window
fragment this module ships (the default), or the whole published spec (--spec atlas).

Without a command it checks: contractcheck PATH... is contractcheck check PATH....`,
		SilenceErrors:              true,
		SilenceUsage:               true,
		SuggestionsMinimumDistance: 2,
		Version:                    contract.Tool().Version, // cobra adds --version, which prints versionText
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	// The text itself, not a template function: cobra keeps those in a
	// process-wide map, which commands built concurrently would race on.
	root.SetVersionTemplate(strings.ReplaceAll(versionText(), "{{", `{{"{{"}}`))
	root.SetFlagErrorFunc(flagError)
	check := newCheckCommand()
	root.AddCommand(check, newServeCommand(), newRecordCommand(), newExtractCommand(), newDiffCommand(), newVersionCommand())
	// The root command checks, with check's flags.
	root.Flags().AddFlagSet(check.Flags())
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 && !looksLikePath(args[0]) {
			msg := fmt.Sprintf("unknown command %q (and no recording of that name exists)", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf("; did you mean %q?", s[0])
			}
			return &exitError{code: exitUsage, err: errors.New(msg), hint: "Run 'contractcheck --help' for the commands."}
		}
		return nil
	}
	root.RunE = check.RunE
	return root
}

// looksLikePath tells whether a first argument that is not a command is
// meant as a recording: it exists, or it has a path's shape.
func looksLikePath(arg string) bool {
	if _, err := os.Lstat(arg); err == nil {
		return true
	}
	return strings.HasPrefix(arg, "-") || strings.ContainsAny(arg, `/\.*?[`)
}

// flagError turns a flag parsing error into a usage error, with the flag
// the user probably meant: one whose name is a short edit away (cobra's own
// measure, as for commands). A one-letter flag gets no guess.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		var names []string
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		if s := suggest(name, names); s != "" {
			msg += fmt.Sprintf("; did you mean --%s?", s)
		}
	}
	return &exitError{code: exitUsage, err: errors.New(msg), hint: fmt.Sprintf("Run '%s --help' for every flag.", cmd.CommandPath())}
}

// helpArg prints a command's help when its only argument is "help" and no
// file of that name exists (`contractcheck check help`).
func helpArg(cmd *cobra.Command, args []string) bool {
	if len(args) == 1 && args[0] == "help" {
		if _, err := os.Lstat("help"); err != nil {
			_ = cmd.Help()
			return true
		}
	}
	return false
}

// msgf writes a message for the user: a diagnostic or progress on standard
// error, or what a command did. A terminal or pipe that refuses a message
// leaves nowhere to report that, so the write's error is dropped; a
// command's results (reports, cassettes, the version) go through
// output.WriteFunc, which returns it. Text from outside (a file name, a
// server's answer) must be passed through safetext.EscapeControl first.
func msgf(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format, args...)
}
