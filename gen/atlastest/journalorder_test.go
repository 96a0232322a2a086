package atlastest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const orderProject = "5f1a2b3c4d5e6f7a8b9c0d1e"

// heldFake is a fake whose project can be deferred once more, and whose
// first request to the operation is held between its decision and its
// journal entry until release is closed; held is closed when it is.
func heldFake(t *testing.T) (f *Fake, token string, held, release chan struct{}) {
	t.Helper()
	f, err := New(WithProjects(Project{ID: orderProject, WindowDefined: true, Scheduled: true, Deferrals: MaxDeferrals - 1}))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	r := httptest.NewRequest(http.MethodPost, "/api/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(DefaultServiceAccount.ClientID, DefaultServiceAccount.ClientSecret)
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, r)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("no token: %d %s", rec.Code, rec.Body)
	}
	held, release = make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	f.decided = func(c *call) {
		if c.kind == callOperation && first.CompareAndSwap(false, true) {
			close(held)
			<-release
		}
	}
	return f, tok.AccessToken, held, release
}

// deferInProcess sends a defer for orderProject and returns its status.
func deferInProcess(f *Fake, token string) int {
	r := httptest.NewRequest(http.MethodPost, opPathPrefix+orderProject+opPathSuffix, nil)
	r.Header.Set("Accept", mediaType)
	r.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, r)
	return rec.Code
}

// wait receives from c, failing t after 10 s.
func wait[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing after 10s", what)
		panic("unreachable")
	}
}

// operationStatuses are the statuses the journal lists for the operation.
func operationStatuses(f *Fake) []int {
	var out []int
	for _, e := range f.Journal() {
		if e.Project != "" {
			out = append(out, e.Status)
		}
	}
	return out
}

// TestJournalInDecisionOrder: a request journaled late (held between its
// decision and its entry) is listed before the one decided after it, so
// the journal's order is the state's: the deferral that succeeded, then
// the one refused because it had.
func TestJournalInDecisionOrder(t *testing.T) {
	t.Parallel()
	f, token, held, release := heldFake(t)
	first := make(chan int, 1)
	go func() { first <- deferInProcess(f, token) }()
	wait(t, held, "the first request's decision")
	second := deferInProcess(f, token)
	close(release)
	if got := wait(t, first, "the first request"); got != http.StatusOK || second != http.StatusBadRequest {
		t.Fatalf("statuses %d then %d, want 200 then 400", got, second)
	}
	if got := operationStatuses(f); len(got) != 2 || got[0] != http.StatusOK || got[1] != http.StatusBadRequest {
		t.Errorf("journal lists %v, want [200 400], the order decided", got)
	}
}

// TestResetDropsRequestsDecidedBefore: a request decided before Reset and
// journaled after it stays out of the journal Reset cleared; one decided
// after Reset is in it.
func TestResetDropsRequestsDecidedBefore(t *testing.T) {
	t.Parallel()
	f, token, held, release := heldFake(t)
	first := make(chan int, 1)
	go func() { first <- deferInProcess(f, token) }()
	wait(t, held, "the first request's decision")
	f.Reset()
	close(release)
	if got := wait(t, first, "the first request"); got != http.StatusOK {
		t.Fatalf("the first request got %d, want 200", got)
	}
	if got := operationStatuses(f); len(got) != 0 {
		t.Errorf("after Reset the journal lists %v, decided before it; want nothing", got)
	}
	if got := deferInProcess(f, token); got != http.StatusOK {
		t.Fatalf("after Reset a defer got %d, want 200", got)
	}
	if got := operationStatuses(f); len(got) != 1 || got[0] != http.StatusOK {
		t.Errorf("journal lists %v, want [200]", got)
	}
}
