package atlas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// retryPolicy bounds the retries of 429 answers; the zero value retries nothing.
type retryPolicy struct {
	maxRetries   int
	maxTotalWait time.Duration
}

func (p retryPolicy) describe() string {
	if p.maxRetries == 0 {
		return "off"
	}
	return fmt.Sprintf("429 up to %d times within %s", p.maxRetries, p.maxTotalWait)
}

// fallbackWait is the first wait when a 429 carries no valid Retry-After;
// it doubles with each retry. It is also the least any retry waits: a
// Retry-After of 0 would otherwise make the retries a storm.
const fallbackWait = time.Second

// withRetry calls once, and again after a 429 as the policy allows. Only an
// *Error with status 429 is retried: every other failure of this POST,
// network errors included, is returned as it is.
func (p retryPolicy) withRetry(ctx context.Context, sleep func(context.Context, time.Duration) error, once func() error) error {
	var waited time.Duration
	for attempt := 0; ; attempt++ {
		err := once()
		var e *Error
		if attempt >= p.maxRetries || !errors.As(err, &e) || e.StatusCode != http.StatusTooManyRequests {
			return err
		}
		wait := max(e.RetryAfter, fallbackWait)
		if !e.retryAfterSent {
			wait = fallbackWait << min(attempt, 16)
		}
		if waited+wait > p.maxTotalWait {
			return err
		}
		if serr := sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%w (stopped waiting %s to retry: %w)", err, wait, serr)
		}
		waited += wait
	}
}

// sleepContext waits for d, or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
