package recording

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// Redacted replaces every secret the recorder removes.
const Redacted = "REDACTED"

// minSecretLen is the shortest learned secret that is also searched for and
// replaced everywhere else in a recording. Shorter values are still redacted
// where they appear structurally (a header, a field), but replacing every
// occurrence of a 3-byte string would corrupt the recording.
const minSecretLen = 8

// maxLearnedSecret is the longest secret the redactor searches for
// elsewhere: a longer value (no token or key is 16 KiB) is redacted where
// its name or place marks it, but is not learned, as searching a body for a
// hostile server's megabyte "password" would take time in the product of
// their lengths.
const maxLearnedSecret = 16 << 10

// secretNames lists the names whose values are secrets wherever they appear:
// JSON members, form and query fields, and name: value or name=value text.
// Names are compared case-insensitively and without "_" and "-" (apiKey,
// api_key and API-KEY are one name). They are the OAuth token exchange
// fields (RFC 6749, 7521, 7523, 7636, 7009), the secrets Atlas returns when
// it creates API keys and service accounts (privateKey, secret) or keeps for
// third-party integrations (apiKey), the API key and token parameters other
// services take (api_key, access_key, secret_key, auth_token,
// session_token), and the credentials of AWS pre-signed URLs (X-Amz-Signature,
// X-Amz-Credential, X-Amz-Security-Token).
var secretNames = []string{
	"access_token", "refresh_token", "id_token", "token", "auth_token", "session_token", "security_token",
	"client_secret", "client_assertion", "assertion", "code_verifier",
	"password", "passwd", "secret", "secret_key", "secret_access_key", "private_key",
	"api_key", "access_key", "signature",
	"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token",
}

// secretParamNames lists the names whose values are secrets in a form or a
// query string only: an API key (key, as Google's APIs take it), an OAuth
// authorization code, an Azure SAS signature (sig). In a JSON document they
// name ordinary data (Atlas tags are {"key": "env", "value": "prod"}).
var secretParamNames = []string{"key", "code", "sig"}

// secretWholeNames lists the secret names whose JSON value is replaced
// whatever its type ("id_token": {...} becomes "id_token": "REDACTED").
// Under the other secret names, an object or an array keeps its shape but
// not its values (see json): "apiKey" names a third-party
// integration's key in Atlas, but also an API key resource,
// {"publicKey": ..., "privateKey": ...}, whose public key is kept.
var secretWholeNames = names("access_token", "refresh_token", "id_token", "client_secret",
	"client_assertion", "password", "private_key", "secret")

var (
	secretJSONFields = names(secretNames...)
	secretFormFields = names(append(slices.Clone(secretNames), secretParamNames...)...)
)

// secretHeaderWords makes a header secret when its name, lower-cased and
// without "-" and "_", contains one of them: X-Api-Key, Api-Key,
// X-Goog-Api-Key, X-Auth-Token, X-Access-Token, Private-Token,
// X-Amz-Security-Token, X-Client-Secret, X-Password, X-Signature,
// X-Credential and the like. The CORS headers (Access-Control-*) are
// excepted: they carry header names and flags (Allow-Credentials: true),
// never a secret. No header Atlas sends (X-Envoy-Upstream-Service-Time,
// RateLimit-*, X-Java-Method, X-Mongodb-Service-Version, ...) contains one.
var secretHeaderWords = []string{"token", "secret", "password", "passwd", "apikey", "accesskey", "privatekey", "credential", "signature"}

// isSecretHeaderName reports whether the rule of secretHeaderWords makes
// the header canon secret.
func isSecretHeaderName(canon string) bool {
	n := normalizeName(canon)
	if strings.HasPrefix(n, "accesscontrol") {
		return false
	}
	for _, w := range secretHeaderWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func names(list ...string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[normalizeName(s)] = true
	}
	return m
}

func normalizeName(s string) string {
	return strings.ToLower(nameSeparators.Replace(s))
}

// nameSeparators drops the separators normalizeName ignores.
var nameSeparators = strings.NewReplacer("_", "", "-", "")

// authParam matches one auth-param of a challenge or credentials
// (RFC 9110 section 11.2) whose value is secret.
var authParam = regexp.MustCompile(`(?i)\b(nonce|nextnonce|cnonce|opaque|response|rspauth)(\s*=\s*)("(?:[^"\\]|\\.)*"|[^,\s]*)`)

// secretText finds secret fields in a body that is neither JSON nor a form
// (a broken token response, say), by the names of secretNames, each
// separator optional (client_secret, clientSecret, client-secret), in
// double or single quotes or none: a quoted value ("password": "two words",
// password = 'two words') runs to its closing quote, a backslash escaping
// the next character and, in single quotes, a doubled quote standing for
// one (as YAML and SQL escape it), or to the end of the line when it has none;
// name=value runs to "&", ",", ";", "}" or white space, as in a query; an
// unquoted name: value runs to the end of the line (password: two words).
var secretText = regexp.MustCompile(`(?i)(["']?(?:` + textNames() + `)["']?\s*)(?:([:=]\s*")((?:[^"\\\r\n]|\\.)*)|([:=]\s*')((?:[^'\\\r\n]|\\.|'')*)|(=\s*)([^"&,;\s}]+)|(:[ \t]*)([^\s"][^\r\n]*))`)

// textNames returns the alternatives of secretText: each name of
// secretNames, with an optional "_" or "-" between its letters.
func textNames() string {
	alts := make([]string, 0, len(secretNames))
	for _, n := range secretNames {
		n = normalizeName(n)
		alts = append(alts, strings.Join(strings.Split(n, ""), "[-_]?"))
	}
	// Longest first: "access_token" before "token".
	slices.SortFunc(alts, func(a, b string) int { return len(b) - len(a) })
	return strings.Join(alts, "|")
}

// redactor removes secrets from exchanges and remembers the values it
// removed, so they can be found and replaced anywhere else they turn up.
// Its methods run under mu.
type redactor struct {
	fields  map[string]bool // secret JSON and form fields beyond the defaults
	headers map[string]bool // secret headers beyond secretHeaderWords (canonical names)

	mu       sync.Mutex
	secrets  map[string]bool
	replacer *strings.Replacer // nil when secrets changed
}

func newRedactor(opts RecorderOptions) *redactor {
	r := &redactor{
		fields:  names(opts.RedactFields...),
		headers: map[string]bool{},
		secrets: map[string]bool{},
	}
	for _, h := range opts.RedactHeaders {
		r.headers[http.CanonicalHeaderKey(h)] = true
	}
	return r
}

// learn remembers a secret value, with the encodings it may appear in.
func (r *redactor) learn(v string) {
	v = strings.TrimSpace(v)
	if len(v) < minSecretLen || len(v) > maxLearnedSecret || v == Redacted {
		return
	}
	for _, s := range []string{v, url.QueryEscape(v), url.PathEscape(v), jsonEscape(v)} {
		if !r.secrets[s] {
			r.secrets[s] = true
			r.replacer = nil
		}
	}
}

// scrub replaces every learned secret in s by Redacted.
func (r *redactor) scrub(s string) string {
	if s == "" || len(r.secrets) == 0 {
		return s
	}
	if r.replacer == nil {
		// Longest first, so a secret that contains another goes whole.
		olds := make([]string, 0, len(r.secrets))
		for s := range r.secrets {
			olds = append(olds, s)
		}
		slices.SortFunc(olds, func(a, b string) int {
			if len(a) != len(b) {
				return len(b) - len(a)
			}
			return strings.Compare(a, b)
		})
		pairs := make([]string, 0, 2*len(olds))
		for _, o := range olds {
			pairs = append(pairs, o, Redacted)
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	return r.replacer.Replace(s)
}

// url redacts a recorded URL's user information and secret query
// parameters. A user name alone (https://TOKEN@host/) is a token, and is
// learned; beside a password it is an identifier (a client id, an Atlas
// public key), redacted in the URL but not learned, so it is not erased
// from every other exchange.
func (r *redactor) url(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s // not a URL go-vcr recorded from a request; scrub still applies
	}
	if u.User != nil {
		user := Redacted
		if u.User.Username() == "" {
			user = ""
		}
		if pass, ok := u.User.Password(); ok {
			r.learn(pass)
			u.User = url.UserPassword(user, Redacted)
		} else {
			r.learn(u.User.Username())
			u.User = url.User(user)
		}
	}
	if u.RawQuery != "" {
		u.RawQuery = r.formText(u.RawQuery)
	}
	return u.String()
}

// form returns a copy of the form go-vcr records (query and body
// parameters), its secret fields redacted.
func (r *redactor) form(f url.Values) url.Values {
	if f == nil {
		return nil
	}
	out := make(url.Values, len(f))
	for name, values := range f {
		vs := slices.Clone(values)
		if r.secretField(name, secretFormFields) {
			for i, v := range vs {
				r.learn(v)
				vs[i] = Redacted
			}
		}
		out[name] = vs
	}
	return out
}

// header returns a redacted copy of h.
func (r *redactor) header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for name, values := range h {
		vs := make([]string, len(values))
		for i, v := range values {
			switch canon := http.CanonicalHeaderKey(name); {
			case canon == "Authorization" || canon == "Proxy-Authorization":
				v = r.credentials(v)
			case canon == "Cookie":
				v = r.cookie(v)
			case canon == "Set-Cookie":
				v = r.setCookie(v)
			case canon == "Www-Authenticate" || canon == "Proxy-Authenticate" ||
				canon == "Authentication-Info" || canon == "Proxy-Authentication-Info":
				v = r.authParams(v)
			case r.headers[canon] || isSecretHeaderName(canon):
				r.learn(v)
				v = Redacted
			}
			vs[i] = v
		}
		out[name] = vs
	}
	return out
}

// credentials keeps the scheme of an Authorization value and redacts the
// rest: "Bearer REDACTED", "Basic REDACTED", "Digest REDACTED".
func (r *redactor) credentials(v string) string {
	v = strings.TrimSpace(v)
	scheme, rest, ok := strings.Cut(v, " ")
	rest = strings.TrimSpace(rest)
	if !ok || rest == "" {
		r.learn(v)
		return Redacted
	}
	r.learn(rest)
	switch strings.ToLower(scheme) {
	case "basic":
		if dec, err := base64.StdEncoding.DecodeString(rest); err == nil {
			// A user name without a password (curl -u TOKEN:, a URL's
			// https://TOKEN@host/) is the token; beside a password it is
			// an identifier, learned only with it.
			user, pass, _ := strings.Cut(string(dec), ":")
			if pass == "" {
				r.learn(user)
			}
			r.learn(pass)
			r.learn(string(dec))
		}
	default:
		// Digest: learn the nonces and the hash (realm, uri, qop and the
		// like are not secret, and learning them would erase them
		// everywhere).
		for _, m := range authParam.FindAllStringSubmatch(rest, -1) {
			r.learn(strings.Trim(m[3], `"`))
		}
	}
	return scheme + " " + Redacted
}

// authParams redacts the nonces, opaque values and hashes of a challenge or
// an Authentication-Info value, keeping realm, qop and algorithm.
func (r *redactor) authParams(v string) string {
	return authParam.ReplaceAllStringFunc(v, func(m string) string {
		sub := authParam.FindStringSubmatch(m)
		val := sub[3]
		r.learn(strings.Trim(val, `"`))
		if strings.HasPrefix(val, `"`) {
			return sub[1] + sub[2] + `"` + Redacted + `"`
		}
		return sub[1] + sub[2] + Redacted
	})
}

// cookie redacts every value of a Cookie header, keeping the names.
func (r *redactor) cookie(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		name, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		r.learn(val)
		parts[i] = name + "=" + Redacted
	}
	return strings.Join(parts, ";")
}

// setCookie redacts the value of a Set-Cookie header, keeping the name and
// the attributes.
func (r *redactor) setCookie(v string) string {
	first, attrs, hasAttrs := strings.Cut(v, ";")
	name, val, ok := strings.Cut(first, "=")
	if !ok {
		r.learn(first)
		first = Redacted
	} else {
		r.learn(val)
		first = name + "=" + Redacted
	}
	if hasAttrs {
		return first + ";" + attrs
	}
	return first
}

// formText redacts secret fields of an application/x-www-form-urlencoded
// text, keeping the order and the encoding of everything else.
func (r *redactor) formText(s string) string {
	parts := strings.Split(s, "&")
	changed := false
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if !r.secretField(name, secretFormFields) {
			continue
		}
		r.learn(v)
		if dv, err := url.QueryUnescape(v); err == nil {
			r.learn(dv)
		}
		parts[i] = k + "=" + Redacted
		changed = true
	}
	if !changed {
		return s
	}
	return strings.Join(parts, "&")
}

func (r *redactor) secretField(name string, defaults map[string]bool) bool {
	n := normalizeName(name)
	return defaults[n] || r.fields[n]
}

// maxMultipartDepth is how deep multipart bodies nest and are still
// redacted part by part: a multipart part at this depth (the body itself
// being at depth 0) is replaced whole by Redacted.
const maxMultipartDepth = 4

// body redacts a request or response body: JSON secret fields, form secret
// fields, and, for other text, anything shaped like "access_token": "...".
func (r *redactor) body(b []byte, contentType string) []byte {
	return r.bodyAt(b, contentType, 0)
}

// bodyAt redacts a body that depth multipart bodies enclose.
func (r *redactor) bodyAt(b []byte, contentType string, depth int) []byte {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return b
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		if out, err := r.json(b); err == nil {
			return out
		}
	} else if strings.Contains(strings.ToLower(contentType), "x-www-form-urlencoded") || bytes.IndexByte(b, '=') > 0 && !bytes.ContainsAny(b, " \n") {
		return []byte(r.formText(string(b)))
	} else if out, ok := r.multipart(b, contentType, depth); ok {
		return out
	}
	return r.text(b)
}

// text redacts the values secretText finds.
func (r *redactor) text(b []byte) []byte {
	return secretText.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := secretText.FindSubmatch(m)
		out := append([]byte(nil), sub[1]...)
		switch {
		case sub[2] != nil: // "name": "value"
			r.learn(string(sub[3]))
			out = append(append(out, sub[2]...), Redacted...)
		case sub[4] != nil: // 'name': 'value', name = 'value'
			r.learn(string(sub[5]))
			r.learn(strings.ReplaceAll(string(sub[5]), "''", "'")) // as YAML or SQL reads it
			out = append(append(out, sub[4]...), Redacted...)
		case sub[6] != nil: // name=value
			r.learn(string(sub[7]))
			out = append(append(out, sub[6]...), Redacted...)
		default: // name: value to the end of the line
			val := bytes.TrimRight(sub[9], " \t")
			r.learn(string(val))
			out = append(append(append(out, sub[8]...), Redacted...), sub[9][len(val):]...)
		}
		return out
	})
}

// multipart redacts a multipart body (RFC 7578 multipart/form-data, say)
// part by part, keeping its bytes but for the redacted values: a part named
// by a secret form field (Content-Disposition: form-data;
// name="client_secret") has its content replaced by Redacted, and any other
// part's content is redacted as a body of its own Content-Type, a multipart
// part part by part in turn, down to maxMultipartDepth, below which it is
// replaced whole. depth is the number of multipart bodies enclosing b. It
// reports false when contentType is not multipart with a boundary.
func (r *redactor) multipart(b []byte, contentType string, depth int) ([]byte, bool) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") || params["boundary"] == "" {
		return nil, false
	}
	parts := bytes.Split(b, []byte("--"+params["boundary"]))
	for i, p := range parts {
		if i == 0 || bytes.HasPrefix(p, []byte("--")) {
			continue // the preamble, and the epilogue after the close delimiter
		}
		end := bytes.Index(p, []byte("\r\n\r\n"))
		sep := 4
		if end < 0 {
			end, sep = bytes.Index(p, []byte("\n\n")), 2
		}
		if end < 0 {
			continue
		}
		head := slices.Concat(bytes.TrimLeft(p[:end+sep], " \t\r\n"), []byte("\r\n")) // a copy: p is the body's
		hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(head))).ReadMIMEHeader()
		if err != nil {
			continue
		}
		content := p[end+sep:]
		eol := []byte{}
		for _, nl := range []string{"\r\n", "\n"} {
			if bytes.HasSuffix(content, []byte(nl)) {
				content, eol = content[:len(content)-len(nl)], []byte(nl)
				break
			}
		}
		var redacted []byte
		if _, dp, err := mime.ParseMediaType(hdr.Get("Content-Disposition")); err == nil && r.secretField(dp["name"], secretFormFields) {
			r.learn(string(content))
			redacted = []byte(Redacted)
		} else if ct := hdr.Get("Content-Type"); depth+1 < maxMultipartDepth || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "multipart/") {
			redacted = r.bodyAt(content, ct, depth+1)
		} else {
			redacted = []byte(Redacted) // a multipart too deep to look into
		}
		if bytes.Equal(redacted, content) {
			continue
		}
		parts[i] = slices.Concat(p[:end+sep], redacted, eol)
	}
	return bytes.Join(parts, []byte("--"+params["boundary"])), true
}

// jsonOptions are the options json decodes and encodes a body with: a body
// is redacted as it came, duplicate names and invalid UTF-8 included.
var jsonOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// jsonFrame is an object or an array open where json is in a document.
type jsonFrame struct {
	object bool // an object, else an array
	// secret marks a container under a secret name outside
	// secretWholeNames: every string and number inside is redacted, but
	// under the apiKeyIdentifiers of an API key resource (see json).
	secret bool
	apiKey bool // a secret object that is an API key resource
	// valueSecret is, in an object, whether the value of the member whose
	// name was read last is secret.
	valueSecret bool
}

// json rewrites a JSON document token by token, in one pass, replacing the
// values of secret members: a string, a number, true, false, null or, under
// a name of secretWholeNames, any value becomes "REDACTED" and is learned.
// An object or an array under another secret name keeps its shape, but
// every string and number inside, however deep, becomes "REDACTED" and is
// learned ({"apiKey": ["sk_..."]}, {"token": {"value": "..."}}); member
// names, true, false and null stay. An object there with a publicKey
// member is an API key resource (Atlas's ApiKeyUserDetails): the members
// of apiKeyIdentifiers keep their values, redacted as anywhere else in the
// document, so the public key stays and is not learned; every other
// member ("privateKey", "value", whatever its name) loses its strings and
// numbers. The work and the memory grow with len(b), whatever the nesting.
// It returns b itself when nothing was replaced.
func (r *redactor) json(b []byte) ([]byte, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(b), jsonOptions...)
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out, jsonOptions...)
	var stack []jsonFrame
	var apiKeys map[int64]bool // the API key resources, found on first need
	changed := false
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		var top *jsonFrame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		kind := tok.Kind()
		if kind == '"' && top != nil && top.object {
			if _, n := dec.StackIndex(dec.StackDepth()); n%2 == 1 { // a member name
				if err := enc.WriteToken(tok); err != nil {
					return nil, err
				}
				name := tok.String()
				top.valueSecret = top.secret && (!top.apiKey || !apiKeyIdentifiers[normalizeName(name)])
				if top.secret || !r.secretField(name, secretJSONFields) {
					continue
				}
				if k := dec.PeekKind(); (k == '{' || k == '[') && !r.secretField(name, secretWholeNames) {
					top.valueSecret = true
					continue
				}
				val, err := dec.ReadValue()
				if err != nil {
					return nil, err
				}
				r.learnValue(val)
				changed = true
				if err := enc.WriteToken(jsontext.String(Redacted)); err != nil {
					return nil, err
				}
				continue
			}
		}
		secret := top != nil && (top.object && top.valueSecret || !top.object && top.secret)
		switch kind {
		case '}', ']':
			stack = stack[:len(stack)-1]
		case '{':
			apiKey := false
			if secret {
				if apiKeys == nil {
					if apiKeys, err = apiKeyObjects(b); err != nil {
						return nil, err
					}
				}
				apiKey = apiKeys[dec.InputOffset()-1]
			}
			stack = append(stack, jsonFrame{object: true, secret: secret, apiKey: apiKey})
		case '[':
			stack = append(stack, jsonFrame{secret: secret})
		case '"', '0':
			if secret {
				r.learn(tok.String())
				tok, changed = jsontext.String(Redacted), true
			}
		}
		if err := enc.WriteToken(tok); err != nil {
			return nil, err
		}
	}
	if !changed {
		return b, nil
	}
	// The encoder ends each value with a newline and drops the white space
	// around it: put back the original's.
	lead := b[:len(b)-len(bytes.TrimLeft(b, " \t\r\n"))]
	trail := b[len(bytes.TrimRight(b, " \t\r\n")):]
	res := append([]byte(nil), lead...)
	res = append(res, bytes.TrimRight(out.Bytes(), "\n")...)
	return append(res, trail...), nil
}

// apiKeyIdentifiers lists the members of an API key resource that keep
// their values under a secret name (see json), normalized: the identifiers
// and descriptions of Atlas's ApiKey and ApiKeyUserDetails schemas, in the
// published Admin API v2 spec. Their other member, privateKey, and any
// member they do not define is redacted.
var apiKeyIdentifiers = names("publicKey", "id", "desc", "roles", "links", "accessList")

// apiKeyObjects returns the offsets in b of the objects that are API key
// resources wherever they are (see json): those with a publicKey member. It
// reads b once, and keeps one offset per such object.
func apiKeyObjects(b []byte) (map[int64]bool, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(b), jsonOptions...)
	found := map[int64]bool{}
	var open []int64 // the offsets of the open objects, -1 for an array
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return found, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok.Kind() {
		case '{':
			open = append(open, dec.InputOffset()-1)
		case '[':
			open = append(open, -1)
		case '}', ']':
			open = open[:len(open)-1]
		case '"':
			if kind, n := dec.StackIndex(dec.StackDepth()); kind == '{' && n%2 == 1 && normalizeName(tok.String()) == "publickey" {
				found[open[len(open)-1]] = true
			}
		}
	}
}

// learnValue learns a secret JSON value: a string or a number, or every
// string and number inside an object or an array, and the object or array
// as written. A string is learned unquoted only: learning its quotes would
// make the scrub replace "secret" elsewhere by a bare REDACTED.
func (r *redactor) learnValue(v jsontext.Value) {
	dec := jsontext.NewDecoder(bytes.NewReader(v), jsonOptions...)
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			break
		}
		switch tok.Kind() {
		case '"':
			r.learn(tok.String())
		case '0':
			r.learn(tok.String())
		}
	}
	if k := v.Kind(); k == '{' || k == '[' {
		r.learn(string(v))
	}
}

// jsonEscape returns v as it appears inside a JSON string.
func jsonEscape(v string) string {
	b, err := jsontext.AppendQuote(nil, v)
	if err != nil || len(b) < 2 {
		return v
	}
	return string(b[1 : len(b)-1])
}
