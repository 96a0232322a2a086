package recording_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// Read a cassette and look at each recorded exchange.
func ExampleReadFile() {
	err := recording.ReadFile("testdata/defer-ok.yaml", recording.Options{}, func(it *recording.Interaction) error {
		fmt.Println(it.Location(), it.Request.Method, it.Request.URL.Path)
		fmt.Println(it.Response.StatusCode, it.Response.Header.Get("X-Content-Type"), len(it.Response.Body))
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// testdata/defer-ok.yaml:4 POST /api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer
	// 200 application/vnd.atlas.2023-01-01+json 0
}

// Walk a folder of recordings, cassettes and HAR files alike, as a CI job
// does. Input problems are *recording.Error values naming file and line.
func ExampleWalkFS() {
	err := recording.WalkFS(os.DirFS("testdata"), ".", recording.Options{}, func(it *recording.Interaction) error {
		fmt.Println(it.Location(), it.Response.StatusCode)
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// defer-chrome.har:10 200
	// defer-chrome.har:111 200
	// defer-errors.yaml:4 400
	// defer-errors.yaml:38 404
	// defer-errors.yaml:69 429
	// defer-gzip.yaml:4 400
	// defer-mitmproxy.har:10 400
	// defer-mitmproxy.har:96 429
	// defer-ok.yaml:4 200
}

// Record real calls through a Recorder and save them as a cassette: the
// credentials never reach the file.
func ExampleRecorder() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type", "application/vnd.atlas.2023-01-01+json")
		w.Header().Set("Content-Length", "0")
	}))
	defer srv.Close()

	rec, err := recording.NewRecorder(http.DefaultTransport, recording.RecorderOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &http.Client{Transport: rec}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer", nil)
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.secret")
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close() // read whole: nothing to lose on close

	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Println(err)
		}
	}()
	path := filepath.Join(dir, "defer.yaml")
	if err := rec.Save(path); err != nil {
		fmt.Println(err)
		return
	}
	_ = recording.ReadFile(path, recording.Options{}, func(it *recording.Interaction) error {
		fmt.Println(it.Request.URL.Path)
		fmt.Println(it.Request.Header.Get("Authorization"))
		fmt.Println(it.Response.StatusCode)
		return nil
	})
	// Output:
	// /api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer
	// Bearer REDACTED
	// 200
}
