package main

import (
	"fmt"
	"io"
)

// Exit codes.
const (
	exitOK       = 0 // nothing at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on
	exitUsage    = 2 // usage or input error
)

// run is the whole program, testable in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "extract":
			return runExtract(args[1:], stdout, stderr)
		case "help", "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return exitOK
		}
	}
	fmt.Fprint(stderr, usage)
	return exitUsage
}

const usage = `usage: contractcheck <command> [flags]

commands:
  extract   extract one operation of an upstream spec into a self-contained fragment

Run 'contractcheck <command> -h' for a command's flags.
`
