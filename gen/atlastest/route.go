package atlastest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/atlaswire"
)

// The operation's path around its one parameter, the groupId, and its
// versions, from the constants generated from the fragment.
var (
	opPathPrefix, opPathSuffix = splitTemplate(atlas.OperationPath)
	// mediaType is the versioned media type of the operation's success.
	mediaType = atlas.MediaType
	// firstVersion is the operation's only version (the fragment declares
	// one, 2023-01-01): an Accept dated on or after it reaches it, as Atlas
	// picks the newest version on or before the date.
	firstVersion = successMediaType.Version
	// offer is what the operation serves: dated versions in its success's
	// format (JSON), no preview. The Accept is resolved against it as the
	// judge resolves it (atlaswire.Offer.PickAccept).
	offer = atlaswire.Offer{Dated: []string{successMediaType.Format}}

	successMediaType, _ = atlaswire.ParseMediaType(atlas.MediaType)
)

// splitTemplate splits a path template with one parameter into what
// precedes and what follows it. A template with another shape gives a
// prefix no request path has, so nothing routes to the operation (and
// every test of the fake fails).
func splitTemplate(t string) (prefix, suffix string) {
	i, j := strings.IndexByte(t, '{'), strings.IndexByte(t, '}')
	if i < 0 || j < i || strings.IndexByte(t[j+1:], '{') >= 0 {
		return "\x00unroutable", ""
	}
	return t[:i], t[j+1:]
}

// callKind is what a request is to the fake.
type callKind int

const (
	callUnknown   callKind = iota // no resource of the fake
	callOperation                 // the defer operation
	callToken                     // the OAuth 2.0 token endpoint
	callRevoke                    // the OAuth 2.0 revocation endpoint
)

// call is one request as the fake reads it: routed below the mount, and
// what Atlas checks of it, as data.
type call struct {
	r    *http.Request
	kind callKind
	// path is the escaped path below the mount prefix.
	path string
	// groupID is the path parameter, unescaped; groupIDOK says whether it
	// matches atlas.GroupIDPattern.
	groupID   string
	groupIDOK bool
	// versionOK says whether the first versioned media type of the Accept
	// header that the operation offers is dated on or after its first
	// version.
	versionOK bool
	// enveloped is envelope=true; envelopeBad is an envelope parameter that
	// is not a boolean.
	enveloped, envelopeBad bool
}

// route reads a request.
func (f *Fake) route(r *http.Request) *call {
	c := &call{r: r, path: r.URL.EscapedPath()}
	path, ok := strings.CutPrefix(c.path, f.mount)
	if !ok || (path != "" && path[0] != '/') {
		return c
	}
	c.path = path
	switch {
	case r.Method == http.MethodPost && path == atlas.TokenPath:
		c.kind = callToken
		return c
	case r.Method == http.MethodPost && path == revokePath:
		c.kind = callRevoke
		return c
	case r.Method != atlas.OperationMethod:
		return c
	}
	seg, ok := strings.CutPrefix(path, opPathPrefix)
	if !ok {
		return c
	}
	seg, ok = strings.CutSuffix(seg, opPathSuffix)
	if !ok || seg == "" || strings.Contains(seg, "/") {
		return c
	}
	id, err := url.PathUnescape(seg)
	if err != nil {
		return c
	}
	c.kind, c.groupID = callOperation, id
	c.groupIDOK = atlas.ValidateGroupID(id) == nil
	asked, _, ok := offer.PickAccept(r.Header.Get("Accept"))
	c.versionOK = ok && asked.Version >= firstVersion
	if vs, ok := r.URL.Query()["envelope"]; ok {
		b, err := strconv.ParseBool(vs[0])
		c.enveloped, c.envelopeBad = err == nil && b, err != nil
	}
	return c
}
