package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("contractcheck serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen `address` (port 0: a free one)")
	mount := fs.String("mount", "", "path `prefix` to strip before routing")
	maxBody := fs.Int64("max-body-bytes", recording.DefaultMaxBodyBytes, "cap on every recorded body, in `bytes`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: contractcheck serve [--addr 127.0.0.1:PORT] [PATH...]\n\nServes the recorded responses (none: the shipped recordings) as a mock of the endpoint;\ninvalid requests get a 400 ApiError in Atlas's shape. Stops on SIGINT or SIGTERM.\n\nflags:")
		fs.PrintDefaults()
	}
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return parseFailure(err)
	}
	spec, err := contract.DefaultSpec()
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	var ins []*recording.Interaction
	ropts := recording.Options{MaxBodyBytes: *maxBody}
	if len(paths) == 0 {
		ins, err = recording.ReadAllFS(contract.ShippedRecordings(), "recordings", ropts)
	} else {
		ins, err = recording.ReadAll(paths, ropts)
	}
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	mock := contract.NewMockServer(spec, ins, contract.CheckOptions{Mount: *mount}, stderr)
	fmt.Fprintf(stdout, "contractcheck serve: listening on http://%s (%d recorded interactions)\n", ln.Addr(), len(ins))
	if err := mock.Serve(ctx, ln); err != nil {
		fmt.Fprintf(stderr, "contractcheck serve: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(stdout, "contractcheck serve: stopped")
	return exitOK
}
