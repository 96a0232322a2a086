package recording_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/contract/serve"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// Record your own traffic: put a Recorder under the client's transport, call,
// save. The Service Account's token exchange goes through it too, and no
// secret reaches the file. Here a local mock stands in for Atlas.
func ExampleNewRecorder() {
	baseURL, clientID, clientSecret, dir, cleanup := exampleSetup()
	defer cleanup()

	rec, err := recording.NewRecorder(http.DefaultTransport, recording.RecorderOptions{})
	if err != nil {
		log.Fatal(err)
	}
	client, err := atlas.New(atlas.WithServer(baseURL), atlas.WithServiceAccount(clientID, clientSecret), atlas.WithTransport(rec))
	if err != nil {
		log.Fatal(err)
	}
	_ = client.DeferMaintenanceWindow(context.Background(), "6a7940722c88faeba59bf917")
	if err := rec.Save(filepath.Join(dir, "defer.yaml")); err != nil {
		log.Fatal(err)
	}

	saved, _ := os.ReadFile(filepath.Join(dir, "defer.yaml"))
	fmt.Println("interactions:", rec.Len())
	fmt.Println("secret written:", strings.Contains(string(saved), clientSecret))
	fmt.Println("token written:", strings.Contains(string(saved), serve.MockAccessToken))
	// Output:
	// interactions: 2
	// secret written: false
	// token written: false
}

// exampleSetup starts the mock of Atlas from the shipped recordings.
func exampleSetup() (baseURL, clientID, clientSecret, dir string, cleanup func()) {
	spec, err := contract.DefaultSpec()
	if err != nil {
		log.Fatal(err)
	}
	ins, err := recording.ReadAllFS(contract.ShippedRecordings(), "recordings", recording.Options{})
	if err != nil {
		log.Fatal(err)
	}
	mock := serve.NewMock(spec, serve.MockOptions{})
	for _, in := range ins {
		if err := mock.Add(in); err != nil {
			log.Fatal(err)
		}
	}
	srv := httptest.NewServer(mock)
	dir, err = os.MkdirTemp("", "record-example")
	if err != nil {
		log.Fatal(err)
	}
	return srv.URL, "mdb_sa_id_example", "mdb_sa_sk_example-secret", dir, func() {
		srv.Close()
		if err := os.RemoveAll(dir); err != nil {
			fmt.Println(err) // fails the example: its output is compared
		}
	}
}
