package atlastest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// JournalEntry is one request the fake received and what it answered, for
// assertions in tests. Nothing secret is kept: of Authorization only a
// known scheme, of the query only the names and the envelope's value.
type JournalEntry struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	// Path is the escaped path below the mount prefix.
	Path string `json:"path"`
	// Query is the query with every value but envelope's replaced by
	// REDACTED (client_secret=REDACTED&envelope=true), parts split at "&"
	// and ";" alike; a part without a name=value shape is REDACTED whole.
	Query string `json:"query,omitempty"`
	// Header holds the headers that matter to the operation: Accept,
	// Authorization (as "Bearer REDACTED", "Basic REDACTED", "Digest
	// REDACTED", or "REDACTED" when it starts with no known scheme),
	// Content-Type and User-Agent.
	Header http.Header `json:"header,omitempty"`
	// Project is the groupId the request named, if any.
	Project string `json:"project,omitempty"`
	// Principal is who the request authenticated as, if anyone.
	Principal string `json:"principal,omitempty"`
	Status    int    `json:"status"`
	// Fault is true for a deliberately broken answer.
	Fault bool `json:"fault,omitempty"`
	// Dropped is true when the connection was closed without an answer.
	Dropped bool `json:"dropped,omitempty"`
}

// The journal's bounds: entries kept (when full, the older half goes, so a
// request costs O(1) amortised) and bytes kept of any one value.
const (
	journalSize     = 10000
	journalValueMax = 512
)

var journalHeaders = []string{"Accept", "Authorization", "Content-Type", "User-Agent"}

// journal is the fake's record of requests, in the order the fake decided
// them: a request is journaled after its decision, outside f.mu, so
// entries may come in out of order and are put in place by their number.
type journal struct {
	mu      sync.Mutex
	entries []journaled // by seq
	floor   uint64      // the last decision before the last Reset: older ones stay out
}

type journaled struct {
	seq uint64
	JournalEntry
}

func (j *journal) record(c *call, o *outcome) {
	e := JournalEntry{
		Time: o.at, Method: capped(c.r.Method), Path: capped(c.path), Query: redactQuery(c.r.URL.RawQuery),
		Project: capped(c.groupID), Principal: o.principal, Fault: o.fault, Dropped: o.drop,
	}
	if o.answer != nil && !o.drop {
		e.Status = o.answer.Status
	}
	for _, k := range journalHeaders {
		vs := c.r.Header.Values(k)
		if len(vs) == 0 {
			continue
		}
		if e.Header == nil {
			e.Header = http.Header{}
		}
		kept := make([]string, len(vs))
		for i, v := range vs {
			if k == "Authorization" {
				kept[i] = redactAuthorization(v)
			} else {
				kept[i] = capped(v)
			}
		}
		e.Header[k] = kept
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if o.seq <= j.floor {
		return // decided before the last Reset
	}
	if len(j.entries) >= journalSize {
		keep := journalSize / 2
		j.entries = append(j.entries[:0], j.entries[len(j.entries)-keep:]...)
	}
	// Its place is at the end but for the few requests decided after it
	// and journaled first.
	i := len(j.entries)
	for i > 0 && j.entries[i-1].seq > o.seq {
		i--
	}
	j.entries = slices.Insert(j.entries, i, journaled{o.seq, e})
}

// list returns a copy of the entries, their Header maps included, so a
// caller that changes what it got changes nothing of the journal's.
func (j *journal) list() []JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JournalEntry, len(j.entries))
	for i, e := range j.entries {
		out[i] = e.JournalEntry
		out[i].Header = e.Header.Clone()
	}
	return out
}

// clear empties the journal of the requests decided up to floor, those
// still in flight included.
func (j *journal) clear(floor uint64) {
	j.mu.Lock()
	j.entries = slices.DeleteFunc(j.entries, func(e journaled) bool { return e.seq <= floor })
	j.floor = floor
	j.mu.Unlock()
}

// redactAuthorization keeps an Authorization value's scheme when it is one
// the fake knows, and nothing else: the credentials are whatever follows
// the scheme, whatever their shape, and a value that does not start with a
// known scheme followed by a space or a tab is a credential whole.
func redactAuthorization(v string) string {
	scheme, _ := authScheme(v)
	for _, known := range []string{"Basic", "Bearer", "Digest"} {
		if strings.EqualFold(scheme, known) && len(strings.TrimLeft(v, " \t")) > len(scheme) {
			return known + " REDACTED"
		}
	}
	return "REDACTED"
}

// redactQuery keeps a query's parameter names and the value of envelope
// only: any other value may be a secret (a client_secret sent in the URL).
// Parts are split at "&" and at ";", each separator kept: Go's url parsing
// refuses a part holding ";" whole, so in envelope=true;client_secret=x
// neither is envelope's value, and the second is redacted as any other; so
// is a value of envelope that Go's parsing refuses (a bad escape).
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	var b strings.Builder
	for raw != "" {
		part, rest, sep := raw, "", byte(0)
		if i := strings.IndexAny(raw, "&;"); i >= 0 {
			part, rest, sep = raw[:i], raw[i+1:], raw[i]
		}
		if b.Len() > journalValueMax {
			b.WriteString("...")
			break
		}
		name, value, ok := strings.Cut(part, "=")
		switch {
		case part == "":
		case !ok:
			b.WriteString("REDACTED")
		case name == "envelope" && unescapes(value):
			b.WriteString("envelope=" + capped(value))
		default:
			b.WriteString(capped(name) + "=REDACTED")
		}
		if sep != 0 {
			b.WriteByte(sep)
		}
		raw = rest
	}
	return b.String()
}

// unescapes says whether Go's query parsing takes a value.
func unescapes(value string) bool {
	_, err := url.QueryUnescape(value)
	return err == nil
}

// capped is s cut to journalValueMax bytes on a rune boundary.
func capped(s string) string {
	if len(s) <= journalValueMax {
		return s
	}
	cut := journalValueMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
