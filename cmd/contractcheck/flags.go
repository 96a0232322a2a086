package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
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

// newFlagSet returns a flag set for a subcommand whose errors name an
// unknown flag with a suggestion, and whose usage lists every flag with its
// default.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse errors are printed by parseFlags, usage by fs.Usage
	fs.Usage = func() {
		msgf(stderr, "%s\n\nflags:\n", synopsis)
		printFlags(stderr, fs)
	}
	return fs
}

// renamedFlags maps flag names other tools (or older releases) use to the
// one this program uses for the same thing.
var renamedFlags = map[string]string{
	"server": "target", "url": "target", "base-url": "target",
	"out": "output", "report": "format",
	"fail-level": "fail-on", "severity": "fail-on",
	"operation-id": "operation", "operationid": "operation", "op": "operation",
	"upstream": "from", "input": "from", "spec": "from",
	"prefix": "mount", "base-path": "mount", "listen": "addr", "address": "addr",
}

// parseFlags parses a subcommand's arguments; on an error it prints what is
// wrong with a suggestion, and says how to get the usage.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, int, bool) {
	usage := fs.Usage
	fs.Usage = func() {} // the flag package calls it on every error; only -h shows it
	rest, err := parseInterspersed(fs, args)
	fs.Usage = usage
	if err == nil {
		return rest, exitOK, true
	}
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return nil, exitOK, false
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimPrefix(name, "-")
		msg = fmt.Sprintf("unknown flag --%s", name)
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if to, ok := renamedFlags[name]; ok && fs.Lookup(to) != nil {
			msg += fmt.Sprintf("; did you mean --%s?", to)
		} else if s := suggest(name, names); s != "" {
			msg += fmt.Sprintf("; did you mean --%s?", s)
		}
	}
	msgf(stderr, "%s: %s\nRun '%s -h' for every flag.\n", fs.Name(), msg, fs.Name())
	return nil, exitUsage, false
}

// printFlags lists every flag with its argument and default, including the
// zero defaults flag.PrintDefaults leaves out.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, help := flag.UnquoteUsage(f)
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		head := "  " + dash + f.Name
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() && arg != "" {
			head += "[=" + arg + "]"
		} else if arg != "" {
			head += " " + arg
		}
		if !strings.Contains(help, "(default") {
			def := f.DefValue
			switch {
			case def == "" || def == "[]":
				def = "none"
			case arg == "" && def == "false":
				def = "off"
			}
			help += " (default: " + def + ")"
		}
		msgf(w, "%s\n    \t%s\n", head, help)
	})
}

// suggest returns the candidate closest to s by edit distance, when it is
// close enough to be a typo.
func suggest(s string, candidates []string) string {
	maxD := 2
	if len(s) <= 3 {
		maxD = 1
	}
	best, bestD := "", maxD+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" && len(s) >= 3 {
		for _, c := range candidates {
			if strings.HasPrefix(c, s) {
				return c
			}
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

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

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// coverageFlag is --require-coverage: alone (or =true) it requires every
// declared status in every envelope mode; =200,400,429 only those.
type coverageFlag struct {
	all   bool
	cells string
	set   bool
}

func (c *coverageFlag) String() string {
	if c == nil || (!c.all && c.cells == "") {
		return "false"
	}
	if c.all {
		return "true"
	}
	return c.cells
}

func (c *coverageFlag) Set(v string) error {
	c.set = true
	if b, err := strconv.ParseBool(v); err == nil {
		c.all, c.cells = b, ""
		return nil
	}
	if v == "all" {
		c.all, c.cells = true, ""
		return nil
	}
	c.all, c.cells = false, v
	return nil
}

// IsBoolFlag lets --require-coverage stand alone.
func (c *coverageFlag) IsBoolFlag() bool { return true }
