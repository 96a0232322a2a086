package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
)

// replayer re-sends recorded requests through the generated client.
type replayer struct {
	api     *atlas.ClientWithResponses
	doer    atlas.HttpRequestDoer
	base    *url.URL
	maxBody int64
	groupID string
}

func newReplayer(api *atlas.ClientWithResponses, maxBody int64, groupID string) *replayer {
	raw := api.ClientInterface.(*atlas.RawClient)
	base, _ := url.Parse(strings.TrimSuffix(raw.Server, "/"))
	return &replayer{api: api, doer: raw.Client, base: base, maxBody: maxBody, groupID: groupID}
}

// send re-sends one recorded request. A request the generated client can
// express (the operation it was generated for, with only parameters it
// types) goes through its DeferGroupMaintenanceWindow method, and the
// response is then decoded by its parser: decodeErr is what that parser
// says. Any other request (an unknown path, a non-boolean envelope, an
// undeclared query parameter) is sent as recorded through the same HTTP
// client. err is an operational failure.
//
// sent is the URL the request went to, below the server (the recorded one,
// unless the project id was replaced).
func (r *replayer) send(ctx context.Context, spec *Spec, mount string, in *recording.Interaction) (sent *url.URL, got recording.Response, decodeErr error, err error) {
	req := &in.Request
	if req.URL == nil {
		return nil, got, nil, errors.New("the recorded request has no URL")
	}
	groupID, params, typed := r.typedCall(spec, mount, req)
	var resp *http.Response
	if typed {
		if r.groupID != "" && atlas.ValidateGroupID(groupID) == nil {
			// A recorded project id is replaced; a deliberately invalid one
			// stays, so a negative case stays negative.
			groupID = r.groupID
		}
		resp, err = r.api.DeferGroupMaintenanceWindow(ctx, groupID, params, copyHeaders(req.Header))
	} else {
		resp, err = r.sendRaw(ctx, spec, mount, req)
	}
	if err != nil {
		return nil, got, nil, err
	}
	defer resp.Body.Close()
	sent = req.URL
	if resp.Request != nil && resp.Request.URL != nil {
		u := *req.URL
		u.Path, u.RawPath = strings.TrimPrefix(resp.Request.URL.Path, r.base.Path), ""
		u.RawQuery = resp.Request.URL.RawQuery
		sent = &u
	}
	if resp.Header.Get(replayMissHeader) != "" {
		return nil, got, nil, fmt.Errorf("the replay server has no recorded answer for %s %s: the request sent differs from the recording", req.Method, req.URL.RequestURI())
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.maxBody+1))
	if err != nil {
		return nil, got, nil, fmt.Errorf("reading the response: %w", err)
	}
	got = recording.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body, BodySize: int64(len(body))}
	if int64(len(body)) > r.maxBody {
		got.Body, got.BodyTooLarge = nil, true
		return sent, got, nil, nil
	}
	if typed {
		_, decodeErr = atlas.ParseDeferGroupMaintenanceWindowResponse(&http.Response{
			StatusCode: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
		})
		if decodeErr != nil {
			decodeErr = errors.New(clientDecodeReason(decodeErr))
		}
	}
	return sent, got, decodeErr, nil
}

// typedCall tells whether the generated client can express the request,
// and with which arguments.
func (r *replayer) typedCall(spec *Spec, mount string, req *recording.Request) (groupID string, params *atlas.DeferGroupMaintenanceWindowParams, ok bool) {
	op, pathParams, found := spec.Route(req.Method, req.URL.EscapedPath(), mount)
	if !found || op.ID != atlas.OperationID || op.Method != atlas.OperationMethod || mount != "" {
		return "", nil, false
	}
	groupID = pathParams["groupId"]
	if atlasPath(groupID) != req.URL.EscapedPath() {
		return "", nil, false // the client would escape the path differently
	}
	q := req.URL.Query()
	params = &atlas.DeferGroupMaintenanceWindowParams{}
	for k, vs := range q {
		if k != "envelope" || len(vs) != 1 {
			return "", nil, false
		}
		b, err := strconv.ParseBool(vs[0])
		if err != nil || strconv.FormatBool(b) != vs[0] {
			return "", nil, false
		}
		params.Envelope = &b
	}
	return groupID, params, true
}

func atlasPath(groupID string) string {
	return strings.Replace(atlas.OperationPath, "{groupId}", url.PathEscape(groupID), 1)
}

// sendRaw sends a recorded request as it is, below the replayer's base URL.
func (r *replayer) sendRaw(ctx context.Context, spec *Spec, mount string, req *recording.Request) (*http.Response, error) {
	path := req.URL.EscapedPath()
	if r.groupID != "" {
		if _, params, ok := spec.Route(req.Method, path, mount); ok && atlas.ValidateGroupID(params["groupId"]) == nil {
			path = strings.Replace(path, "/groups/"+url.PathEscape(params["groupId"])+"/", "/groups/"+url.PathEscape(r.groupID)+"/", 1)
		}
	}
	target := r.base.String() + path
	if req.URL.RawQuery != "" {
		target += "?" + req.URL.RawQuery
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, target, bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	if err := copyHeaders(req.Header)(ctx, hreq); err != nil {
		return nil, err
	}
	return r.doer.Do(hreq)
}

// copyHeaders returns a request editor that sets the recorded request
// headers, except those the transport owns and credentials (recordings are
// redacted; a target's client adds its own).
func copyHeaders(h map[string][]string) atlas.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		for k, vs := range h {
			switch http.CanonicalHeaderKey(k) {
			case "Host", "Content-Length", "Transfer-Encoding", "Connection", "Accept-Encoding",
				"Authorization", "Proxy-Authorization", "Cookie", "Keep-Alive", "Te", "Trailer", "Upgrade":
				continue
			}
			req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
		return nil
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
