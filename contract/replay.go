package contract

import (
	"bytes"
	"context"
	"encoding/json"
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
// own, if it has any. In replay mode the client's transport is a
// memoryTransport, which answers with the recorded response; in target mode
// it is the network.
type replayer struct {
	client  *atlas.Client
	spec    *Spec
	mount   string
	base    string // the client's server URL, no trailing slash
	maxBody int64
	groupID string           // replaces the recorded project id; target mode only
	memory  *memoryTransport // replay mode only
}

// replayed is what a replayer got for one interaction.
type replayed struct {
	// url is the request URL as sent, below the server: the recorded one,
	// unless the project id was replaced.
	url      *url.URL
	response recording.Response
	// decodeErr is what the generated client's parser said, for a typed call.
	decodeErr error
}

// replayHost is the server the replay client addresses: nothing is dialled,
// the transport answers in memory.
const replayHost = "http://replay.contractcheck.invalid"

func newReplayer(client *atlas.Client, base string, spec *Spec, mount string, maxBody int64, groupID string) *replayer {
	return &replayer{client: client, spec: spec, mount: mount, base: strings.TrimSuffix(base, "/"), maxBody: maxBody, groupID: groupID}
}

// newMemoryReplayer returns the replayer of replay mode: a client without
// credentials over a memoryTransport, with the mount prefix in its server
// URL so that the paths it sends are the recorded ones.
func newMemoryReplayer(spec *Spec, mount string, maxBody int64) (*replayer, error) {
	t := &memoryTransport{}
	client, err := atlas.New(atlas.WithServer(replayHost+mount), atlas.WithTransport(t), atlas.WithTimeout(0))
	if err != nil {
		return nil, err
	}
	r := newReplayer(client, replayHost+mount, spec, mount, maxBody, "")
	r.memory = t
	return r, nil
}

// replayable tells whether an interaction's response can be replayed as
// it was. A truncated or missing body cannot, nor can an informational
// status be a final answer, nor a body the client refuses to read whole
// (over atlas.MaxResponseBody): those are judged as recorded, as offline,
// so both modes give one verdict under one body cap.
func (r *replayer) replayable(in *recording.Interaction) bool {
	resp := &in.Response
	if r.memory == nil {
		return true
	}
	return !resp.BodyTooLarge && !resp.BodyNotRecorded && resp.StatusCode >= 200 && int64(len(resp.Body)) <= atlas.MaxResponseBody
}

// send re-sends one recorded request. A request the generated client can
// express (the operation it was generated for, a valid project id, only
// parameters it types) goes through the client's typed call, which decodes
// the response with the generated parser. Any other request (another
// operation, an invalid project id kept as a negative case, a non-boolean
// envelope) is sent as recorded through the client's Do. The error is an
// operational failure.
func (r *replayer) send(ctx context.Context, in *recording.Interaction) (replayed, error) {
	req := &in.Request
	if req.URL == nil {
		return replayed{}, errors.New("the recorded request has no URL")
	}
	if r.memory != nil {
		r.memory.in = in
		defer func() { r.memory.in = nil }()
	}
	op, params, routed := r.spec.Route(req.Method, req.URL.EscapedPath(), r.mount)
	var out replayed
	var resp *http.Response
	if groupID, typed, ok := r.typedCall(op, params, req); ok {
		rsp, err := r.client.DeferMaintenanceWindowWithResponse(ctx, groupID, typed, forward(req.Header, op))
		if rsp == nil {
			return replayed{}, err
		}
		if err != nil {
			out.decodeErr = errors.New(clientDecodeReason(err))
		}
		resp = rsp.HTTPResponse
		out.response.Body = rsp.Body
	} else {
		hreq, err := r.rawRequest(ctx, req, op, params, routed)
		if err != nil {
			return replayed{}, err
		}
		if resp, err = r.client.Do(hreq); err != nil {
			return replayed{}, err
		}
		defer func() { _ = resp.Body.Close() }() // read whole below
		body, err := io.ReadAll(io.LimitReader(resp.Body, r.maxBody+1))
		if err != nil {
			return replayed{}, fmt.Errorf("reading the response: %w", err)
		}
		out.response.Body = body
	}
	out.url = r.judgedURL(req.URL, params)
	out.response.StatusCode, out.response.Header = resp.StatusCode, resp.Header
	out.response.BodySize = int64(len(out.response.Body))
	if out.response.BodySize > r.maxBody {
		out.response.Body, out.response.BodyTooLarge, out.decodeErr = nil, true, nil
	}
	return out, nil
}

// judgedURL is the URL of the request as sent, for the judgement: the
// recorded one, with the project id replaced in target mode.
func (r *replayer) judgedURL(recorded *url.URL, params map[string]string) *url.URL {
	old := params["groupId"]
	if r.groupID == "" || old == "" {
		return recorded
	}
	u := *recorded
	u.Path = strings.Replace(u.Path, "/groups/"+old+"/", "/groups/"+r.groupID+"/", 1)
	u.RawPath = ""
	return &u
}

// typedCall tells whether the generated client can express the request,
// and with which arguments.
func (r *replayer) typedCall(op *Operation, params map[string]string, req *recording.Request) (groupID string, typed *atlas.DeferMaintenanceWindowParams, ok bool) {
	if op == nil || op.id != atlas.OperationID || op.method != atlas.OperationMethod {
		return "", nil, false
	}
	groupID = params["groupId"]
	if atlas.ValidateGroupID(groupID) != nil {
		return "", nil, false // the client would refuse it: it goes out as recorded, a negative case
	}
	if r.mount+strings.Replace(atlas.OperationPath, "{groupId}", url.PathEscape(groupID), 1) != req.URL.EscapedPath() {
		return "", nil, false // the client would escape the path differently
	}
	typed = &atlas.DeferMaintenanceWindowParams{}
	for k, vs := range req.URL.Query() {
		if k != "envelope" || len(vs) != 1 {
			return "", nil, false
		}
		b, err := strconv.ParseBool(vs[0])
		if err != nil || strconv.FormatBool(b) != vs[0] {
			return "", nil, false
		}
		typed.Envelope = &b
	}
	if r.groupID != "" {
		groupID = r.groupID // target mode: a recorded project id is replaced
	}
	return groupID, typed, true
}

// rawRequest builds a recorded request as it is, below the replayer's
// server, with the headers forward keeps and, when its operation takes
// one, its body.
func (r *replayer) rawRequest(ctx context.Context, req *recording.Request, op *Operation, params map[string]string, routed bool) (*http.Request, error) {
	path := strings.TrimPrefix(req.URL.EscapedPath(), r.mount)
	if routed && r.groupID != "" {
		if old := params["groupId"]; old != "" {
			path = strings.Replace(path, "/groups/"+url.PathEscape(old)+"/", "/groups/"+url.PathEscape(r.groupID)+"/", 1)
		}
	}
	target := r.base + path
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
	if err := forward(req.Header, op)(ctx, hreq); err != nil {
		return nil, err
	}
	return hreq, nil
}

// forward returns a request editor that makes the request carry the
// recorded headers the operation needs, and only those: Accept (removed
// when the recording had none, so a request recorded without one stays
// without one), Content-Type, and the header parameters the operation
// declares. Credentials, method overrides, X-Forwarded-*, X-Original-URL
// and anything else a recording holds never reach a server: the client
// adds its own credentials, if any.
func forward(h http.Header, op *Operation) atlas.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		names := []string{"Accept", "Content-Type"}
		if op != nil {
			names = append(names, op.headerParams...)
		}
		for _, name := range names {
			switch vs := h.Values(name); {
			case len(vs) > 0:
				req.Header[http.CanonicalHeaderKey(name)] = append([]string(nil), vs...)
			case name == "Accept":
				req.Header.Del("Accept")
			}
		}
		return nil
	}
}

// memoryTransport answers the request being replayed with the recorded
// response, in memory: nothing is dialled. A replayer sends one request at
// a time; in holds its interaction for the duration.
type memoryTransport struct {
	in *recording.Interaction
}

// RoundTrip implements http.RoundTripper. A request that is not the
// recorded one (method, escaped path, query in canonical order) is an
// error: the client sent something else than the recording holds.
func (t *memoryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close() // the RoundTripper contract: the request body is closed
	}
	in := t.in
	if in == nil {
		return nil, errors.New("contract: no recorded interaction is being replayed")
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			if !validHeaderValue(v) {
				// What net/http's Transport says before it sends anything.
				return nil, fmt.Errorf("net/http: invalid header field value for %q", k)
			}
		}
	}
	rec := &in.Request
	if req.Method != rec.Method || req.URL.EscapedPath() != rec.URL.EscapedPath() || canonicalQuery(req.URL.RawQuery) != canonicalQuery(rec.URL.RawQuery) {
		return nil, fmt.Errorf("the request sent (%s %s) differs from the recording (%s %s)",
			quote(req.Method), quote(req.URL.RequestURI()), quote(rec.Method), quote(rec.URL.RequestURI()))
	}
	resp := &in.Response
	header := make(http.Header, len(resp.Header))
	for k, vs := range resp.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Transfer-Encoding", "Connection", "Content-Encoding", "Keep-Alive", "Trailer":
			continue // the body is the decoded one, its length known
		}
		header[k] = vs
	}
	var body io.ReadCloser = http.NoBody // as net/http's transport gives an empty body
	if len(resp.Body) > 0 {
		body = io.NopCloser(bytes.NewReader(resp.Body))
	}
	return &http.Response{
		Status:        strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode),
		StatusCode:    resp.StatusCode,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          body,
		ContentLength: int64(len(resp.Body)),
		Request:       req,
	}, nil
}

// canonicalQuery writes a query with its parameters in a canonical order.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return raw
	}
	return v.Encode()
}

// replayCause is what a replay-failed finding says: the cause, without the
// URL a *url.Error repeats (the replay server's, or the target's).
func replayCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return firstLine(err.Error())
}

// clientDecodeReason says why the generated client could not decode a
// response, without quoting the value (strconv and encoding/json errors
// would).
func clientDecodeReason(err error) string {
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	var ne *strconv.NumError
	switch {
	case errors.As(err, &ute):
		kind, _, _ := strings.Cut(ute.Value, " ") // "number 400.0": keep the kind, drop the value
		return fmt.Sprintf("a JSON %s cannot be decoded into the Go field %s.%s of type %s", kind, ute.Struct, ute.Field, ute.Type)
	case errors.As(err, &se):
		return fmt.Sprintf("the body is not valid JSON (byte %d)", se.Offset)
	case errors.As(err, &ne):
		return fmt.Sprintf("a declared response header is not a valid %s value (%s)", strings.TrimPrefix(ne.Func, "Parse"), ne.Err)
	}
	return firstLine(err.Error())
}

// validHeaderValue tells whether a header value is one net/http sends: no
// control character but horizontal tab (RFC 9110, section 5.5).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
