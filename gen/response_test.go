package atlas

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckResponseDecodesOnce checks that CheckResponse takes the ApiError
// the generated parser decoded instead of decoding the body again, and
// decodes it itself only where the parser's value is not the one-line
// call's: an enveloped answer, a body past MaxErrorBody, a JSON object that
// is no ApiError.
func TestCheckResponseDecodesOnce(t *testing.T) {
	t.Parallel()
	const body400 = `{"detail":"Not scheduled.","error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","reason":"Bad Request"}`
	var body string
	f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 400, body) })

	body = body400
	c := newTestClient(t, f)
	rsp, err := c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	require.NotNil(t, rsp.JSON400)
	var e *Error
	require.ErrorAs(t, CheckResponse(rsp), &e)
	assert.Same(t, rsp.JSON400, e.APIError, "the parser's ApiError, not a second decoding")

	body = `{"unrelated":true}` // JSON, but neither error nor errorCode: no ApiError, as in the one-line call
	rsp, err = c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	require.NotNil(t, rsp.JSON400)
	require.ErrorAs(t, CheckResponse(rsp), &e)
	assert.Nil(t, e.APIError)
	assert.Equal(t, c.DeferMaintenanceWindow(t.Context(), testGroupID), CheckResponse(rsp))

	body = `{"status":400,"content":` + body400 + `}`
	enveloped := newTestClient(t, f, WithEnvelope(true))
	rsp, err = enveloped.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	require.ErrorAs(t, CheckResponse(rsp), &e)
	require.NotNil(t, e.APIError)
	assert.Equal(t, CodeMaintenanceNotScheduled, e.APIError.ErrorCode, "the envelope's content, decoded")

	body = `{"error":400,"errorCode":"X","detail":"` + strings.Repeat("x", MaxErrorBody) + `"}`
	rsp, err = c.DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
	require.NoError(t, err)
	require.NotNil(t, rsp.JSON400, "the parser read the whole body")
	require.ErrorAs(t, CheckResponse(rsp), &e)
	assert.True(t, e.Truncated)
	assert.Nil(t, e.APIError, "cut at MaxErrorBody, as the one-line call reads it")
}

// TestTypedAPIErrorCoversEveryStatus checks that typedAPIError knows every
// JSONnnn field of the generated response type, so a status the fragment
// gains is not decoded twice by CheckResponse.
func TestTypedAPIErrorCoversEveryStatus(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[DeferMaintenanceWindowResponse]()
	n := 0
	for field := range typ.Fields() {
		code, ok := strings.CutPrefix(field.Name, "JSON")
		if !ok {
			continue
		}
		status, err := strconv.Atoi(code)
		require.NoError(t, err, field.Name)
		n++
		rsp := &DeferMaintenanceWindowResponse{HTTPResponse: &http.Response{StatusCode: status}}
		a := &APIError{ErrorCode: "X"}
		reflect.ValueOf(rsp).Elem().FieldByIndex(field.Index).Set(reflect.ValueOf(a))
		assert.Same(t, a, typedAPIError(rsp), "status %d", status)
	}
	assert.Positive(t, n)
}

// TestUndecodableAnswerKeepsItsBody checks that a declared error status
// whose JSON body the generated parser cannot decode comes back with the
// error and the response, its Body the bytes sent, whether the length was
// declared or not; and that a decoded body is the bytes sent as well.
func TestUndecodableAnswerKeepsItsBody(t *testing.T) {
	t.Parallel()
	const broken = `{"error":400,"errorCode":`
	const whole = `{"error":400,"errorCode":"ATLAS_MAINTENANCE_NOT_SCHEDULED","detail":"Nothing to defer."}`
	for _, declared := range []bool{true, false} {
		for _, body := range []string{broken, whole} {
			f := newFakeAtlas(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if declared {
					w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				}
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(body))
			})
			rsp, err := newTestClient(t, f).DeferMaintenanceWindowWithResponse(t.Context(), testGroupID, nil)
			require.NotNil(t, rsp, "length declared: %t", declared)
			assert.Equal(t, body, string(rsp.Body), "length declared: %t", declared)
			require.NotNil(t, rsp.HTTPResponse)
			assert.Equal(t, http.StatusBadRequest, rsp.StatusCode())
			if body == broken {
				require.ErrorContains(t, err, "decoding the 400 answer")
				continue
			}
			require.NoError(t, err)
			require.NotNil(t, rsp.JSON400)
			assert.Equal(t, CodeMaintenanceNotScheduled, rsp.JSON400.ErrorCode)
		}
	}
}
