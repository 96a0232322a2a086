package atlastest_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"testing"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// deferOrPage is the code under test: defer the maintenance, and page
// someone when Atlas says the deferrals are used up.
func deferOrPage(ctx context.Context, client *atlas.Client, groupID string, page func(string)) error {
	err := client.DeferMaintenanceWindow(ctx, groupID)
	if atlas.HasErrorCode(err, atlas.CodeDeferralsExceeded) {
		page("the maintenance of " + groupID + " can no longer be deferred")
		return nil
	}
	return err
}

// TestQuickStart is the shortest test of code that uses the client: the
// fake's one default project has a maintenance scheduled, so the first
// deferral succeeds and the fake counts it.
func TestQuickStart(t *testing.T) {
	t.Parallel()
	srv := atlastest.NewServer(t) // project 32b6e34b3d91647abb20e7b8, a maintenance scheduled
	page := func(msg string) { t.Errorf("paged: %s", msg) }
	if err := deferOrPage(t.Context(), srv.Client(), "32b6e34b3d91647abb20e7b8", page); err != nil {
		t.Fatal(err)
	}
	if p, _ := srv.Project("32b6e34b3d91647abb20e7b8"); p.Deferrals != 1 {
		t.Fatalf("deferrals: %d, want 1", p.Deferrals)
	}
}

// TestDeferOrPage is how a test of deferOrPage reads against the fake.
func TestDeferOrPage(t *testing.T) {
	t.Parallel()
	const groupID = "32b6e34b3d91647abb20e7b8"
	srv := atlastest.NewServer(t, atlastest.WithProjects(atlastest.Project{
		ID: groupID, WindowDefined: true, Scheduled: true, Deferrals: 1,
	}))
	var pages []string
	page := func(msg string) { pages = append(pages, msg) }

	client := srv.Client() // a Service Account the fake accepts
	if err := deferOrPage(t.Context(), client, groupID, page); err != nil {
		t.Fatal(err) // the second deferral succeeds
	}
	if err := deferOrPage(t.Context(), client, groupID, page); err != nil {
		t.Fatal(err) // the third is refused, and someone is paged
	}
	if p, _ := srv.Project(groupID); p.Deferrals != 2 || len(pages) != 1 {
		t.Fatalf("deferrals %d, pages %q", p.Deferrals, pages)
	}

	srv.Script(groupID, atlastest.Reply{Status: 500}) // Atlas has a bad day
	if err := deferOrPage(t.Context(), client, groupID, page); !atlas.HasErrorCode(err, "UNEXPECTED_ERROR") {
		t.Fatalf("a 500 is not swallowed: %v", err)
	}
}

// Example runs the fake outside a test, as any http.Handler.
func Example() {
	fake, err := atlastest.New(atlastest.WithProjects(atlastest.Project{ID: "6a7940722c88faeba59bf917", WindowDefined: true}))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	sa, _ := fake.ServiceAccount()
	client, err := atlas.New(atlas.WithServer(srv.URL), atlas.WithServiceAccount(sa.ClientID, sa.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	err = client.DeferMaintenanceWindow(context.Background(), "6a7940722c88faeba59bf917")
	fmt.Println(err)
	// Output:
	// POST /api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer: 400 ATLAS_MAINTENANCE_NOT_SCHEDULED: No maintenance is scheduled for the project, so there is nothing to defer.
}

// Example_fromEnv is the documented call (credentials and server from the
// environment, as MongoDB's tools read them) against the fake.
func Example_fromEnv() {
	fake, err := atlastest.New() // project 32b6e34b3d91647abb20e7b8, maintenance scheduled
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	sa, _ := fake.ServiceAccount()
	for name, value := range map[string]string{
		atlas.EnvBaseURL: srv.URL, atlas.EnvClientID: sa.ClientID, atlas.EnvClientSecret: sa.ClientSecret,
	} {
		if err := os.Setenv(name, value); err != nil {
			log.Fatal(err)
		}
		defer func() { _ = os.Unsetenv(name) }() // a valid name: it cannot fail
	}

	ctx := context.Background()
	client, err := atlas.NewFromEnv()
	if err != nil {
		log.Fatalf("Error: %v", err)
	}
	if err := client.DeferMaintenanceWindow(ctx, "32b6e34b3d91647abb20e7b8"); err != nil {
		log.Fatalf("Error: %v", err)
	}
	p, _ := fake.Project("32b6e34b3d91647abb20e7b8")
	fmt.Println("deferrals used:", p.Deferrals)
	// Output: deferrals used: 1
}
