package recording

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
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

// Fields whose values are secrets, compared case-insensitively and without
// "_" and "-": OAuth token exchange fields (RFC 6749, 7521, 7636) and the
// secrets Atlas returns when it creates API keys and service accounts.
var (
	secretJSONFields = names("access_token", "refresh_token", "id_token", "client_secret",
		"client_assertion", "password", "private_key", "privateKey", "secret")
	secretFormFields = names("client_secret", "client_assertion", "assertion", "password",
		"access_token", "refresh_token", "id_token", "token", "code", "code_verifier", "private_key")
	// Headers whose whole value is a secret, besides the ones with a shape
	// (Authorization, Cookie, WWW-Authenticate, ...).
	secretHeaders = []string{"X-Api-Key", "Api-Key", "X-Auth-Token"}
)

func names(list ...string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[normalizeName(s)] = true
	}
	return m
}

func normalizeName(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
}

// authParam matches one auth-param of a challenge or credentials
// (RFC 9110 section 11.2) whose value is secret.
var authParam = regexp.MustCompile(`(?i)\b(nonce|nextnonce|cnonce|opaque|response|rspauth)(\s*=\s*)("(?:[^"\\]|\\.)*"|[^,\s]*)`)

// secretText finds secret fields in a body that is neither JSON nor a form
// (a broken token response, say): "name": "value", name=value, name: value.
var secretText = regexp.MustCompile(`(?i)("?(?:access_token|refresh_token|id_token|client_secret|client_assertion|password|private_?key|secret)"?\s*[:=]\s*"?)([^"&,;\s}]+)`)

// redactor removes secrets from exchanges and remembers the values it
// removed, so they can be found and replaced anywhere else they turn up.
// Its methods run under mu.
type redactor struct {
	fields  map[string]bool // secret JSON and form fields beyond the defaults
	headers map[string]bool // secret headers (canonical names)

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
	for _, h := range append(slices.Clone(secretHeaders), opts.RedactHeaders...) {
		r.headers[http.CanonicalHeaderKey(h)] = true
	}
	return r
}

// learn remembers a secret value, with the encodings it may appear in.
func (r *redactor) learn(v string) {
	v = strings.TrimSpace(v)
	if len(v) < minSecretLen || v == Redacted {
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

// url redacts a recorded URL's password and secret query parameters.
func (r *redactor) url(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s // not a URL go-vcr recorded from a request; scrub still applies
	}
	if u.User != nil {
		if pass, ok := u.User.Password(); ok {
			r.learn(pass)
			u.User = url.UserPassword(u.User.Username(), Redacted)
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
			case r.headers[canon]:
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
			_, pass, _ := strings.Cut(string(dec), ":")
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

// body redacts a request or response body: JSON secret fields, form secret
// fields, and, for other text, anything shaped like "access_token": "...".
func (r *redactor) body(b []byte, contentType string) []byte {
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
	}
	return secretText.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := secretText.FindSubmatch(m)
		r.learn(string(sub[2]))
		return append(append([]byte(nil), sub[1]...), Redacted...)
	})
}

// json rewrites a JSON document token by token, replacing the values of
// secret members (whatever their type) by "REDACTED". It returns b itself
// when nothing was replaced.
func (r *redactor) json(b []byte) ([]byte, error) {
	opts := []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}
	dec := jsontext.NewDecoder(bytes.NewReader(b), opts...)
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out, opts...)
	changed := false
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := enc.WriteToken(tok); err != nil {
			return nil, err
		}
		kind, length := dec.StackIndex(dec.StackDepth())
		if tok.Kind() != '"' || kind != '{' || length%2 != 1 {
			continue // not an object member name
		}
		name := tok.String()
		if r.secretField(name, secretJSONFields) {
			val, err := dec.ReadValue()
			if err != nil {
				return nil, err
			}
			r.learnValue(val)
			if err := enc.WriteToken(jsontext.String(Redacted)); err != nil {
				return nil, err
			}
			changed = true
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

// learnValue learns a secret JSON value: a string, or every string inside.
func (r *redactor) learnValue(v jsontext.Value) {
	dec := jsontext.NewDecoder(bytes.NewReader(v), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
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
	r.learn(string(v))
}

// jsonEscape returns v as it appears inside a JSON string.
func jsonEscape(v string) string {
	b, err := jsontext.AppendQuote(nil, v)
	if err != nil || len(b) < 2 {
		return v
	}
	return string(b[1 : len(b)-1])
}
