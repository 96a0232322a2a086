package main

import (
	"errors"
	"flag"
)

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, as in `diff OLD NEW --format json`; "--" ends the
// flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		// flag stopped at a positional argument: keep it, parse on.
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// parseFailure is the exit code for a flag parsing error: 0 for -h, which
// printed the usage as asked, 2 otherwise (flag printed what is wrong).
func parseFailure(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}
