package atlastest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Without WithRateLimit the fake reports Atlas's own figures and never
// refuses: RateLimit-Limit 1200, as every answer of the wire captures in
// the upstream material and of the shipped recordings carries, and
// RateLimit-Remaining counting down from it per credential within each
// minute of the fake's clock (the captures count down one per request).
const (
	defaultRateLimit  = 1200
	defaultRateWindow = time.Minute
)

// limiter is the rate limit of a fake: a token bucket per credential when
// one is configured, else a count per credential and minute.
type limiter struct {
	rl *RateLimit // nil: Atlas's figures, never refusing

	mu      sync.Mutex
	buckets map[string]*bucket // by principal name: as many as credentials
}

// bucket is one credential's token bucket (or, without a configured limit,
// its count in the current window).
type bucket struct {
	tokens   float64
	last     time.Time
	refusals int
	// window and used count the requests of the current window.
	window time.Time
	used   int
}

// rateHeaders are what take decided: the headers to send, and for a
// refusal the Retry-After and the refusals so far.
type rateHeaders struct {
	limit, remaining int
	ok               bool
	retryAfter       int
	refusals         int
}

func (h rateHeaders) set(hd http.Header) {
	hd.Set("RateLimit-Limit", strconv.Itoa(h.limit))
	hd.Set("RateLimit-Remaining", strconv.Itoa(h.remaining))
}

// take spends one request of a credential at now.
func (l *limiter) take(name string, now time.Time) rateHeaders {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[name]
	if b == nil {
		b = &bucket{last: now}
		if l.rl != nil {
			b.tokens = float64(l.rl.Limit)
		}
		l.buckets[name] = b
	}
	if l.rl == nil {
		w := now.Truncate(defaultRateWindow)
		if !w.Equal(b.window) {
			b.window, b.used = w, 0
		}
		b.used++
		return rateHeaders{limit: defaultRateLimit, remaining: max(defaultRateLimit-b.used, 0), ok: true}
	}
	rate := float64(l.rl.Limit) / l.rl.Per.Seconds()
	b.tokens = math.Min(float64(l.rl.Limit), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return rateHeaders{limit: l.rl.Limit, remaining: int(b.tokens), ok: true}
	}
	b.refusals++
	wait := int(math.Ceil((1 - b.tokens) / rate))
	return rateHeaders{limit: l.rl.Limit, remaining: 0, retryAfter: max(wait, 1), refusals: b.refusals}
}

// reset forgets every bucket.
func (l *limiter) reset() {
	l.mu.Lock()
	l.buckets = map[string]*bucket{}
	l.mu.Unlock()
}

// window is the configured window in whole seconds, for the 429's
// parameters.
func (l *limiter) window() int { return int(l.rl.Per.Round(time.Second) / time.Second) }
