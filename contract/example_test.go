package contract_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/report"
)

// A TestContract for your own repository: judge your recordings of the defer
// call against the fragment this module ships, and fail on any error
// finding or any declared status left unexercised. Here the recordings are
// the ones this module ships.
func Example_testContract() {
	result, err := contract.Run(context.Background(), contract.Options{
		Paths:           []string{"recordings"}, // your cassettes or HAR files (none: an error, never the shipped ones)
		RequireCoverage: []contract.CoverageCell{contract.RequireAll},
	})
	if err != nil {
		log.Fatal(err) // t.Fatal(err) in a test
	}
	if result.Failed() {
		_ = report.Text(os.Stdout, result, report.TextOptions{})
		log.Fatal("the recordings break the contract") // t.FailNow() in a test
	}
	s := result.Summary()
	fmt.Println("interactions:", s.Interactions, "errors:", s.Errors)
	// Output: interactions: 24 errors: 0
}
