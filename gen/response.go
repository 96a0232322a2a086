package atlas

import (
	"errors"
	"strconv"
)

// CheckResponse turns a response of the generated
// DeferGroupMaintenanceWindowWithResponse into what DeferMaintenanceWindow
// returns: nil on success, else the same *Error (an enveloped answer, when
// the request asked for envelope=true, is unwrapped first).
func CheckResponse(rsp *DeferGroupMaintenanceWindowResponse) error {
	if rsp == nil || rsp.HTTPResponse == nil {
		return errors.New("atlas: CheckResponse: the response holds no HTTP response")
	}
	hr := rsp.HTTPResponse
	method, path, enveloped := OperationMethod, OperationPath, false
	if req := hr.Request; req != nil && req.URL != nil {
		method, path = req.Method, req.URL.Path
		enveloped, _ = strconv.ParseBool(req.URL.Query().Get("envelope"))
	}
	body, truncated := rsp.Body, false
	if len(body) > MaxErrorBody {
		body, truncated = body[:MaxErrorBody], true
	}
	return classify(method, path, hr.StatusCode, hr.Header, append([]byte(nil), body...), truncated, enveloped)
}
