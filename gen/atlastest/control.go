package atlastest

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"path"
	"reflect"
	"slices"
	"strings"
	"time"
)

// ControlPrefix is where the fake's control API lives, on the same server
// as the API (outside any mount), for tests written in other languages:
// projects, scripts, the journal, reset and the clock, JSON in and out;
// docs/fake.md lists its requests. Each needs the fake's ControlToken as
// "Authorization: Bearer TOKEN", a Host naming this machine (see
// WithAllowedHosts) and, on a write, Content-Type: application/json, so
// that a web page the fake's user visits cannot drive it by DNS rebinding
// or a cross-origin form.
const ControlPrefix = "/_contractcheck/fake/"

// controlReply is a Reply as the control API reads and writes it: the
// delay as a Go duration string.
type controlReply struct {
	Status    int    `json:"status,omitempty"`
	ErrorCode string `json:"errorCode,omitempty"`
	Delay     string `json:"delay,omitempty"`
	Drop      bool   `json:"drop,omitempty"`
	ProxyHTML bool   `json:"proxyHTML,omitempty"`
}

// maxControlBody caps a control request's body.
const maxControlBody = 1 << 20

func (f *Fake) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ControlPrefix+"projects", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, f.Projects())
	})
	mux.HandleFunc("PUT "+ControlPrefix+"projects/{id}", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ID            *string `json:"id"`
			WindowDefined *bool   `json:"windowDefined"`
			Scheduled     *bool   `json:"maintenanceScheduled"`
			Deferrals     *int    `json:"deferrals"`
		}
		if err := readJSON(r, &in); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		p := Project{ID: r.PathValue("id")}
		if in.ID != nil && *in.ID != p.ID {
			controlError(w, http.StatusBadRequest, &FieldError{Field: "id", Reason: "differs from the project id in the path; leave it out"})
			return
		}
		if in.WindowDefined != nil {
			p.WindowDefined = *in.WindowDefined
		}
		if in.Scheduled != nil {
			p.Scheduled = *in.Scheduled
		}
		if in.Deferrals != nil {
			p.Deferrals = *in.Deferrals
		}
		if err := f.SetProject(p); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, p)
	})
	mux.HandleFunc("GET "+ControlPrefix+"projects/{id}/script", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if _, ok := f.Project(id); !ok {
			controlError(w, http.StatusNotFound, fmt.Errorf("project %s: %w", id, errNoProject))
			return
		}
		replies := f.Scripted(id)
		out := make([]controlReply, len(replies))
		for i, r := range replies {
			out[i] = controlReply{Status: r.Status, ErrorCode: r.ErrorCode, Drop: r.Drop, ProxyHTML: r.ProxyHTML}
			if r.Delay != 0 {
				out[i].Delay = r.Delay.String()
			}
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST "+ControlPrefix+"projects/{id}/script", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		replies, err := readReplies(r, f.scriptRoomLeft(id))
		if err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, errQueueFull) {
				status = http.StatusRequestEntityTooLarge
			}
			controlError(w, status, err)
			return
		}
		switch err := f.Script(id, replies...); {
		case errors.Is(err, errNoProject):
			controlError(w, http.StatusNotFound, err)
		case errors.Is(err, errQueueFull):
			controlError(w, http.StatusRequestEntityTooLarge, err)
		case err != nil:
			controlError(w, http.StatusBadRequest, err)
		default:
			writeJSON(w, http.StatusOK, map[string]int{"queued": len(replies)})
		}
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
			controlError(w, http.StatusBadRequest, err)
			return
		}
		d, err := time.ParseDuration(in.Advance)
		if err != nil {
			controlError(w, http.StatusBadRequest, &FieldError{Field: "advance", Reason: fmt.Sprintf("%q; want a positive Go duration such as 1h", capped(in.Advance))})
			return
		}
		if err := f.Advance(d); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"advanced": d.String()})
	})
	mux.HandleFunc(ControlPrefix, noControlRequest)
	return f.guard(mux)
}

// guard lets a control request through only from the fake's user: the
// right Host, the control token, and JSON for writes.
func (f *Fake) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.hostAllowed(r) {
			controlError(w, http.StatusForbidden, errors.New("the control API answers to loopback names, the address the request came in on and the allowed hosts only (see atlastest.WithAllowedHosts)"))
			return
		}
		scheme, token := authScheme(r.Header.Get("Authorization"))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(f.controlToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="contractcheck fake control"`)
			controlError(w, http.StatusUnauthorized, errors.New("the control API needs the fake's control token as Authorization: Bearer TOKEN (printed by serve --fake at start, ControlToken in Go)"))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				controlError(w, http.StatusUnsupportedMediaType, errors.New("a control request's body is JSON: send Content-Type: application/json"))
				return
			}
		}
		if p := r.URL.Path; path.Clean(p) != p && path.Clean(p)+"/" != p {
			// ServeMux would redirect to the clean path: the API names no
			// such path, so say so instead.
			noControlRequest(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// noControlRequest answers a request for no part of the control API.
func noControlRequest(w http.ResponseWriter, r *http.Request) {
	controlError(w, http.StatusNotFound, fmt.Errorf("no control request %s %s; see the control API table in docs/fake.md", capped(r.Method), capped(r.URL.EscapedPath())))
}

// hostAllowed says whether a request's Host names this fake: a loopback
// name or address, the local address the request came in on (so a fake
// listening on every address answers to each), or an allowed name. A DNS
// rebinding attack names the attacker's own domain.
func (f *Fake) hostAllowed(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || slices.ContainsFunc(f.s.allowedHosts, func(a string) bool { return strings.EqualFold(a, host) }) {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if la, _, err := net.SplitHostPort(local.String()); err == nil {
			return net.ParseIP(la).Equal(ip)
		}
	}
	return false
}

// readReplies reads a JSON array of replies, one at a time, refusing more
// than room (what the queues can still take) before it holds them all.
func readReplies(r *http.Request, room int) ([]Reply, error) {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, errors.New("the body is not the expected JSON: want an array of replies such as [{\"status\":500}]")
	}
	var (
		out []Reply
		fe  fieldErrors
	)
	for i := 0; dec.More(); i++ {
		if i == room {
			return nil, fmt.Errorf("%w: the queues take %d more replies, the request has more (at most %d per project, %d in all)", errQueueFull, room, MaxScriptedReplies, maxScriptedTotal)
		}
		var c controlReply
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("[%d]: the reply is not the expected JSON: %w", i, jsonReason(err))
		}
		at := fmt.Sprintf("[%d]", i)
		var d time.Duration
		if c.Delay != "" {
			var err error
			if d, err = time.ParseDuration(c.Delay); err != nil {
				fe.add(at+".delay", "%q; want a Go duration such as 2s", capped(c.Delay))
			}
		}
		rep := Reply{Status: c.Status, ErrorCode: c.ErrorCode, Delay: d, Drop: c.Drop, ProxyHTML: c.ProxyHTML}
		checkReply(&fe, at, rep)
		out = append(out, rep)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("the body is not the expected JSON: %w", jsonReason(err))
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	return out, nil
}

func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("the body is not the expected JSON: %w", jsonReason(err))
	}
	if dec.More() {
		return errors.New("the body is not the expected JSON: it holds more than one value")
	}
	return nil
}

// jsonReason is a JSON decoding error without the input it quotes.
func jsonReason(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := "a string"
		switch te.Type.Kind() {
		case reflect.Bool:
			want = "true or false"
		case reflect.Int, reflect.Int64:
			want = "an integer"
		case reflect.Slice:
			want = "an array"
		case reflect.Struct, reflect.Map:
			want = "an object"
		}
		return &FieldError{Field: te.Field, Reason: "want " + want + ", not a JSON " + te.Value}
	}
	return errors.New(capped(err.Error()))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// A client that went away cannot be told; the server goes on.
	_ = json.NewEncoder(w).Encode(v)
}

func controlError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}
