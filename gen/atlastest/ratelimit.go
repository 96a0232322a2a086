package atlastest

import (
	"math"
	"time"
)

// bucket is one credential's token bucket.
type bucket struct {
	tokens   float64
	last     time.Time
	refusals int
}

// take spends one request of a credential's bucket. It returns whether the
// request may go, how many remain, and, when it may not, the seconds to
// wait and the refusals so far.
func (f *Fake) take(name string) (ok bool, remaining, retryAfter, refusals int) {
	now := f.now()
	rl := f.s.rateLimit
	rate := float64(rl.Limit) / rl.Per.Seconds()
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.buckets[name]
	if b == nil {
		b = &bucket{tokens: float64(rl.Limit), last: now}
		f.buckets[name] = b
	}
	b.tokens = math.Min(float64(rl.Limit), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, int(b.tokens), 0, b.refusals
	}
	b.refusals++
	wait := int(math.Ceil((1 - b.tokens) / rate))
	return false, 0, max(wait, 1), b.refusals
}
