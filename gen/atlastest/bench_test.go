package atlastest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// BenchmarkDefer compares one defer through the fake, in-process on
// loopback with Service Account auth, state and the rate-limit headers, to
// the same call against a handler that only writes Atlas's empty 200: the
// floor of the client and net/http. make bench prints the ratio.
func BenchmarkDefer(b *testing.B) {
	const id = atlastest.DefaultProjectID
	b.Run("floor", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == atlas.TokenPath {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":3600}`))
				return
			}
			w.Header()["Content-Type"] = nil
			w.Header().Set("X-Content-Type", atlas.MediaType)
		}))
		defer srv.Close()
		client, err := atlas.New(atlas.WithServer(srv.URL), atlas.WithServiceAccount("id", "secret"), atlas.WithTransport(srv.Client().Transport))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := client.DeferMaintenanceWindow(b.Context(), id); err != nil {
				b.Fatal(err)
			}
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
