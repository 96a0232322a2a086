// Command contractcheck checks that the Atlas defer-maintenance-window
// endpoint, the OpenAPI fragment in openapi/ and the generated client in gen/
// still agree. See README.md for its subcommands.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
