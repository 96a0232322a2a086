package contract_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/atlascontract/deferwindow/contract"
)

// A TestContract for your own repository: judge your recordings of the defer
// call against the fragment this module ships, and fail on any error
// finding or any declared status left unexercised. Here the recordings are
// the ones this module ships.
func Example_testContract() {
	report, err := contract.Run(context.Background(), contract.Options{
		Paths:           []string{"recordings"}, // your cassettes or HAR files (none: an error, never the shipped ones)
		RequireCoverage: true,
	})
	if err != nil {
		log.Fatal(err) // t.Fatal(err) in a test
	}
	if report.Failed(contract.SeverityError) {
		_ = contract.WriteText(os.Stdout, report, contract.TextOptions{})
		log.Fatal("the recordings break the contract") // t.FailNow() in a test
	}
	s := report.Summary()
	fmt.Println("interactions:", s.Interactions, "errors:", s.Errors)
	// Output: interactions: 24 errors: 0
}
