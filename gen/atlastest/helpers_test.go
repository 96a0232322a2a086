package atlastest_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mongodb-forks/digest"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/serve"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/gen/atlastest"
)

// The fake's conformance is proven here, outside it: every server these
// tests start (newServer) serves the fake through contractcheck's checking
// middleware, so every answer any test gets is judged against the fragment
// by the checker, and one that breaks it fails the test. Faults the fake
// was scripted to give carry atlastest.FaultHeader and are not judged.

// defaultChecker is the checker of the embedded fragment.
func defaultChecker(t testing.TB) *contract.Checker {
	t.Helper()
	spec, err := contract.DefaultSpec()
	require.NoError(t, err)
	return contract.NewChecker(spec, "")
}

// judgedBy serves the fake through the checking middleware, reporting each
// answer that breaks the fragment to report.
func judgedBy(checker *contract.Checker, mount string, report func(serve.Violation)) atlastest.Option {
	return atlastest.WithMiddleware(func(h http.Handler) http.Handler {
		return serve.Checked(h, checker, serve.CheckedOptions{
			Mount: mount, FaultHeader: atlastest.FaultHeader, OnViolation: report,
			Skip: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, atlastest.ControlPrefix) },
		})
	})
}

// newServer starts a fake for t whose every answer is judged: one that
// breaks the fragment fails t.
func newServer(t testing.TB, opts ...atlastest.Option) *atlastest.Server {
	t.Helper()
	return newServerMounted(t, "", opts...)
}

func newServerMounted(t testing.TB, mount string, opts ...atlastest.Option) *atlastest.Server {
	t.Helper()
	judge := judgedBy(defaultChecker(t), mount, func(v serve.Violation) { t.Errorf("atlastest: the fake's %s", v) })
	return atlastest.NewServer(t, append([]atlastest.Option{judge}, opts...)...)
}

// violations keeps what the middleware reports, for tests that expect some.
type violations struct {
	mu  sync.Mutex
	got []serve.Violation
}

func (v *violations) add(x serve.Violation) {
	v.mu.Lock()
	v.got = append(v.got, x)
	v.mu.Unlock()
}

func (v *violations) list() []serve.Violation {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]serve.Violation(nil), v.got...)
}

const (
	scheduled    = "5f1a2b3c4d5e6f7a8b9c0d1e"
	notScheduled = "6a7940722c88faeba59bf917"
	noWindow     = "0123456789abcdef01234567"
	unknown      = "aaaaaaaaaaaaaaaaaaaaaaaa"
)

func seeded(t *testing.T, opts ...atlastest.Option) *atlastest.Server {
	t.Helper()
	return newServer(t, append([]atlastest.Option{atlastest.WithProjects(
		atlastest.ScheduledProject(scheduled),
		atlastest.Project{ID: notScheduled, WindowDefined: true},
		atlastest.Project{ID: noWindow},
	)}, opts...)...)
}

func errorCode(t *testing.T, err error) (int, string) {
	t.Helper()
	var e *atlas.Error
	require.ErrorAs(t, err, &e)
	return e.StatusCode, e.APIError.ErrorCode
}

func rawPost(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// digestPost sends the defer as another Go program would, with the API key
// through mongodb-forks/digest.
func digestPost(t *testing.T, srv *atlastest.Server, url string) (*http.Response, []byte) {
	t.Helper()
	return digestPostAccept(t, srv, url, "application/vnd.atlas.2023-01-01+json")
}

func digestPostAccept(t *testing.T, srv *atlastest.Server, url, accept string) (*http.Response, []byte) {
	t.Helper()
	key, _ := srv.APIKey()
	client := &http.Client{Transport: &digest.Transport{Username: key.PublicKey, Password: key.PrivateKey, Transport: http.DefaultTransport}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, nil)
	require.NoError(t, err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func deferURL(srv *atlastest.Server, id string) string {
	return srv.URL() + "/api/atlas/v2/groups/" + id + "/maintenanceWindow/defer"
}

// control sends a control request with the fake's token and JSON, as a
// test in another language would.
func control(t *testing.T, srv *atlastest.Server, method, path, body string) (int, string) {
	t.Helper()
	return controlWith(t, srv, method, path, body, map[string]string{
		"Authorization": "Bearer " + srv.ControlToken(), "Content-Type": "application/json",
	})
}

func controlWith(t *testing.T, srv *atlastest.Server, method, path, body string, header map[string]string) (int, string) {
	t.Helper()
	base := strings.TrimSuffix(srv.URL(), mountOf(srv))
	req, err := http.NewRequestWithContext(t.Context(), method, base+atlastest.ControlPrefix+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// mountOf is the path of a server's URL: its mount.
func mountOf(srv *atlastest.Server) string {
	u := srv.URL()
	if i := strings.Index(u[len("http://"):], "/"); i >= 0 {
		return u[len("http://")+i:]
	}
	return ""
}
