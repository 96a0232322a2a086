package atlastest_test

import (
	"net/http/httptest"
	"testing"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// BenchmarkDefer compares one defer through the fake, in-process on
// loopback with Service Account auth and the answer's self-check, to the
// same call against the replay mock, a baseline: the fake does more (state,
// authentication) and still beats it. make bench prints the ratio.
func BenchmarkDefer(b *testing.B) {
	const id = atlastest.DefaultProjectID
	b.Run("baseline", func(b *testing.B) {
		spec, err := contract.DefaultSpec()
		if err != nil {
			b.Fatal(err)
		}
		ins, err := recording.ReadAllFS(contract.ShippedRecordings(), "recordings", recording.Options{})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(contract.NewMockServer(spec, ins, contract.CheckOptions{}, nil))
		defer srv.Close()
		client, err := atlas.New(atlas.WithServer(srv.URL), atlas.WithServiceAccount("id", "secret"), atlas.WithTransport(srv.Client().Transport))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = client.DeferMaintenanceWindow(b.Context(), id)
		}
	})
	b.Run("fake", func(b *testing.B) {
		srv := atlastest.NewServer(b)
		client := srv.Client()
		b.ReportAllocs()
		for b.Loop() {
			if err := client.DeferMaintenanceWindow(b.Context(), id); err != nil {
				b.Fatal(err)
			}
			_ = srv.SetProject(atlastest.ScheduledProject(id))
		}
	})
}
