package atlastest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// TestControlAPI seeds, scripts, reads the journal and resets over HTTP.
func TestControlAPI(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	status, _ := control(t, srv, http.MethodPut, "projects/0123456789abcdef01234567", `{"windowDefined":true,"maintenanceScheduled":true,"deferrals":2}`)
	require.Equal(t, 200, status)
	status, body := control(t, srv, http.MethodPut, "projects/nope", `{}`)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "project.id: want 24 hexadecimal digits")
	status, body = control(t, srv, http.MethodPost, "projects/"+atlastest.DefaultProjectID+"/script", `[{"status":500},{"delay":"soon"}]`)
	assert.Equal(t, 400, status, "a bad delay is refused: %s", body)
	assert.Contains(t, body, "[1].delay")
	status, _ = control(t, srv, http.MethodPost, "projects/"+atlastest.DefaultProjectID+"/script", `[{"status":500}]`)
	require.Equal(t, 200, status)

	client := srv.Client()
	assert.True(t, atlas.HasErrorCode(client.DeferMaintenanceWindow(t.Context(), "0123456789abcdef01234567"), "ATLAS_NUM_MAINTENANCE_DEFERRALS_EXCEEDED"))
	assert.True(t, atlas.HasErrorCode(client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID), "UNEXPECTED_ERROR"))

	status, body = control(t, srv, http.MethodGet, "journal", "")
	assert.Equal(t, 200, status)
	assert.Contains(t, body, `"status":500`)
	assert.NotContains(t, body, "atlastest_", "no token in the journal")
	status, _ = control(t, srv, http.MethodPost, "reset", "")
	assert.Equal(t, 200, status)
	_, body = control(t, srv, http.MethodGet, "projects", "")
	assert.NotContains(t, body, "0123456789abcdef01234567", "reset drops what the control API seeded")
	assert.Empty(t, srv.Journal())
	status, _ = control(t, srv, http.MethodPost, "clock", `{"advance":"2h"}`)
	assert.Equal(t, 200, status)
	status, _ = errorCode(t, client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID))
	assert.Equal(t, 401, status, "the cached token expired when the clock moved")
}

// TestControlScriptsNeedAProject (issue 16, point 14): a script for a
// project the fake does not hold is refused with 404, a PUT of a project
// drops its queue, and the queue can be read.
func TestControlScriptsNeedAProject(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	status, body := control(t, srv, http.MethodPost, "projects/"+unknown+"/script", `[{"status":500},{"status":500},{"status":500}]`)
	assert.Equal(t, 404, status)
	assert.Contains(t, body, "no such project")
	assert.True(t, json.Valid([]byte(body)))
	assert.Error(t, srv.Fake.Script(unknown, atlastest.Reply{Status: 500}), "the Go API refuses it too")

	status, _ = control(t, srv, http.MethodPut, "projects/"+unknown, `{"windowDefined":true,"maintenanceScheduled":true}`)
	require.Equal(t, 200, status)
	status, body = control(t, srv, http.MethodPost, "projects/"+unknown+"/script", `[{"status":500},{"delay":"1s","status":429},{"proxyHTML":true}]`)
	require.Equal(t, 200, status, body)
	status, body = control(t, srv, http.MethodGet, "projects/"+unknown+"/script", "")
	require.Equal(t, 200, status)
	assert.JSONEq(t, `[{"status":500},{"status":429,"delay":"1s"},{"proxyHTML":true}]`, body)

	status, _ = control(t, srv, http.MethodPut, "projects/"+unknown, `{"windowDefined":true,"maintenanceScheduled":true}`)
	require.Equal(t, 200, status)
	_, body = control(t, srv, http.MethodGet, "projects/"+unknown+"/script", "")
	assert.JSONEq(t, `[]`, body, "a PUT replaces the project, its script too")
	require.NoError(t, srv.Client().DeferMaintenanceWindow(t.Context(), unknown), "no scripted 500 survives the PUT")
	status, _ = control(t, srv, http.MethodGet, "projects/"+noWindow+"/script", "")
	assert.Equal(t, 404, status)
}

// TestControlGuard (issue 17, point 16): the control API obeys only its
// test: the token, a Host of this machine, JSON for writes.
func TestControlGuard(t *testing.T) {
	t.Parallel()
	srv := newServer(t, atlastest.WithAllowedHosts("fake.internal"))
	token := "Bearer " + srv.ControlToken()
	assert.Regexp(t, `^atlastest_control_[0-9a-f]{48}$`, srv.ControlToken())
	other := newServer(t)
	assert.NotEqual(t, srv.ControlToken(), other.ControlToken(), "random per fake")

	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   string
		header map[string]string
		want   int
	}{
		{"no token", "GET", "journal", "", nil, 401},
		{"a wrong token", "GET", "journal", "", map[string]string{"Authorization": "Bearer " + other.ControlToken()}, 401},
		{"the token without a scheme", "GET", "journal", "", map[string]string{"Authorization": srv.ControlToken()}, 401},
		{"an API token", "POST", "reset", "", map[string]string{"Authorization": "Basic " + srv.ControlToken(), "Content-Type": "application/json"}, 401},
		{"DNS rebinding", "GET", "journal", "", map[string]string{"Authorization": token, "Host": "attacker.example:80"}, 403},
		{"a public address", "GET", "journal", "", map[string]string{"Authorization": token, "Host": "203.0.113.7"}, 403},
		{"a cross-origin form", "POST", "reset", "x=1", map[string]string{"Authorization": token, "Content-Type": "text/plain"}, 415},
		{"a form without a type", "POST", "clock", `{"advance":"1h"}`, map[string]string{"Authorization": token}, 415},
		{"a urlencoded form", "PUT", "projects/" + unknown, `{}`, map[string]string{"Authorization": token, "Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"localhost", "GET", "journal", "", map[string]string{"Authorization": token, "Host": "localhost:1234"}, 200},
		{"a .localhost name", "GET", "journal", "", map[string]string{"Authorization": token, "Host": "fake.localhost"}, 200},
		{"IPv6 loopback", "GET", "journal", "", map[string]string{"Authorization": token, "Host": "[::1]:80"}, 200},
		{"an allowed name", "GET", "journal", "", map[string]string{"Authorization": token, "Host": "Fake.Internal:8080"}, 200},
		{"JSON with a charset", "POST", "clock", `{"advance":"1m"}`, map[string]string{"Authorization": token, "Content-Type": "application/json; charset=utf-8"}, 200},
		{"the address it came in on", "GET", "projects", "", map[string]string{"Authorization": token}, 200},
	} {
		status, body := controlWith(t, srv, tc.method, tc.path, tc.body, tc.header)
		assert.Equal(t, tc.want, status, "%s: %s", tc.name, body)
		if tc.want != 200 {
			assert.True(t, json.Valid([]byte(body)), "%s: a JSON error: %s", tc.name, body)
		}
	}
	assert.Empty(t, srv.Journal(), "no refused control request reset or moved anything")
	p, _ := srv.Project(atlastest.DefaultProjectID)
	assert.Equal(t, atlastest.ScheduledProject(atlastest.DefaultProjectID), p)
}

// TestControlTokenOption: a token set by the test's own harness, and one
// too short to guard anything.
func TestControlTokenOption(t *testing.T) {
	t.Parallel()
	f, err := atlastest.New(atlastest.WithControlToken("a-harness-chosen-token"))
	require.NoError(t, err)
	assert.Equal(t, "a-harness-chosen-token", f.ControlToken())
	_, err = atlastest.New(atlastest.WithControlToken("short"))
	assert.ErrorContains(t, err, "controlToken")
}

// TestControlValidation (issue 17, point 18): every field is checked, with
// a 400 naming it; nothing panics, nothing hangs.
func TestControlValidation(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	script := "projects/" + atlastest.DefaultProjectID + "/script"
	for _, tc := range []struct {
		method, path, body, field string
	}{
		{"POST", script, `[{"status":-5}]`, "[0].status"},
		{"POST", script, `[{"status":101}]`, "[0].status"},
		{"POST", script, `[{"status":302}]`, "[0].status"},
		{"POST", script, `[{"status":600}]`, "[0].status"},
		{"POST", script, `[{"status":200,"proxyHTML":true}]`, "[0].status"},
		{"POST", script, `[{"delay":"-1s"}]`, "[0].delay"},
		{"POST", script, `[{"delay":"2m"}]`, "[0].delay"},
		{"POST", script, `[{"delay":"forever"}]`, "[0].delay"},
		{"POST", script, `[{"status":500,"errorCode":"bad code"}]`, "[0].errorCode"},
		{"POST", script, `[{"status":200,"errorCode":"X"}]`, "[0].errorCode"},
		{"POST", script, `[{"drop":true,"status":500}]`, "[0].drop"},
		{"POST", script, `[{"status":"500"}]`, "status: want an integer"},
		{"POST", script, `[{"nonsense":1}]`, "unknown field"},
		{"POST", script, `{"status":500}`, "want an array"},
		{"PUT", "projects/" + unknown, `{"deferrals":3}`, "project.deferrals"},
		{"PUT", "projects/" + unknown, `{"deferrals":-1}`, "project.deferrals"},
		{"PUT", "projects/" + unknown, `{"id":"` + scheduled + `"}`, "id: differs"},
		{"PUT", "projects/" + unknown, `{"windowDefined":"yes"}`, "windowDefined: want true or false"},
		{"POST", "clock", `{"advance":"-1h"}`, "advance"},
		{"POST", "clock", `{"advance":"0s"}`, "advance"},
		{"POST", "clock", `{"advance":"2562047h"}`, "advance"},
		{"POST", "clock", `{"advance":"soon"}`, "advance"},
		{"POST", "clock", `{"advance":"1h"} {"advance":"1h"}`, "more than one value"},
	} {
		status, body := control(t, srv, tc.method, tc.path, tc.body)
		assert.Equal(t, 400, status, "%s %s %s: %s", tc.method, tc.path, tc.body, body)
		assert.Contains(t, body, tc.field, "%s %s", tc.path, tc.body)
	}
	status, body := control(t, srv, "POST", script, `[{"status":-5},{"delay":"soon"}]`)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "[0].status", "every bad value at once")
	assert.Contains(t, body, "[1].delay", "every bad value at once")
	assert.Error(t, srv.Fake.Script(atlastest.DefaultProjectID, atlastest.Reply{Status: -5}), "the Go API checks replies too")
	assert.Error(t, srv.Fake.Script(atlastest.DefaultProjectID, atlastest.Reply{Delay: time.Hour}))
	assert.Empty(t, srv.Scripted(atlastest.DefaultProjectID), "a refused script queues nothing")
	_, ok := srv.Project(unknown)
	assert.False(t, ok)
}

// TestClockCannotOverflow (issue 17, point 18): moving the clock by the
// largest durations one after another never brings an expired token back.
func TestClockCannotOverflow(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	client := srv.Client()
	require.NoError(t, client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID))
	srv.Advance(2 * time.Hour)
	for range 10 {
		_ = srv.Fake.Advance(atlastest.MaxClockOffset / 3)
		_ = srv.Fake.Advance(time.Duration(1<<63 - 1))
	}
	status, _ := errorCode(t, client.DeferMaintenanceWindow(t.Context(), atlastest.DefaultProjectID))
	assert.Equal(t, 401, status, "the expired token stays expired")
	assert.Error(t, srv.Fake.Advance(atlastest.MaxClockOffset/2), "the clock is near its bound")
}

// TestScriptQueueIsBounded (issue 17, point 17): a project's queue and all
// queues together stop at their bounds with 413, the refused requests
// keep nothing, and a reset gives the memory back. Measured by the
// process's allocation counters.
func TestScriptQueueIsBounded(t *testing.T) {
	// Not parallel: the process-wide allocation counters measure this test alone.
	projects := make([]atlastest.Project, 12)
	for i := range projects {
		projects[i] = atlastest.ScheduledProject(fmt.Sprintf("%024x", i+1))
	}
	srv := newServer(t, atlastest.WithProjects(projects...))
	batch := "[" + strings.TrimSuffix(strings.Repeat(`{"status":500,"delay":"1s"},`, 500), ",") + "]"
	path := func(i int) string { return "projects/" + projects[i].ID + "/script" }
	for _, want := range []int{200, 200, 413} {
		status, body := control(t, srv, http.MethodPost, path(0), batch)
		require.Equal(t, want, status, body)
		if status == 413 {
			assert.Contains(t, body, "the script queue is full")
		}
	}
	assert.Len(t, srv.Scripted(projects[0].ID), atlastest.MaxScriptedReplies)
	assert.Error(t, srv.Fake.Script(projects[0].ID, atlastest.Reply{Status: 500}), "the Go API keeps the same bound")
	for i := 1; i < 10; i++ {
		for range 2 {
			status, body := control(t, srv, http.MethodPost, path(i), batch)
			require.Equal(t, 200, status, body)
		}
	}
	status, body := control(t, srv, http.MethodPost, path(10), `[{"status":500}]`)
	assert.Equal(t, 413, status, "all queues together are full: %s", body)
	assert.ErrorContains(t, srv.Fake.Script(projects[10].ID, atlastest.Reply{Status: 500}), "for all projects", "the Go API keeps the same bound")

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	full := heap()
	for range 50 {
		status, _ := control(t, srv, http.MethodPost, path(11), batch)
		require.Equal(t, 413, status)
	}
	assert.Less(t, int64(heap())-int64(full), int64(4<<20), "refused scripts leave nothing behind")
	status, _ = control(t, srv, http.MethodPost, "reset", "")
	require.Equal(t, 200, status)
	assert.Empty(t, srv.Scripted(projects[0].ID))
	status, body = control(t, srv, http.MethodPost, path(0), batch)
	assert.Equal(t, 200, status, "the reset released the queues: %s", body)
}

// TestScriptBodyStopsAtTheBound: a request of 100,000 replies is refused
// after the queue's room, not decoded whole: by the allocation counter.
func TestScriptBodyStopsAtTheBound(t *testing.T) {
	// Not parallel: the process-wide allocation counters measure this test alone.
	fake, err := atlastest.New(atlastest.WithControlToken("bound-control-token-0123"))
	require.NoError(t, err)
	body := "[" + strings.TrimSuffix(strings.Repeat(`{},`, 100000), ",") + "]"
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+atlastest.ControlPrefix+"projects/"+atlastest.DefaultProjectID+"/script", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer bound-control-token-0123")
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fake.ServeHTTP(w, req)
	runtime.ReadMemStats(&after)
	assert.Equal(t, 413, w.Code, w.Body.String())
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(2<<20), "decoding stopped at the bound")
	assert.Empty(t, fake.Scripted(atlastest.DefaultProjectID))
}

// TestControlHostIsTheLocalAddress: a fake listening on every address
// answers to the address a request came in on, and to no other.
func TestControlHostIsTheLocalAddress(t *testing.T) {
	t.Parallel()
	fake, err := atlastest.New(atlastest.WithControlToken("host-control-token-0123"))
	require.NoError(t, err)
	for host, want := range map[string]int{"192.0.2.10:8080": 200, "192.0.2.11:8080": 403, "[2001:db8::1]:80": 403} {
		req := httptest.NewRequest(http.MethodGet, "http://"+host+atlastest.ControlPrefix+"projects", nil)
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 8080}))
		req.Header.Set("Authorization", "Bearer host-control-token-0123")
		w := httptest.NewRecorder()
		fake.ServeHTTP(w, req)
		assert.Equal(t, want, w.Code, host)
	}
}

// TestNewRefusesBadOptions: every bad option at once, each naming its field.
func TestNewRefusesBadOptions(t *testing.T) {
	t.Parallel()
	_, err := atlastest.New(
		atlastest.WithProjects(atlastest.ScheduledProject(scheduled), atlastest.Project{ID: scheduled}, atlastest.Project{ID: "NOPE", Deferrals: 7}),
		atlastest.WithTokenLifetime(-time.Hour),
		atlastest.WithRateLimit(0, 0),
		atlastest.WithServiceAccount(atlastest.ServiceAccount{ClientID: "x"}),
	)
	require.Error(t, err)
	for _, want := range []string{"projects[1].id: project " + scheduled + " is already projects[0]", "projects[2].id", "projects[2].deferrals", "tokenLifetime", "rateLimit.limit", "rateLimit.per", "serviceAccounts[0]"} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = atlastest.New(atlastest.WithTokenLifetime(2562047 * time.Hour))
	assert.ErrorContains(t, err, "tokenLifetime")
}

// FuzzControlAPI sends arbitrary methods, paths and bodies to the control
// API: every answer is JSON with a status the API documents, never a panic
// or a hang, and the fake still answers its API afterwards.
func FuzzControlAPI(f *testing.F) {
	for _, seed := range []struct{ method, path, body string }{
		{"POST", "projects/32b6e34b3d91647abb20e7b8/script", `[{"status":-5}]`},
		{"POST", "projects/32b6e34b3d91647abb20e7b8/script", `[{"status":101,"delay":"9223372036854775807ns"}]`},
		{"POST", "projects/32b6e34b3d91647abb20e7b8/script", `[{"status":500,"errorCode":"X","delay":"1ms"},{"drop":true},{"proxyHTML":true,"status":503}]`},
		{"PUT", "projects/32b6e34b3d91647abb20e7b8", `{"deferrals":2,"windowDefined":true}`},
		{"PUT", "projects/%00", `{"deferrals":1e400}`},
		{"POST", "clock", `{"advance":"2562047h47m16.854775807s"}`},
		{"POST", "clock", `{"advance":"-9223372036854775808ns"}`},
		{"POST", "reset", ``},
		{"GET", "journal", ``},
		{"DELETE", "projects", `[`},
	} {
		f.Add(seed.method, seed.path, seed.body)
	}
	fake, err := atlastest.New(atlastest.WithControlToken("fuzz-control-token-0123"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", strings.NewReader(body))
		req.Method = method
		req.URL.Path = atlastest.ControlPrefix + path
		req.Header.Set("Authorization", "Bearer fuzz-control-token-0123")
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		fake.ServeHTTP(w, req)
		switch w.Code {
		case 200, 400, 404, 405, 413:
		default:
			t.Fatalf("%s %q %q: status %d", method, path, body, w.Code)
		}
		if w.Code != 405 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %q %q: not JSON: %q", method, path, body, w.Body.String())
		}
		fake.Reset()
	})
}
