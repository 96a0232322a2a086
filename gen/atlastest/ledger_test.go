package atlastest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLedgerExpiresAndStaysBounded: items expire in issue order without a
// scan, removed items leave no queue behind, and the ledger keeps at most
// its maximum, the oldest going first.
func TestLedgerExpiresAndStaysBounded(t *testing.T) {
	t.Parallel()
	l := newLedger[int, string](int64(time.Minute), 100)
	for i := range 50 {
		l.add(i, "v", int64(i)*int64(time.Second))
	}
	if _, known, live := l.lookup(0, int64(59*time.Second)); !known || !live {
		t.Fatal("item 0 should be live for a minute")
	}
	if _, _, live := l.lookup(0, int64(60*time.Second)); live {
		t.Fatal("item 0 should have expired after a minute")
	}
	l.add(1000, "v", int64(70*time.Second)) // items 0..10 expire
	if l.len() != 40 {
		t.Fatalf("len %d, want 40 after the expired ones went", l.len())
	}
	for i := range 1000 {
		l.add(2000+i, "v", int64(70*time.Second))
	}
	if l.len() != 100 {
		t.Fatalf("len %d, want the bound, 100", l.len())
	}
	if _, known, _ := l.lookup(2999, int64(70*time.Second)); !known {
		t.Fatal("the newest item is kept")
	}
	if _, known, _ := l.lookup(2000, int64(70*time.Second)); known {
		t.Fatal("the oldest items went first")
	}
	for i := range 10000 {
		l.add(10000+i, "v", int64(71*time.Second))
		l.remove(10000 + i)
	}
	if q := len(l.queue) - l.head; q > 3*100+64 {
		t.Fatalf("%d queue entries for %d items: removed ones are not compacted", q, l.len())
	}
}

// BenchmarkUnauthorized is the cost of one 401 (a Digest challenge and
// its nonce) with n nonces live: flat, as nonces are indexed and expire
// from the head of a queue instead of being scanned.
func BenchmarkUnauthorized(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000, 200000} {
		b.Run(fmt.Sprintf("live=%d", n), func(b *testing.B) {
			f, err := New()
			if err != nil {
				b.Fatal(err)
			}
			for range n {
				f.newNonce()
			}
			if got := f.creds.nonces.len(); got != n {
				b.Fatalf("%d live nonces, want %d", got, n)
			}
			c := &call{kind: callOperation}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				o := f.wrap(c, &outcome{answer: unauthorized()})
				if o.answer.Header.Get("WWW-Authenticate") == "" {
					b.Fatal("no challenge")
				}
			}
		})
	}
}

// BenchmarkTokenRequest is the cost of one token request with n tokens
// live: flat too.
func BenchmarkTokenRequest(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("live=%d", n), func(b *testing.B) {
			f, err := New()
			if err != nil {
				b.Fatal(err)
			}
			sa := f.s.serviceAccounts[0]
			request := func() *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/api/oauth/token", strings.NewReader("grant_type=client_credentials"))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.SetBasicAuth(sa.ClientID, sa.ClientSecret)
				return r
			}
			for range n {
				f.tokenEndpoint(request())
			}
			if got := f.creds.tokens.len(); got != n {
				b.Fatalf("%d live tokens, want %d", got, n)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if o := f.tokenEndpoint(request()); o.answer.Status != http.StatusOK {
					b.Fatal(o.answer.Status)
				}
			}
		})
	}
}
