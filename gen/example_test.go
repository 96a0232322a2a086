package atlas_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	atlas "github.com/atlascontract/deferwindow/gen"
)

// The Go example of the operation's documentation page, for this client: credentials come from
// MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET. Here they, and
// MONGODB_ATLAS_BASE_URL, point at a local stand-in for Atlas.
func ExampleNewFromEnv() {
	baseURL, stop := startExampleAtlas()
	defer stop()
	restore := setExampleEnv(map[string]string{
		"MONGODB_ATLAS_BASE_URL":      baseURL, // unset: https://cloud.mongodb.com
		"MONGODB_ATLAS_CLIENT_ID":     "mdb_sa_id_example",
		"MONGODB_ATLAS_CLIENT_SECRET": "mdb_sa_sk_example",
	})
	defer restore()

	ctx := context.Background()
	client, err := atlas.NewFromEnv()
	if err != nil {
		log.Fatalf("Error: %v", err)
	}
	if err := client.DeferMaintenanceWindow(ctx, "32b6e34b3d91647abb20e7b8"); err != nil {
		log.Fatalf("Error: %v", err)
	}
	fmt.Println("maintenance deferred")
	// Output: maintenance deferred
}

// Import, build a client, call: nil means the maintenance was deferred.
func ExampleClient_DeferMaintenanceWindow() {
	baseURL, stop := startExampleAtlas()
	defer stop()

	client, err := atlas.New(atlas.WithServer(baseURL), atlas.WithServiceAccount("mdb_sa_id_example", "mdb_sa_sk_example"))
	if err != nil {
		log.Fatal(err)
	}
	err = client.DeferMaintenanceWindow(context.Background(), "32b6e34b3d91647abb20e7b8")
	fmt.Println("deferred:", err == nil)
	// Output: deferred: true
}

// Legacy programmatic API keys authenticate with HTTP Digest.
func ExampleWithAPIKey() {
	baseURL, stop := startExampleAtlas()
	defer stop()

	client, err := atlas.New(atlas.WithServer(baseURL), atlas.WithAPIKey("abcdefgh", "private-key-example"))
	if err != nil {
		log.Fatal(err)
	}
	err = client.DeferMaintenanceWindow(context.Background(), "32b6e34b3d91647abb20e7b8")
	fmt.Println("deferred:", err == nil)
	// Output: deferred: true
}

// Every non-2xx answer is an *atlas.Error with the status and Atlas's ApiError.
func ExampleError() {
	baseURL, stop := startExampleAtlas()
	defer stop()
	client, err := atlas.New(atlas.WithServer(baseURL), atlas.WithServiceAccount("mdb_sa_id_example", "mdb_sa_sk_example"))
	if err != nil {
		log.Fatal(err)
	}

	err = client.DeferMaintenanceWindow(context.Background(), "5f1a2b3c4d5e6f7a8b9c0d1e")
	var apiErr *atlas.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.APIError.ErrorCode)
		fmt.Println(err)
	}
	// Output:
	// 400 ATLAS_MAINTENANCE_NOT_SCHEDULED
	// POST /api/atlas/v2/groups/5f1a2b3c4d5e6f7a8b9c0d1e/maintenanceWindow/defer: 400 ATLAS_MAINTENANCE_NOT_SCHEDULED: No maintenance is scheduled for the project, so there is nothing to defer.
}

// HasErrorCode tells the expected refusals apart from real failures.
func ExampleHasErrorCode() {
	baseURL, stop := startExampleAtlas()
	defer stop()
	client, err := atlas.New(atlas.WithServer(baseURL), atlas.WithServiceAccount("mdb_sa_id_example", "mdb_sa_sk_example"))
	if err != nil {
		log.Fatal(err)
	}

	err = client.DeferMaintenanceWindow(context.Background(), "5f1a2b3c4d5e6f7a8b9c0d1e")
	switch {
	case err == nil:
		fmt.Println("deferred")
	case atlas.HasErrorCode(err, atlas.CodeMaintenanceNotScheduled):
		fmt.Println("no maintenance scheduled: nothing to defer")
	case atlas.HasErrorCode(err, atlas.CodeDeferralsExceeded):
		fmt.Println("already deferred twice")
	default:
		log.Fatal(err)
	}
	// Output: no maintenance scheduled: nothing to defer
}

// With envelope=true Atlas wraps its answer as {"status": N, "content": ...};
// the client unwraps it, so the result is the same as without.
func ExampleWithEnvelope() {
	baseURL, stop := startExampleAtlas()
	defer stop()

	client, err := atlas.New(atlas.WithServer(baseURL), atlas.WithServiceAccount("mdb_sa_id_example", "mdb_sa_sk_example"),
		atlas.WithEnvelope(true))
	if err != nil {
		log.Fatal(err)
	}
	err = client.DeferMaintenanceWindow(context.Background(), "5f1a2b3c4d5e6f7a8b9c0d1e")
	var apiErr *atlas.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.APIError.ErrorCode)
	}
	// Output: 400 ATLAS_MAINTENANCE_NOT_SCHEDULED
}

// Opt in to retrying 429 Too Many Requests: here at most 3 times and 30
// seconds of waiting, as Retry-After asks. Nothing else is retried.
func ExampleWithRetryOn429() {
	baseURL, stop := startExampleAtlas()
	defer stop()

	client, err := atlas.New(atlas.WithServer(baseURL), atlas.WithServiceAccount("mdb_sa_id_example", "mdb_sa_sk_example"),
		atlas.WithRetryOn429(3, 30*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	// The stand-in answers this project 429 once, then defers.
	err = client.DeferMaintenanceWindow(context.Background(), "6a7940722c88faeba59bf917")
	fmt.Println("deferred:", err == nil)
	// Output: deferred: true
}

// The generated response type, through the same client with the same
// authentication and checks; CheckResponse gives the one-line call's error.
func ExampleClient_DeferMaintenanceWindowWithResponse() {
	baseURL, stop := startExampleAtlas()
	defer stop()
	client, err := atlas.New(atlas.WithServer(baseURL), atlas.WithServiceAccount("mdb_sa_id_example", "mdb_sa_sk_example"))
	if err != nil {
		log.Fatal(err)
	}

	rsp, err := client.DeferMaintenanceWindowWithResponse(context.Background(), "5f1a2b3c4d5e6f7a8b9c0d1e", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rsp.StatusCode(), rsp.JSON400.ErrorCode)
	fmt.Println(atlas.HasErrorCode(atlas.CheckResponse(rsp), atlas.CodeMaintenanceNotScheduled))
	// Output:
	// 400 ATLAS_MAINTENANCE_NOT_SCHEDULED
	// true
}

// The RateLimit headers of every answer, successes included, reach a hook;
// the one-line call keeps its shape. An *Error carries them as well.
func ExampleWithRateLimitHook() {
	baseURL, stop := startExampleAtlas()
	defer stop()

	var last atlas.RateLimit
	client, err := atlas.New(atlas.WithServer(baseURL), atlas.WithServiceAccount("mdb_sa_id_example", "mdb_sa_sk_example"),
		atlas.WithRateLimitHook(func(_ context.Context, rl atlas.RateLimit) { last = rl }))
	if err != nil {
		log.Fatal(err)
	}
	err = client.DeferMaintenanceWindow(context.Background(), "32b6e34b3d91647abb20e7b8")
	fmt.Println(err, last.Remaining, "of", last.Limit, "requests left")
	// Output: <nil> 99 of 100 requests left
}

// ParseEnvelope unwraps an enveloped body, or says why it is not one.
func ExampleParseEnvelope() {
	env, err := atlas.ParseEnvelope([]byte(`{"status": 400, "content": {"error": 400, "errorCode": "ATLAS_MAINTENANCE_NOT_SCHEDULED"}}`))
	fmt.Println(env.Status, string(env.Content), err)

	_, err = atlas.ParseEnvelope([]byte(`{"status": "400"}`))
	fmt.Println(err)
	// Output:
	// 400 {"error": 400, "errorCode": "ATLAS_MAINTENANCE_NOT_SCHEDULED"} <nil>
	// the envelope's status is not a JSON number
}

// A groupId that does not match the pattern is refused before anything is sent.
func ExampleValidateGroupID() {
	fmt.Println(atlas.ValidateGroupID("32b6e34b3d91647abb20e7b8"))
	fmt.Println(atlas.ValidateGroupID("32B6E34B3D91647ABB20E7B8"))
	// Output:
	// <nil>
	// atlas: groupId "32B6E34B3D91647ABB20E7B8" (24 characters) does not match ^([a-f0-9]{24})$: it has upper-case letters
}
