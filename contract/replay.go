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

// replayer re-sends recorded requests through an atlas.Client: the
// operation's requests through its typed call, anything else as recorded
// through its Do. It never sends a recorded credential: the client adds its
// own, if it has any.
type replayer struct {
	client  *atlas.Client
	base    *url.URL
	maxBody int64
	groupID string
}

func newReplayer(client *atlas.Client, server string, maxBody int64, groupID string) (*replayer, error) {
	base, err := url.Parse(strings.TrimSuffix(server, "/"))
	if err != nil {
		return nil, fmt.Errorf("replay target %q: %w", server, err)
	}
	return &replayer{client: client, base: base, maxBody: maxBody, groupID: groupID}, nil
}

// send re-sends one recorded request. A request the generated client can
// express (the operation it was generated for, a valid project id, only
// parameters it types) goes through the client's typed call, which decodes
// the response with the generated parser: decodeErr is what that parser
// says. Any other request (an unknown path, an invalid project id kept as a
// negative case, a non-boolean envelope, an undeclared query parameter) is
// sent as recorded through the client's Do, without a body unless its
// operation declares one. err is an operational failure.
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
	var body []byte
	if typed {
		if r.groupID != "" {
			groupID = r.groupID // a recorded project id is replaced
		}
		rsp, err := r.client.DeferMaintenanceWindowWithResponse(ctx, groupID, params, copyHeaders(req.Header))
		if rsp == nil {
			return nil, got, nil, err
		}
		if err != nil {
			decodeErr = errors.New(clientDecodeReason(err))
		}
		resp, body = rsp.HTTPResponse, rsp.Body
	} else {
		if resp, err = r.sendRaw(ctx, spec, mount, req); err != nil {
			return nil, got, nil, err
		}
		defer func() { _ = resp.Body.Close() }() // the body is read whole below
	}
	sent = req.URL
	if resp.Request != nil && resp.Request.URL != nil {
		u := *req.URL
		u.Path, u.RawPath = strings.TrimPrefix(resp.Request.URL.Path, r.base.Path), ""
		u.RawQuery = resp.Request.URL.RawQuery
		sent = &u
	}
	if resp.Header.Get(replayMissHeader) != "" {
		return nil, got, nil, fmt.Errorf("the replay server has no recorded answer for %s %s: the request sent differs from the recording", req.Method, req.URL.EscapedPath())
	}
	if !typed {
		// A body over the client's own cap (atlas.MaxResponseBody) fails here.
		if body, err = io.ReadAll(io.LimitReader(resp.Body, r.maxBody+1)); err != nil {
			return nil, got, nil, fmt.Errorf("reading the response: %w", err)
		}
	}
	got = recording.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body, BodySize: int64(len(body))}
	if int64(len(body)) > r.maxBody {
		got.Body, got.BodyTooLarge = nil, true
		return sent, got, nil, nil
	}
	return sent, got, decodeErr, nil
}

// typedCall tells whether the generated client can express the request,
// and with which arguments.
func (r *replayer) typedCall(spec *Spec, mount string, req *recording.Request) (groupID string, params *atlas.DeferMaintenanceWindowParams, ok bool) {
	op, pathParams, found := spec.Route(req.Method, req.URL.EscapedPath(), mount)
	if !found || op.id != atlas.OperationID || op.method != atlas.OperationMethod || mount != "" {
		return "", nil, false
	}
	groupID = pathParams["groupId"]
	if atlas.ValidateGroupID(groupID) != nil {
		return "", nil, false // the client would refuse it; it goes out as recorded, a negative case
	}
	if atlasPath(groupID) != req.URL.EscapedPath() {
		return "", nil, false // the client would escape the path differently
	}
	q := req.URL.Query()
	params = &atlas.DeferMaintenanceWindowParams{}
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
	op, params, routed := spec.Route(req.Method, path, mount)
	if routed && r.groupID != "" && atlas.ValidateGroupID(params["groupId"]) == nil {
		path = strings.Replace(path, "/groups/"+url.PathEscape(params["groupId"])+"/", "/groups/"+url.PathEscape(r.groupID)+"/", 1)
	}
	target := r.base.String() + path
	if req.URL.RawQuery != "" {
		target += "?" + req.URL.RawQuery
	}
	var body io.Reader
	if routed && op.route.Operation.RequestBody != nil && len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, target, body)
	if err != nil {
		return nil, err
	}
	if err := copyHeaders(req.Header)(ctx, hreq); err != nil {
		return nil, err
	}
	return r.client.Do(hreq)
}

// copyHeaders returns a request editor that makes the request's headers the
// recorded ones: it sets each recorded header, except those the transport
// owns, credentials (recordings are redacted; a target's client adds its
// own) and method overrides, and removes an Accept the recording did not
// have, so a request recorded without one stays without one.
func copyHeaders(h map[string][]string) atlas.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		if len(http.Header(h).Values("Accept")) == 0 {
			req.Header.Del("Accept")
		}
		for k, vs := range h {
			switch http.CanonicalHeaderKey(k) {
			case "Host", "Content-Length", "Transfer-Encoding", "Connection", "Accept-Encoding",
				"Authorization", "Proxy-Authorization", "Cookie", "Keep-Alive", "Te", "Trailer", "Upgrade",
				"X-Http-Method-Override", "X-Http-Method", "X-Method-Override":
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
