// Package atlaswire is a TEMPORARY stand-in for the package the fake's
// engineer is writing on branch fake; it is replaced by theirs at merge.
package atlaswire

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func (a *Answer) Write(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range a.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Transfer-Encoding", "Connection", "Content-Encoding", "Keep-Alive", "Trailer":
			continue
		}
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil
	}
	h.Set("Content-Length", strconv.Itoa(len(a.Body)))
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

func Error(status int, code, detail string, params []any) *Answer {
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{
		"error": status, "errorCode": code, "reason": http.StatusText(status), "detail": detail, "parameters": params,
	})
	return &Answer{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
}

func InvalidGroupID(groupID string) *Answer {
	return Error(http.StatusNotFound, "INVALID_GROUP_ID", fmt.Sprintf("Invalid group ID %s.", groupID), []any{groupID})
}

func InvalidVersion() *Answer {
	return Error(http.StatusNotAcceptable, "INVALID_VERSION_DATE", "Invalid accept header or version date.", nil)
}

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
	out := *a
	out.Header = a.Header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	out.Header.Set("Content-Type", "application/json")
	out.Header.Del("X-Content-Type")
	out.Body = body
	if transportOK {
		out.Status = http.StatusOK
	}
	return &out
}

const DigestRealm = "MMS Public API"

func DigestChallenge(nonce string, stale bool) string {
	return fmt.Sprintf(`Digest realm="%s", domain="", nonce="%s", algorithm=MD5, qop="auth", stale=%t`, DigestRealm, nonce, stale)
}

func NewNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func VersionGone() *Answer {
	return Error(http.StatusGone, "VERSION_GONE", "The requested API version has been retired.", nil)
}
