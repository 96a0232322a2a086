package contract_test

import (
	"context"
	"fmt"
	"log"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"

	atlas "github.com/atlascontract/deferwindow/gen"
)

// Replaying a cassette of this module with plain go-vcr v4: the recorded
// User-Agent names the recording client's version and the Authorization
// header is redacted, so go-vcr's default matcher, which compares every
// header, needs to ignore those two.
func Example_goVCRReplay() {
	rec, err := recorder.New("recordings/defer-deferral-limit",
		recorder.WithMode(recorder.ModeReplayOnly),
		recorder.WithSkipRequestLatency(true),
		recorder.WithMatcher(cassette.NewDefaultMatcher(
			cassette.WithIgnoreUserAgent(),
			cassette.WithIgnoreAuthorization(),
		)),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = rec.Stop() }()
	client, err := atlas.New(atlas.WithServer("https://cloud.mongodb.com"), atlas.WithTransport(rec))
	if err != nil {
		log.Fatal(err)
	}
	for range 3 {
		err := client.DeferMaintenanceWindow(context.Background(), "6a7940722c88faeba59bf917")
		fmt.Println(err == nil, atlas.HasErrorCode(err, "ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED"))
	}
	// Output:
	// true false
	// true false
	// false true
}
