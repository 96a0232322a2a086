package atlas

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var envelopeReasons = []error{
	errEnvelopeEmpty, errEnvelopeNotJSON, errEnvelopeNotObject, errEnvelopeNoStatus,
	errEnvelopeStatusNotNumber, errEnvelopeStatusNotInteger, errEnvelopeStatusOutOfRange,
}

// TestParseEnvelope checks what ParseEnvelope accepts and the precise reason
// it gives for what it refuses.
func TestParseEnvelope(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		body    string
		want    EnvelopeBody
		wantErr error
	}{
		{name: "valid", body: `{"status":400,"content":{"error":400}}`, want: EnvelopeBody{Status: 400, Content: json.RawMessage(`{"error":400}`)}},
		{name: "valid with white space", body: " \n{ \"content\" : [1] , \"status\" : 200 }\n", want: EnvelopeBody{Status: 200, Content: json.RawMessage(`[1]`)}},
		{name: "content absent", body: `{"status":200}`, want: EnvelopeBody{Status: 200}},
		{name: "content null", body: `{"status":204,"content":null}`, want: EnvelopeBody{Status: 204, Content: json.RawMessage(`null`)}},
		{name: "list response with extra members", body: `{"status":200,"results":[],"totalCount":0}`, want: EnvelopeBody{Status: 200}},
		{name: "empty", body: ``, wantErr: errEnvelopeEmpty},
		{name: "only white space", body: "  \n", wantErr: errEnvelopeNotJSON},
		{name: "not JSON", body: `<html>`, wantErr: errEnvelopeNotJSON},
		{name: "truncated object", body: `{"status":200,"content":{`, wantErr: errEnvelopeNotJSON},
		{name: "trailing data", body: `{"status":200} {}`, wantErr: errEnvelopeNotJSON},
		{name: "array", body: `[{"status":200}]`, wantErr: errEnvelopeNotObject},
		{name: "null", body: `null`, wantErr: errEnvelopeNotObject},
		{name: "number", body: `200`, wantErr: errEnvelopeNotObject},
		{name: "missing status", body: `{"content":{}}`, wantErr: errEnvelopeNoStatus},
		{name: "status in another case", body: `{"Status":200}`, wantErr: errEnvelopeNoStatus},
		{name: "status a string", body: `{"status":"200"}`, wantErr: errEnvelopeStatusNotNumber},
		{name: "status null", body: `{"status":null}`, wantErr: errEnvelopeStatusNotNumber},
		{name: "status a bool", body: `{"status":true}`, wantErr: errEnvelopeStatusNotNumber},
		{name: "status an object", body: `{"status":{"code":200}}`, wantErr: errEnvelopeStatusNotNumber},
		{name: "status a float", body: `{"status":200.5}`, wantErr: errEnvelopeStatusNotInteger},
		{name: "status integral float", body: `{"status":200.0}`, wantErr: errEnvelopeStatusNotInteger},
		{name: "status exponent", body: `{"status":2e2}`, wantErr: errEnvelopeStatusNotInteger},
		{name: "status 99", body: `{"status":99}`, wantErr: errEnvelopeStatusOutOfRange},
		{name: "status 600", body: `{"status":600}`, wantErr: errEnvelopeStatusOutOfRange},
		{name: "status negative", body: `{"status":-400}`, wantErr: errEnvelopeStatusOutOfRange},
		{name: "status huge", body: `{"status":99999999999999999999999}`, wantErr: errEnvelopeStatusOutOfRange},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseEnvelope([]byte(tc.body))
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Equal(t, EnvelopeBody{}, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// FuzzParseEnvelope checks that ParseEnvelope never panics, accepts only
// objects with a status in range, and never puts the input in its error.
func FuzzParseEnvelope(f *testing.F) {
	for _, s := range []string{`{"status":200,"content":{}}`, `{"status":"x"}`, `[]`, ``, `{"status":1e2}`, `{"status":600}`, `{"status":429,"content":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := ParseEnvelope(body)
		if err != nil {
			known := false
			for _, r := range envelopeReasons {
				known = known || err == r
			}
			if !known {
				t.Fatalf("ParseEnvelope returned an error that is not one of the fixed reasons: %v", err)
			}
			if err == errEnvelopeNotJSON && json.Valid(body) {
				t.Fatalf("valid JSON (for encoding/json) called not JSON: %q", body)
			}
			return
		}
		if env.Status < 100 || env.Status > 599 {
			t.Fatalf("status %d accepted", env.Status)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil || obj == nil {
			t.Fatalf("accepted a body that is not a JSON object: %q", body)
		}
		if string(obj["status"]) != strconv.Itoa(env.Status) {
			t.Fatalf("status member %q read as %d", obj["status"], env.Status)
		}
	})
}

// TestEnvelopeSameError checks that the one-line call gives the same result
// with and without envelope=true, whether Atlas answers the envelope with
// transport status 200 or with the status itself.
func TestEnvelopeSameError(t *testing.T) {
	t.Parallel()
	bodies := map[int]string{
		400: `{"detail":"Not scheduled.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","reason":"Bad Request"}`,
		404: `{"error":404,"errorCode":"RESOURCE_NOT_FOUND","reason":"Not Found"}`,
		429: `{"error":429,"errorCode":"RATE_LIMITED","parameters":["x",1],"reason":"Too Many Requests"}`,
		500: `{"error":500,"errorCode":"UNEXPECTED_ERROR","reason":"Internal Server Error"}`,
	}
	for status, body := range bodies {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			enveloped := `{"status":` + strconv.Itoa(status) + `,"content":` + body + `}`
			answer := func(transportStatus int, body string) *fakeAtlas {
				return newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Retry-After", "7")
					writeJSON(w, transportStatus, body)
				})
			}
			plain := answer(status, body)
			want := newTestClient(t, plain).DeferMaintenanceWindow(t.Context(), testGroupID)
			var e *Error
			require.ErrorAs(t, want, &e)
			assert.Equal(t, status, e.StatusCode)
			assert.Equal(t, []byte(body), e.Body)

			for mode, f := range map[string]*fakeAtlas{
				"transport 200":    answer(200, enveloped),
				"transport status": answer(status, enveloped),
			} {
				got := newTestClient(t, f, WithEnvelope(true)).DeferMaintenanceWindow(t.Context(), testGroupID)
				assert.Equal(t, want, got, mode)
				assert.Equal(t, want.Error(), got.Error(), mode)
				require.Len(t, f.requests(), 1)
				assert.Equal(t, "envelope=true", f.requests()[0].RawQuery, mode)
			}
		})
	}
}

// TestEnvelopeSuccessAndMismatch checks the success forms of an enveloped
// answer and the answers that contradict or break the envelope.
func TestEnvelopeSuccessAndMismatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		status     int
		body       string
		wantStatus int   // 0: success
		wantReason error // an *EnvelopeError
	}{
		{name: "empty 200", status: 200, body: ""},
		{name: "envelope 200", status: 200, body: `{"status":200,"content":{}}`},
		{name: "envelope 200 without content", status: 200, body: `{"status":200}`},
		{name: "envelope 204 in a 200", status: 200, body: `{"status":204,"content":null}`},
		{name: "200 that is no envelope", status: 200, body: `[]`, wantReason: errEnvelopeNotObject},
		{name: "200 with a bad status", status: 200, body: `{"status":"400"}`, wantReason: errEnvelopeStatusNotNumber},
		{name: "envelope 200 in a 500", status: 500, body: `{"status":200,"content":{}}`, wantStatus: 500},
		{name: "proxy page instead of an envelope", status: 502, body: nginx502, wantStatus: 502},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
				if tc.body == "" {
					atlasOK(w)
					return
				}
				writeJSON(w, tc.status, tc.body)
			})
			c := newTestClient(t, f, WithEnvelope(true))
			err := c.DeferMaintenanceWindow(t.Context(), testGroupID)
			require.Len(t, f.requests(), 1)
			assert.Equal(t, "envelope=true", f.requests()[0].RawQuery)
			switch {
			case tc.wantReason != nil:
				var ee *EnvelopeError
				require.ErrorAs(t, err, &ee)
				require.ErrorIs(t, err, tc.wantReason)
				assert.Equal(t, "POST "+testOpPath+": 200 answer to an envelope=true request, but "+tc.wantReason.Error(), err.Error())
			case tc.wantStatus != 0:
				var e *Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.wantStatus, e.StatusCode)
			default:
				require.NoError(t, err)
			}
		})
	}
	assert.False(t, errors.Is(nil, errEnvelopeEmpty))
}

// TestEnvelopeTypedResponse checks the typed response of an enveloped
// answer, with the recorded bodies of defer-envelope.yaml, with transport
// status 200 (as Atlas sent them) or the status itself: the ApiError field
// of the status the envelope names holds the content's ApiError, the
// declared headers are those of that status, Body is the raw envelope,
// StatusCode() the transport's, and CheckResponse gives the *Error of the
// one-line call.
func TestEnvelopeTypedResponse(t *testing.T) {
	t.Parallel()
	const notScheduled = `{"detail":"No maintenance is scheduled for the project, so there is nothing to defer.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","parameters":["6a7940722c88faeba59bf917"],"reason":"Bad Request"}`
	const rateLimited = `{"detail":"You have exceeded the rate limit of 10 requests per 60 seconds for this endpoint; retry after 5 seconds.","error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","parameters":["api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer",55,10,5,60],"reason":"Too Many Requests"}`
	typed := func(rsp *DeferMaintenanceWindowResponse) map[int]*APIError {
		all := map[int]*APIError{400: rsp.JSON400, 401: rsp.JSON401, 403: rsp.JSON403, 404: rsp.JSON404, 406: rsp.JSON406, 410: rsp.JSON410, 429: rsp.JSON429, 500: rsp.JSON500}
		for k, v := range all {
			if v == nil {
				delete(all, k)
			}
		}
		return all
	}
	for _, tc := range []struct {
		name      string
		status    int // the envelope's
		content   string
		wantCode  string // "": no ApiError
		transport []int
	}{
		{name: "400", status: 400, content: notScheduled, wantCode: "ATLAS_MAINTENANCE_NOT_SCHEDULED", transport: []int{200, 400}},
		{name: "429", status: 429, content: rateLimited, wantCode: "RATE_LIMITED_TOKEN_BUCKET", transport: []int{200, 429}},
		{name: "500 without an ApiError", status: 500, content: `{}`, transport: []int{200, 500}},
		{name: "404 without content", status: 404, content: "", transport: []int{200, 404}},
	} {
		for _, transport := range tc.transport {
			t.Run(tc.name+" in a "+strconv.Itoa(transport), func(t *testing.T) {
				t.Parallel()
				body := `{"content":` + tc.content + `,"status":` + strconv.Itoa(tc.status) + `}`
				if tc.content == "" {
					body = `{"status":` + strconv.Itoa(tc.status) + `}`
				}
				f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Retry-After", "5")
					w.Header().Set("RateLimit-Limit", "1200")
					w.Header().Set("RateLimit-Remaining", "0")
					writeJSON(w, transport, body)
				})
				c := newTestClient(t, f, WithEnvelope(true))
				rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
				require.NoError(t, err)
				assert.Equal(t, transport, rsp.StatusCode(), "the transport's status")
				assert.Equal(t, body, string(rsp.Body), "the raw body, as received")
				got := typed(rsp)
				if tc.wantCode == "" {
					assert.Empty(t, got, "no ApiError in the envelope: no typed one")
				} else {
					require.Len(t, got, 1)
					require.NotNil(t, got[tc.status], "the field of the envelope's status")
					assert.Equal(t, tc.wantCode, got[tc.status].ErrorCode)
					assert.EqualValues(t, tc.status, got[tc.status].Error)
				}
				if tc.status == 429 {
					require.NotNil(t, rsp.Headers429, "the declared headers of the envelope's status")
					require.NotNil(t, rsp.Headers429.RetryAfter)
					assert.Equal(t, 5, *rsp.Headers429.RetryAfter)
				}
				assert.Nil(t, rsp.Headers200, "no success")

				err = CheckResponse(rsp)
				var e *Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.status, e.StatusCode)
				if tc.wantCode != "" {
					assert.Equal(t, got[tc.status], e.APIError)
				}
				want := newTestClient(t, f, WithEnvelope(true)).DeferMaintenanceWindow(t.Context(), testGroupID)
				assert.Equal(t, want.Error(), err.Error(), "CheckResponse gives the one-line call's error")
			})
		}
	}

	// The enveloped success: Atlas's recorded 200 (defer-envelope.yaml,
	// interaction 0), typed as a success.
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.atlas.2023-01-01+json;charset=utf-8")
		w.Header().Set("RateLimit-Limit", "1200")
		w.Header().Set("RateLimit-Remaining", "1170")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"content":{},"status":200}`))
	})
	rsp, err := newTestClient(t, f, WithEnvelope(true)).DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	assert.Empty(t, typed(rsp))
	require.NotNil(t, rsp.Headers200)
	require.NotNil(t, rsp.Headers200.RateLimitRemaining)
	assert.Equal(t, 1170, *rsp.Headers200.RateLimitRemaining)
	assert.NoError(t, CheckResponse(rsp))
}
