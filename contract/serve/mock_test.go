package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/openapi"
)

func newTestMock(t *testing.T, mount string) (*httptest.Server, *syncWriter) {
	t.Helper()
	spec, err := contract.DefaultSpec()
	require.NoError(t, err)
	ins, err := recording.ReadAllFS(contract.ShippedRecordings(), "recordings", recording.Options{})
	require.NoError(t, err)
	log := &syncWriter{w: &bytes.Buffer{}}
	mock := NewMock(spec, MockOptions{Mount: mount, Log: log})
	for _, in := range ins {
		require.NoError(t, mock.Add(in))
	}
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	return srv, log
}

// syncWriter serialises writes from concurrent handlers.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// mockDo sends method path to srv, with accept as the Accept header
// unless it is empty, and returns the response and its body, read.
func mockDo(t *testing.T, srv *httptest.Server, method, path, accept string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
	require.NoError(t, err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func mockPost(t *testing.T, srv *httptest.Server, path, accept string) (*http.Response, map[string]any) {
	t.Helper()
	resp, b := mockDo(t, srv, http.MethodPost, path, accept)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	return resp, body
}

const (
	mockGood = "/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"
	mockMT   = "application/vnd.atlas.2023-01-01+json"
)

func TestMockRefusesAsAtlasDoes(t *testing.T) {
	t.Parallel()
	srv, log := newTestMock(t, "")

	// A malformed groupId gets the recorded negative case, naming the id asked for.
	resp, body := mockPost(t, srv, "/api/atlas/v2/groups/nope/maintenanceWindow/defer", mockMT)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "INVALID_GROUP_ID", body["errorCode"])
	assert.Equal(t, "Invalid group ID nope.", body["detail"])
	assert.Equal(t, []any{"nope"}, body["parameters"])
	assert.Equal(t, "INVALID_GROUP_ID", resp.Header.Get(MockHeader), "the mock marks its own answers")
	doc, err := openapi.Load()
	require.NoError(t, err)
	require.NoError(t, doc.Components.Schemas["ApiError"].Value.VisitJSON(body), "the mock's own errors conform")
	assert.Contains(t, log.String(), "invalid request")

	resp, body = mockPost(t, srv, mockGood, "")
	assert.Equal(t, http.StatusNotAcceptable, resp.StatusCode, "a missing versioned Accept")
	assert.Equal(t, "INVALID_VERSION_DATE", body["errorCode"])
	assert.Equal(t, "Invalid accept header or version date.", body["detail"])
	resp, body = mockPost(t, srv, mockGood+"?envelope=true", "application/vnd.atlas.2022-01-01+json")
	assert.Equal(t, http.StatusNotAcceptable, resp.StatusCode, "a version before the first")
	assert.Equal(t, float64(406), body["status"], "enveloped as asked")

	resp, body = mockPost(t, srv, "/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow", mockMT)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "RESOURCE_NOT_FOUND", body["errorCode"])
}

// TestMockAnswersPerProject: each project walks the recorded answers in
// recorded order on its own, and a 401 carries a Digest challenge.
func TestMockAnswersPerProject(t *testing.T) {
	t.Parallel()
	srv, _ := newTestMock(t, "")
	statuses := func(path string, n int) []int {
		var seen []int
		for range n {
			resp, _ := mockPost(t, srv, path, mockMT)
			seen = append(seen, resp.StatusCode)
			assert.Empty(t, resp.Header.Get(MockHeader), "a recorded answer")
			if resp.StatusCode == http.StatusUnauthorized {
				assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `Digest realm="MMS Public API"`)
			}
		}
		return seen
	}
	// What was recorded for the project, without envelope, for valid
	// requests, in recorded order.
	spec, err := contract.DefaultSpec()
	require.NoError(t, err)
	ins, err := recording.ReadAllFS(contract.ShippedRecordings(), "recordings", recording.Options{})
	require.NoError(t, err)
	checker := contract.NewChecker(spec, "")
	var want []int
	for _, in := range ins {
		j := checker.Check(t.Context(), in)
		if in.Request.URL.Path == mockGood && !j.Enveloped && len(j.Problems) == 0 {
			want = append(want, in.Response.StatusCode)
		}
	}
	require.GreaterOrEqual(t, len(want), 10)
	assert.Equal(t, want, statuses(mockGood, len(want)))

	// Another project starts at the beginning, whatever ran before, and
	// the recorded project id in bodies becomes its own.
	other := "/api/atlas/v2/groups/0123456789abcdef01234567/maintenanceWindow/defer"
	assert.Equal(t, want[:2], statuses(other, 2), "an unrecorded project has its own cursor")
	resp, body := mockPost(t, srv, other, mockMT)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, []any{"0123456789abcdef01234567"}, body["parameters"])
	// The id inside a longer string, the 429's path, is the project's too.
	for range len(want) {
		if resp, body = mockPost(t, srv, other, mockMT); resp.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.NotEmpty(t, body["parameters"])
	assert.Equal(t, "api/atlas/v2/groups/0123456789abcdef01234567/maintenanceWindow/defer", body["parameters"].([]any)[0])

	assert.Equal(t, want, statuses(mockGood, len(want)), "the answers cycle")
}

// TestMockMountStripsRequestsOnly: --mount applies to incoming requests;
// the recordings are routed as recorded.
func TestMockMountStripsRequestsOnly(t *testing.T) {
	t.Parallel()
	srv, _ := newTestMock(t, "/atlas")
	resp, _ := mockPost(t, srv, "/atlas"+mockGood, mockMT)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, body := mockPost(t, srv, mockGood, mockMT)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "outside the mount")
	assert.Equal(t, "RESOURCE_NOT_FOUND", body["errorCode"])
}

// TestMockBoundsWhatItHolds: a mock keeps only the answers of operations
// of the spec, and refuses, naming the interaction, past its byte budget.
func TestMockBoundsWhatItHolds(t *testing.T) {
	t.Parallel()
	spec, err := contract.DefaultSpec()
	require.NoError(t, err)
	ins, err := recording.ReadAllFS(contract.ShippedRecordings(), "recordings", recording.Options{})
	require.NoError(t, err)
	mock := NewMock(spec, MockOptions{MaxBytes: 1000})
	var failed error
	for _, in := range ins {
		if failed = mock.Add(in); failed != nil {
			break
		}
	}
	require.Error(t, failed)
	assert.Regexp(t, `^recordings/defer-[a-z-]+\.yaml:\d+: the recorded answers to serve hold more than 1000 bytes`, failed.Error())

	other := *ins[0]
	u := *other.Request.URL
	u.Path = "/static/app.js"
	other.Request.URL = &u
	mock = NewMock(spec, MockOptions{})
	require.NoError(t, mock.Add(&other))
	assert.Zero(t, mock.Len(), "an interaction outside the spec is not kept")
}

// TestMockServesAnyOperationOfTheWholeSpec: under MongoDB's published
// spec the mock answers recorded interactions of other operations too,
// organization-level paths included, each at its own key, and the ids
// asked for replace the recorded ones in another organization's answer.
func TestMockServesAnyOperationOfTheWholeSpec(t *testing.T) {
	t.Parallel()
	spec, err := contract.AtlasSpec(true)
	require.NoError(t, err)
	ins, err := recording.ReadAll([]string{"../testdata/atlascli/iam-atlasorgs.yaml"}, recording.Options{})
	require.NoError(t, err)
	mock := NewMock(spec, MockOptions{})
	for _, in := range ins {
		require.NoError(t, mock.Add(in))
	}
	assert.Equal(t, len(ins), mock.Len(), "every interaction routes to an operation of the whole spec")
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)

	get := func(path string) (*http.Response, map[string]any) {
		resp, b := mockDo(t, srv, http.MethodGet, path, mockMT)
		var body map[string]any
		require.NoError(t, json.Unmarshal(b, &body))
		return resp, body
	}
	resp, body := get("/api/atlas/v2/orgs")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "results", "listOrgs answers its recorded page")

	resp, body = get("/api/atlas/v2/orgs/a0123456789abcdef012345a")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "a0123456789abcdef012345a", body["id"], "getOrg answers its own recording, not listOrgs'")

	resp, body = get("/api/atlas/v2/orgs/b0123456789abcdef012345b")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "b0123456789abcdef012345b", body["id"], "another organization's answer names the id asked for")

	resp, body = get("/api/atlas/v2/orgs/a0123456789abcdef012345a/invoices")
	assert.Equal(t, http.StatusNotImplemented, resp.StatusCode, "an operation of the spec nobody recorded")
	assert.Equal(t, "CONTRACTCHECK_NO_RECORDING", body["errorCode"])
}

// dbUserMock serves testdata/dbuser.yaml (one GET of database user "user"
// of database "admin") under MongoDB's published spec, with the recorded
// path rewritten to path and the body's values to the recorded ones.
func dbUserMock(t *testing.T, path, body string) *httptest.Server {
	t.Helper()
	spec, err := contract.AtlasSpec(true)
	require.NoError(t, err)
	ins, err := recording.ReadAll([]string{"testdata/dbuser.yaml"}, recording.Options{})
	require.NoError(t, err)
	require.Len(t, ins, 1)
	in := *ins[0]
	if path != "" {
		u := *in.Request.URL
		u.Path = path
		in.Request.URL = &u
		in.Response.Body = []byte(body)
	}
	mock := NewMock(spec, MockOptions{})
	require.NoError(t, mock.Add(&in))
	require.Equal(t, 1, mock.Len())
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	return srv
}

// getBody GETs path with the 2023-01-01 version and returns the raw body.
func getBody(t *testing.T, srv *httptest.Server, path string) string {
	t.Helper()
	resp, b := mockDo(t, srv, http.MethodGet, path, mockMT)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return string(b)
}

// TestMockReplacesParameterValuesNotNames: a path parameter never recorded
// replaces the JSON string values equal to the recorded one, never a
// member name nor a part of a longer string, and every other byte is kept.
func TestMockReplacesParameterValuesNotNames(t *testing.T) {
	t.Parallel()
	const users = "/api/atlas/v2/groups/b0123456789abcdef012345b/databaseUsers/"
	recorded := `{"awsIAMType":"NONE","databaseName":"admin","groupId":"b0123456789abcdef012345b","labels":[],"ldapAuthType":"NONE","links":[],"oidcAuthType":"NONE","roles":[{"databaseName":"admin","roleName":"readWrite"}],"scopes":[],"username":"user","x509Type":"NONE"}`
	srv := dbUserMock(t, "", "")
	assert.Equal(t, recorded, getBody(t, srv, users+"admin/user"), "the recorded parameters: the body as recorded")
	assert.Equal(t, strings.Replace(recorded, `"username":"user"`, `"username":"alice"`, 1),
		getBody(t, srv, users+"admin/alice"), "the username value changes, the member name username does not")
	assert.Equal(t, strings.ReplaceAll(recorded, `"databaseName":"admin"`, `"databaseName":"x"`),
		getBody(t, srv, users+"x/user"), "every databaseName equal to the recorded one, the role's included")

	// A one-letter recorded value replaces only the values that are it.
	short := `{"databaseName" : "admin", "username":"e", "labels":[{"key":"e","value":"eee"}], "detail":"user e here", "e":"\u0065"}`
	srv = dbUserMock(t, users+"admin/e", short)
	assert.Equal(t, `{"databaseName" : "admin", "username":"bob", "labels":[{"key":"bob","value":"eee"}], "detail":"user e here", "e":"bob"}`,
		getBody(t, srv, users+"admin/bob"))

	// Two parameters recorded with one value, asked with two: a member
	// named as one takes its value, any other stays as recorded.
	same := `{"databaseName":"admin","username":"admin","roles":[{"databaseName":"admin"}],"scopes":["admin"]}`
	srv = dbUserMock(t, users+"admin/admin", same)
	assert.Equal(t, `{"databaseName":"x","username":"y","roles":[{"databaseName":"x"}],"scopes":["admin"]}`,
		getBody(t, srv, users+"x/y"))
	assert.Equal(t, `{"databaseName":"z","username":"z","roles":[{"databaseName":"z"}],"scopes":["z"]}`,
		getBody(t, srv, users+"z/z"), "asked with one value: every equal value")

	// A body that is not JSON is served as recorded.
	srv = dbUserMock(t, users+"admin/user", `user "user" admin`)
	assert.Equal(t, `user "user" admin`, getBody(t, srv, users+"x/alice"))
}

// TestReplaceWordsKeepsTheDocument: the recorded malformed groupId of a
// refusal is replaced where it is a whole word of a string value, never in
// a member name or inside another word, however short it is.
func TestReplaceWordsKeepsTheDocument(t *testing.T) {
	t.Parallel()
	body := `{"detail":"Invalid group ID e.","error":404,"errorCode":"INVALID_GROUP_ID","parameters":["e"],"reason":"Not Found","e":"e-e ee"}`
	assert.Equal(t, `{"detail":"Invalid group ID nope.","error":404,"errorCode":"INVALID_GROUP_ID","parameters":["nope"],"reason":"Not Found","e":"nope-nope ee"}`,
		string(replaceWords([]byte(body), "e", "nope")))
	assert.Equal(t, "e e", string(replaceWords([]byte("e e"), "e", "x")), "not JSON: as it is")
}

// clusterAnswer is a recorded GET of cluster c1 (getGroupCluster: versions
// 2023-01-01, 2023-02-01 and 2024-08-05) asked with accept ("" for a
// request not recorded), answered with status and contentType.
func clusterAnswer(t *testing.T, accept string, status int, contentType, body string) *recording.Interaction {
	t.Helper()
	u, err := url.Parse("https://cloud.mongodb.com/api/atlas/v2/groups/b0123456789abcdef012345b/clusters/c1")
	require.NoError(t, err)
	in := &recording.Interaction{File: "clusters.yaml"}
	in.Request = recording.Request{Method: http.MethodGet, URL: u, Header: http.Header{"Accept": {accept}}}
	if accept == "" {
		in.Request.Header, in.Request.NotRecorded = http.Header{}, true
	}
	in.Response = recording.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}, Body: []byte(body)}
	return in
}

// askVersion GETs cluster c1 with version and returns the status, the
// Content-Type and the body.
func askVersion(t *testing.T, srv *httptest.Server, version string) (int, string, string) {
	t.Helper()
	resp, b := mockDo(t, srv, http.MethodGet, "/api/atlas/v2/groups/b0123456789abcdef012345b/clusters/c1", "application/vnd.atlas."+version+"+json")
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func versionMock(t *testing.T, ins ...*recording.Interaction) *httptest.Server {
	t.Helper()
	spec, err := contract.AtlasSpec(true)
	require.NoError(t, err)
	mock := NewMock(spec, MockOptions{})
	for _, in := range ins {
		require.NoError(t, mock.Add(in))
	}
	require.Equal(t, len(ins), mock.Len())
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	return srv
}

// TestMockAnswersPerVersion: an answer is served only to the requests
// whose Accept reaches the version it was recorded for (by its request's
// Accept, or for a request not recorded by its Content-Type); another
// version gets 501 naming the versions recorded.
func TestMockAnswersPerVersion(t *testing.T) {
	t.Parallel()
	const (
		v1 = "application/vnd.atlas.2023-01-01+json"
		v3 = "application/vnd.atlas.2024-08-05+json"
	)
	for _, notRecorded := range []bool{false, true} {
		accept := func(mt string) string {
			if notRecorded {
				return ""
			}
			return mt
		}
		srv := versionMock(t, clusterAnswer(t, accept(v3), 200, v3, `{"name":"c1","v":3}`))
		status, ct, body := askVersion(t, srv, "2024-10-23")
		assert.Equal(t, http.StatusOK, status, "2024-10-23 reaches 2024-08-05")
		assert.Equal(t, v3, ct)
		assert.JSONEq(t, `{"name":"c1","v":3}`, body)
		status, _, body = askVersion(t, srv, "2023-02-01")
		assert.Equal(t, http.StatusNotImplemented, status, "2023-02-01 was never recorded (request recorded: %v)", !notRecorded)
		assert.Contains(t, body, `"errorCode":"CONTRACTCHECK_NO_RECORDING"`)
		assert.Contains(t, body, "without envelope in version 2023-02-01 (recorded: 2024-08-05); record one.")

		srv = versionMock(t,
			clusterAnswer(t, accept(v3), 200, v3, `{"v":3}`),
			clusterAnswer(t, accept(v1), 200, v1, `{"v":1}`),
			clusterAnswer(t, accept(v3), 200, v3, `{"v":3,"again":true}`))
		status, ct, body = askVersion(t, srv, "2023-01-01")
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, v1, ct)
		assert.JSONEq(t, `{"v":1}`, body)
		_, _, body = askVersion(t, srv, "2024-08-05")
		assert.JSONEq(t, `{"v":3}`, body, "each version has its own sequence")
		_, _, body = askVersion(t, srv, "2024-08-05")
		assert.JSONEq(t, `{"v":3,"again":true}`, body)
		status, _, body = askVersion(t, srv, "2023-02-01")
		assert.Equal(t, http.StatusNotImplemented, status)
		assert.Contains(t, body, "(recorded: 2023-01-01, 2024-08-05)")
	}

	// A request not recorded whose answer names no version (an error's
	// application/json) is in the sequence of every version, in recorded
	// order, and answers any version when no answer names one.
	const apiErr = `{"error":401,"errorCode":"UNAUTHORIZED"}`
	srv := versionMock(t,
		clusterAnswer(t, "", 401, "application/json", apiErr),
		clusterAnswer(t, "", 200, v3, `{"v":3}`),
		clusterAnswer(t, "", 401, "application/json", apiErr))
	var seen []int
	for range 3 {
		status, _, _ := askVersion(t, srv, "2024-08-05")
		seen = append(seen, status)
	}
	assert.Equal(t, []int{401, 200, 401}, seen)
	status, _, _ := askVersion(t, srv, "2023-01-01")
	assert.Equal(t, http.StatusNotImplemented, status, "an error alone is no recording of 2023-01-01")
	srv = versionMock(t, clusterAnswer(t, "", 401, "application/json", apiErr))
	for _, v := range []string{"2023-01-01", "2024-08-05"} {
		status, _, body := askVersion(t, srv, v)
		assert.Equal(t, http.StatusUnauthorized, status, v)
		assert.JSONEq(t, apiErr, body)
	}
}

// TestReplaceParamsSwapsOnce: values replaced inside a longer string are
// replaced in one pass, so two recorded values asked for the other way
// round swap, and what was put in is not replaced again.
func TestReplaceParamsSwapsOnce(t *testing.T) {
	t.Parallel()
	const a, b = "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"
	body := []byte(`{"groupId":"` + a + `","hostId":"` + b + `","detail":"project ` + a + ` host ` + b + `"}`)
	got := replaceParams(body, map[string]string{"groupId": a, "hostId": b}, map[string]string{"groupId": b, "hostId": a})
	assert.JSONEq(t, `{"groupId":"`+b+`","hostId":"`+a+`","detail":"project `+b+` host `+a+`"}`, string(got))
	got = replaceParams([]byte(`{"detail":"cluster Cluster0-x"}`), map[string]string{"clusterName": "Cluster0-x", "other": "prod-cluster"},
		map[string]string{"clusterName": "prod-cluster", "other": "elsewhere"})
	assert.JSONEq(t, `{"detail":"cluster prod-cluster"}`, string(got))
}

// TestMockCursorsForUnrecordedIDsAreBounded: a client asking for ever new
// project ids cannot grow the mock: past maxOtherCursors the sequences of
// unrecorded parameters start over, and the recorded project's goes on.
func TestMockCursorsForUnrecordedIDsAreBounded(t *testing.T) {
	t.Parallel()
	spec, err := contract.DefaultSpec()
	require.NoError(t, err)
	ins, err := recording.ReadAllFS(contract.ShippedRecordings(), "recordings", recording.Options{})
	require.NoError(t, err)
	mock := NewMock(spec, MockOptions{})
	for _, in := range ins {
		require.NoError(t, mock.Add(in))
	}
	post := func(group string) int {
		req := httptest.NewRequest(http.MethodPost, "/api/atlas/v2/groups/"+group+"/maintenanceWindow/defer", nil)
		req.Header.Set("Accept", mockMT)
		rec := httptest.NewRecorder()
		mock.ServeHTTP(rec, req)
		return rec.Code
	}
	const recorded = "6a7940722c88faeba59bf917"
	assert.Equal(t, http.StatusOK, post(recorded))
	for i := range maxOtherCursors + 10 {
		assert.Equal(t, http.StatusOK, post(fmt.Sprintf("c0%022x", i))) // no recorded project's id
	}
	post(recorded)
	mock.mu.Lock()
	defer mock.mu.Unlock()
	assert.LessOrEqual(t, len(mock.others), maxOtherCursors)
	assert.Positive(t, len(mock.others))
	require.Len(t, mock.next, 1, "only the recorded project's sequence is a recorded one")
	for _, n := range mock.next {
		assert.Equal(t, 2, n, "the recorded project's sequence went on")
	}
}
