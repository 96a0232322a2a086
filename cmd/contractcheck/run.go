package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/atlascontract/deferwindow/contract"
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

// commands are the subcommands, in the order usage lists them.
var commands = []string{"check", "serve", "record", "extract", "diff", "version", "help"}

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return runCheck(ctx, args, stdout, stderr)
	}
	switch args[0] {
	case "check":
		return runCheck(ctx, args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "record":
		return runRecord(ctx, args[1:], stdout, stderr)
	case "extract":
		return runExtract(args[1:], stdout, stderr)
	case "diff":
		return runDiff(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		return runVersion(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		if err := writeOutput("-", stdout, func(w io.Writer) error {
			_, err := io.WriteString(w, usage)
			return err
		}); err != nil {
			msgf(stderr, "contractcheck: writing the usage: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	if first := args[0]; !strings.HasPrefix(first, "-") && !looksLikePath(first) {
		msgf(stderr, "contractcheck: unknown command %q", first)
		if s := suggest(first, commands); s != "" {
			msgf(stderr, "; did you mean %q?", s)
		}
		msgf(stderr, "\n(a recording file or folder of that name does not exist either)\n\n%s", usage)
		return exitUsage
	}
	return runCheck(ctx, args, stdout, stderr)
}

// looksLikePath tells whether a first argument that is not a command is
// meant as a recording: it exists, or it has a path's shape.
func looksLikePath(arg string) bool {
	if _, err := os.Lstat(arg); err == nil {
		return true
	}
	return strings.ContainsAny(arg, `/\.*?[`)
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		msgf(stderr, "contractcheck version: unexpected argument %q\n", args[0])
		return exitUsage
	}
	tool := contract.Tool()
	spec, err := contract.DefaultSpec()
	if err != nil {
		msgf(stderr, "contractcheck: %v\n", err)
		return exitUsage
	}
	frag := spec.Fragment()
	if err := writeOutput("-", stdout, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "%s %s, module %s\nfragment %s sha256 %s\n%s %s/%s\n",
			tool.Name, tool.Version, contract.ModulePath, frag.Name, frag.SHA256, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return err
	}); err != nil {
		msgf(stderr, "contractcheck: writing the version: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// msgf writes a message for the user: a diagnostic or progress on standard
// error, or what a command did. A terminal or pipe that refuses a message
// leaves nowhere to report that, so the write's error is dropped; a
// command's results (reports, cassettes, the version) go through
// writeOutput, which returns it.
func msgf(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format, args...)
}

const usage = `usage: contractcheck <command> [flags] [PATH...]

commands:
  check     judge recorded interactions against the fragment: replayed through
            the generated client to an embedded replay server, --offline as
            recorded, or --target URL (the default command when the first
            argument is a flag or a path)
  serve     serve recorded responses as a mock of the endpoint
  record    call the endpoint once and write the redacted exchange as a cassette
  extract   extract the operation from an upstream spec into a fragment
  diff      report the operation's renames and the changed generated files between two fragments
  version   print the module version and the fragment's SHA-256 (also --version)

contractcheck check --shipped judges the recordings shipped in contractcheck;
contractcheck check PATH... judges yours (or the paths in contractcheck.yaml).
Run 'contractcheck <command> -h' for a command's flags.
`
