package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK       = 0 // nothing at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on, or breaking changes with --fail-on-breaking
	exitUsage    = 2 // usage or input error
)

// run is the whole program, testable in-process. SIGINT and SIGTERM cancel
// its context: a check stops, serve shuts down gracefully.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, args, stdout, stderr)
}

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
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
		case "help", "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return exitOK
		}
	}
	return runCheck(ctx, args, stdout, stderr)
}

const usage = `usage: contractcheck [command] [flags] [PATH...]

commands:
  check     (the default) judge recorded interactions against the fragment:
            replayed through the generated client to an embedded replay server,
            --offline as recorded, or --target URL
  serve     serve recorded responses as a mock of the endpoint
  record    call the endpoint once and write the redacted exchange as a cassette
  extract   extract the operation from an upstream spec into a fragment
  diff      report the operation's renames and the changed generated files between two fragments

Run 'contractcheck <command> -h' for a command's flags.
`
