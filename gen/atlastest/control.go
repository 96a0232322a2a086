package atlastest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/atlascontract/deferwindow/contract"
)

// ControlPrefix is where the fake's control API lives, on the same server
// as the API, for tests written in other languages:
//
//	GET  /_contractcheck/fake/projects               every project's state
//	PUT  /_contractcheck/fake/projects/{id}          seed or replace one: {"windowDefined":true,"maintenanceScheduled":true,"deferrals":0}
//	POST /_contractcheck/fake/projects/{id}/script   queue its next answers: [{"status":500},{"delay":"2s"},{"drop":true},{"proxyHTML":true}]
//	GET  /_contractcheck/fake/journal                the requests received, credentials redacted
//	POST /_contractcheck/fake/reset                  back to the seeded state
//	POST /_contractcheck/fake/clock                  move the clock: {"advance":"1h"}
//
// Bodies are JSON; errors are 400 with {"error": "..."}.
const ControlPrefix = contract.ControlPrefix + "fake/"

// controlReply is a Reply as the control API reads it: the delay as a Go
// duration string.
type controlReply struct {
	Status    int    `json:"status"`
	ErrorCode string `json:"errorCode"`
	Delay     string `json:"delay"`
	Drop      bool   `json:"drop"`
	ProxyHTML bool   `json:"proxyHTML"`
}

func (f *Fake) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ControlPrefix+"projects", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, f.Projects())
	})
	mux.HandleFunc("PUT "+ControlPrefix+"projects/{id}", func(w http.ResponseWriter, r *http.Request) {
		var p Project
		if err := readJSON(r, &p); err != nil {
			controlError(w, err)
			return
		}
		p.ID = r.PathValue("id")
		if err := f.SetProject(p); err != nil {
			controlError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, p)
	})
	mux.HandleFunc("POST "+ControlPrefix+"projects/{id}/script", func(w http.ResponseWriter, r *http.Request) {
		var in []controlReply
		if err := readJSON(r, &in); err != nil {
			controlError(w, err)
			return
		}
		replies := make([]Reply, len(in))
		for i, c := range in {
			var d time.Duration
			if c.Delay != "" {
				var err error
				if d, err = time.ParseDuration(c.Delay); err != nil {
					controlError(w, fmt.Errorf("reply %d: delay: %w", i, err))
					return
				}
			}
			replies[i] = Reply{Status: c.Status, ErrorCode: c.ErrorCode, Delay: d, Drop: c.Drop, ProxyHTML: c.ProxyHTML}
		}
		f.Script(r.PathValue("id"), replies...)
		writeJSON(w, http.StatusOK, map[string]int{"queued": len(replies)})
	})
	mux.HandleFunc("GET "+ControlPrefix+"journal", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, f.Journal())
	})
	mux.HandleFunc("POST "+ControlPrefix+"reset", func(w http.ResponseWriter, _ *http.Request) {
		f.Reset()
		writeJSON(w, http.StatusOK, f.Projects())
	})
	mux.HandleFunc("POST "+ControlPrefix+"clock", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Advance string `json:"advance"`
		}
		if err := readJSON(r, &in); err != nil {
			controlError(w, err)
			return
		}
		d, err := time.ParseDuration(in.Advance)
		if err != nil || d < 0 {
			controlError(w, fmt.Errorf("advance: want a positive Go duration such as 1h, got %q", in.Advance))
			return
		}
		f.Advance(d)
		writeJSON(w, http.StatusOK, map[string]string{"advanced": d.String()})
	})
	return mux
}

func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body is not the expected JSON: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func controlError(w http.ResponseWriter, err error) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
}
