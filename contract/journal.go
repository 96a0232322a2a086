package contract

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// JournalEntry is one request a Server received and what it answered, for
// assertions in tests. Credentials are never kept: Authorization keeps its
// scheme only.
type JournalEntry struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	// Path is the escaped path below the mount prefix.
	Path  string `json:"path"`
	Query string `json:"query,omitempty"`
	// Header holds the headers that matter to the operation: Accept,
	// Authorization (as "Bearer REDACTED" or "Digest REDACTED"),
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

var journalHeaders = []string{"Accept", "Authorization", "Content-Type", "User-Agent"}

func (s *Server) record(c *Call, a *Answer) {
	if s.opts.JournalSize <= 0 {
		return
	}
	e := JournalEntry{
		Time: time.Now(), Method: c.Request.Method, Path: c.Path, Query: c.Request.URL.RawQuery,
		Project: c.Params["groupId"], Principal: a.Principal, Status: a.Status, Fault: a.Fault, Dropped: a.Drop,
	}
	for _, k := range journalHeaders {
		vs := c.Request.Header.Values(k)
		if len(vs) == 0 {
			continue
		}
		if e.Header == nil {
			e.Header = http.Header{}
		}
		if k == "Authorization" {
			scheme, _, _ := strings.Cut(vs[0], " ")
			vs = []string{scheme + " REDACTED"}
		}
		e.Header[k] = slices.Clone(vs)
	}
	s.mu.Lock()
	if len(s.journal) >= s.opts.JournalSize {
		// Drop the older half at once: amortised, the journal costs O(1) a request.
		keep := s.opts.JournalSize / 2
		s.journal = append(s.journal[:0], s.journal[len(s.journal)-keep:]...)
	}
	s.journal = append(s.journal, e)
	s.mu.Unlock()
}

// Journal returns a copy of the requests received so far, oldest first.
func (s *Server) Journal() []JournalEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.journal)
}

// ClearJournal forgets the requests received so far.
func (s *Server) ClearJournal() {
	s.mu.Lock()
	s.journal = nil
	s.mu.Unlock()
}
