// Package atlaswire holds Atlas's answers as they travel on the wire, for the
// servers of this module that answer as Atlas does: the fake in gen/atlastest
// and the recordings mock of contractcheck serve. It holds only what both
// need: the ApiError body, the refusals Atlas gives before an operation runs
// (404 INVALID_GROUP_ID, 406 INVALID_VERSION_DATE, 410 VERSION_GONE), the
// envelope, the Digest challenge and the versioned media type.
//
// Where each answer comes from is said beside it. The shipped recordings
// are in contract/recordings; the wire captures in the upstream material
// are the Atlas CLI's end-to-end recordings of the sibling
// maintenance-window operations.
package atlaswire

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Answer is one HTTP answer, written as it is by WriteResponse.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// hopByHop are the headers an answer never copies onto the wire: net/http
// frames the body itself (Content-Length, Transfer-Encoding), the
// connection's own headers belong to one hop, and a body is never sent
// encoded.
var hopByHop = map[string]bool{
	"Connection": true, "Content-Encoding": true, "Content-Length": true, "Keep-Alive": true,
	"Proxy-Connection": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// WriteResponse writes the answer as it is: its status, its headers but the
// hop-by-hop ones and Content-Encoding, a Content-Length, and its body. An
// answer without Content-Type gets none (net/http would otherwise sniff one
// from the body), as Atlas's empty 200 has none.
func (a *Answer) WriteResponse(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range a.Header {
		k = http.CanonicalHeaderKey(k)
		if hopByHop[k] {
			continue
		}
		h[k] = append([]string(nil), vs...)
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // net/http's documented way to send none
	}
	h.Set("Content-Length", strconv.Itoa(len(a.Body)))
	w.WriteHeader(a.Status)
	// A client that went away cannot be told; the server goes on.
	_, _ = w.Write(a.Body)
}

// Error is an ApiError answer in Atlas's shape: Content-Type
// application/json and the members error (the status), errorCode, detail,
// parameters (never null: [] when there are none) and reason (the status
// text), as every error of the shipped recordings has them. Atlas puts
// strings and numbers in parameters (the 429 of defer-errors.yaml).
func Error(status int, code, detail string, params []any) *Answer {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(apiError{Detail: detail, Error: status, ErrorCode: code, Parameters: params, Reason: http.StatusText(status)})
	if err != nil {
		// Only a parameter that JSON cannot hold fails; none of the callers
		// passes one. Keep the error's shape without them.
		body, _ = json.Marshal(apiError{Detail: detail, Error: status, ErrorCode: code, Parameters: []any{}, Reason: http.StatusText(status)})
	}
	return &Answer{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
}

// apiError is the ApiError body, its members in the order Atlas sends them
// (alphabetical, as in the shipped recordings).
type apiError struct {
	Detail     string `json:"detail"`
	Error      int    `json:"error"`
	ErrorCode  string `json:"errorCode"`
	Parameters []any  `json:"parameters"`
	Reason     string `json:"reason"`
}

// InvalidGroupID is Atlas's 404 INVALID_GROUP_ID for a groupId that is not
// 24 hexadecimal digits, as recorded in defer-variants.yaml (interaction 2).
// A well-formed one that names no project gets 404 GROUP_NOT_FOUND.
func InvalidGroupID(groupID string) *Answer {
	return Error(http.StatusNotFound, "INVALID_GROUP_ID", "Invalid group ID "+groupID+".", []any{groupID})
}

// InvalidVersion is Atlas's 406 INVALID_VERSION_DATE for an Accept header
// with no versioned media type, or one dated before the operation's first
// version: the detail of a real 406 as the Atlas CLI prints it, recorded in
// defer-versions.yaml (interaction 0).
func InvalidVersion() *Answer {
	return Error(http.StatusNotAcceptable, "INVALID_VERSION_DATE", "Invalid accept header or version date.", nil)
}

// VersionGone is Atlas's 410 VERSION_GONE for a retired version: the code
// Atlas's versioning policy documents, with the detail of the upstream
// spec's components.responses.gone example (defer-versions.yaml,
// interaction 2).
func VersionGone() *Answer {
	return Error(http.StatusGone, "VERSION_GONE", "This happens when a resource is marked for sunset and the sunset date is in the past.", nil)
}

// Envelope wraps an answer as Atlas does for envelope=true: the body becomes
// {"content": body, "status": N} (an empty body becomes {}), as JSON, and
// X-Content-Type goes (defer-envelope.yaml). The Content-Type is the one
// Atlas gives each: an answer that names its version in X-Content-Type (the
// empty success) is wrapped as that versioned media type with
// ";charset=utf-8", as the recorded enveloped 200 (interaction 0); an
// answer with a Content-Type keeps it (application/json on an ApiError, as
// every recorded enveloped error has); any other gets application/json.
// The transport status is 200
// when transportOK is set, else the answer's own: Atlas does not document
// which it sends, and clients must accept both. A body that is not JSON
// cannot be wrapped: the answer is returned as it is.
func Envelope(a *Answer, transportOK bool) *Answer {
	content := json.RawMessage(a.Body)
	if len(a.Body) == 0 {
		content = json.RawMessage("{}")
	}
	body, err := json.Marshal(struct {
		Content json.RawMessage `json:"content"`
		Status  int             `json:"status"`
	}{content, a.Status})
	if err != nil {
		return a
	}
	out := &Answer{Status: a.Status, Header: a.Header.Clone(), Body: body}
	if out.Header == nil {
		out.Header = http.Header{}
	}
	if out.Header.Get("Content-Type") == "" {
		ct := "application/json"
		if v := out.Header.Get("X-Content-Type"); v != "" {
			ct = v + ";charset=utf-8"
		}
		out.Header.Set("Content-Type", ct)
	}
	out.Header.Del("X-Content-Type")
	if transportOK {
		out.Status = http.StatusOK
	}
	return out
}

// DigestRealm is the realm of Atlas's HTTP Digest challenge.
const DigestRealm = "MMS Public API"

// DigestChallenge is the WWW-Authenticate value Atlas sends an API-key
// client with a 401: RFC 7616 Digest, MD5, qop="auth", in the shape
// MongoDB documents for the Admin API ("Make API requests" with an API key:
// realm "MMS Public API", an empty domain). stale=true tells the client its
// response was right for a nonce that expired.
func DigestChallenge(nonce string, stale bool) string {
	return `Digest realm="` + DigestRealm + `", domain="", nonce="` + nonce + `", algorithm=MD5, qop="auth", stale=` + strconv.FormatBool(stale)
}

// NewNonce returns a fresh random Digest nonce: 32 hexadecimal digits.
func NewNonce() string {
	var b [16]byte
	// crypto/rand.Read never returns an error (Go 1.24 and later).
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Preview is the version of Atlas's preview media types,
// application/vnd.atlas.preview+json (or +gzip, …): served only to a
// request that names it.
const Preview = "preview"

// MediaType is a versioned Atlas media type,
// application/vnd.atlas.<Version>+<Format>: Version is a date YYYY-MM-DD or
// Preview, Format the structured-syntax suffix, in lower case. Atlas
// versions JSON bodies (+json) and its downloads alike: invoices as +csv,
// logs as +gzip (the published spec's getOrgInvoice and
// downloadGroupClusterLog).
type MediaType struct {
	Version string
	Format  string
}

// String returns the media type as Atlas writes it.
func (m MediaType) String() string { return "application/vnd.atlas." + m.Version + "+" + m.Format }

// ParseMediaType reads a versioned Atlas media type. It is matched without
// regard to case and its parameters (;charset=utf-8, ;q=0.9) are ignored;
// ok is false for any other media type, for a version that is neither
// Preview nor a date of the calendar (2024-02-30 is none), and for a
// format that is not a token of letters and digits.
func ParseMediaType(mt string) (MediaType, bool) {
	const prefix = "application/vnd.atlas."
	mt, _, _ = strings.Cut(mt, ";")
	mt = strings.TrimSpace(mt)
	if len(mt) <= len(prefix) || !strings.EqualFold(mt[:len(prefix)], prefix) {
		return MediaType{}, false
	}
	version, format, ok := strings.Cut(mt[len(prefix):], "+")
	if !ok || !isFormat(format) {
		return MediaType{}, false
	}
	format = strings.ToLower(format)
	if strings.EqualFold(version, Preview) {
		return MediaType{Preview, format}, true
	}
	if !isDate(version) {
		return MediaType{}, false
	}
	return MediaType{version, format}, true
}

// MediaTypeVersion returns the version a versioned Atlas media type names,
// whatever its format: application/vnd.atlas.2023-01-01+csv gives
// 2023-01-01, application/vnd.atlas.preview+json gives Preview. ok is
// false where ParseMediaType's is.
func MediaTypeVersion(mt string) (version string, ok bool) {
	m, ok := ParseMediaType(mt)
	return m.Version, ok
}

// isDate tells whether s is a day of the calendar written YYYY-MM-DD.
func isDate(s string) bool {
	if len(s) != len(time.DateOnly) || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	month, day := s[5:7], s[8:10]
	switch {
	case month < "01" || month > "12" || day < "01" || day > "31":
		return false
	case day <= "28":
		return true // every month has it: no calendar needed (the common case, on every response)
	}
	_, err := time.Parse(time.DateOnly, s) // the 29th to the 31st: whether the month has it
	return err == nil
}

// isFormat tells whether s is a non-empty token of ASCII letters and
// digits, as the suffixes json, csv and gzip are.
func isFormat(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20 // lower case for letters
		if (c < 'a' || c > 'z') && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

// Offer is what an operation serves of the versioned media types: the
// formats it has dated versions in, and the formats it has a preview in.
type Offer struct {
	Dated   []string
	Preview []string
}

// Offers tells whether the operation serves a media type of m's kind: a
// dated one when it has any dated version in m's format (which version
// the date reaches, if any, is decided after), the preview only when it
// has the preview in m's format.
func (o Offer) Offers(m MediaType) bool {
	if m.Version == Preview {
		return slices.Contains(o.Preview, m.Format)
	}
	return slices.Contains(o.Dated, m.Format)
}

// PickAccept resolves an Accept header as HTTP content negotiation means
// it, which is how the judge and the fake both read it: the entries are
// acceptable alternatives, and the one served is the first versioned Atlas
// media type the operation offers (Offer.Offers), in the order written
// (q-values are not weighed: Atlas clients write one entry, or a list in
// order of preference). So "application/vnd.atlas.preview+json,
// application/vnd.atlas.2023-01-01+json" gets 2023-01-01 from an operation
// without a preview. ok is false when no entry is one the operation
// offers; named then is whether any entry was a versioned Atlas media
// type at all.
func (o Offer) PickAccept(accept string) (picked MediaType, named, ok bool) {
	for part := range strings.SplitSeq(accept, ",") {
		m, isAtlas := ParseMediaType(part)
		if !isAtlas {
			continue
		}
		named = true
		if o.Offers(m) {
			return m, true, true
		}
	}
	return MediaType{}, named, false
}
