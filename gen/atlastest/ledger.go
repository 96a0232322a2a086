package atlastest

// ledger holds what the fake issued that expires (access tokens, Digest
// nonces), indexed by key, with a queue in issue order. Every item of a
// ledger lives equally long and the fake's clock only moves forward, so
// issue order is expiry order: add forgets the expired items at the head
// of the queue, a cost amortised to O(1) per item, and never scans the
// live ones. It keeps at most max items, forgetting the oldest first. It
// is not safe for concurrent use.
type ledger[K comparable, V any] struct {
	lifetime int64 // in nanoseconds of the fake's clock
	max      int
	items    map[K]ledgerItem[V]
	queue    []queued[K] // issue order; items removed early stay until they reach the head or a compaction
	head     int
}

type ledgerItem[V any] struct {
	issued int64 // nanoseconds since the Unix epoch on the fake's clock
	value  V
}

type queued[K comparable] struct {
	key    K
	issued int64
}

func newLedger[K comparable, V any](lifetime int64, max int) *ledger[K, V] {
	return &ledger[K, V]{lifetime: lifetime, max: max, items: map[K]ledgerItem[V]{}}
}

// add issues key with value at now.
func (l *ledger[K, V]) add(key K, value V, now int64) {
	l.expire(now)
	for len(l.items) >= l.max && l.head < len(l.queue) {
		l.pop()
	}
	l.items[key] = ledgerItem[V]{issued: now, value: value}
	l.queue = append(l.queue, queued[K]{key, now})
	if dead := len(l.queue) - l.head - len(l.items); dead > len(l.items)+64 {
		l.compact()
	}
}

// lookup returns a key's value and whether it is known and still live at now.
func (l *ledger[K, V]) lookup(key K, now int64) (value V, known, live bool) {
	it, ok := l.items[key]
	if !ok {
		return value, false, false
	}
	return it.value, true, now-it.issued < l.lifetime
}

// update replaces a known key's value, keeping its issue time.
func (l *ledger[K, V]) update(key K, value V) {
	if it, ok := l.items[key]; ok {
		it.value = value
		l.items[key] = it
	}
}

// remove forgets a key before it expires.
func (l *ledger[K, V]) remove(key K) { delete(l.items, key) }

func (l *ledger[K, V]) len() int { return len(l.items) }

// expire forgets the items expired at now, from the head of the queue.
func (l *ledger[K, V]) expire(now int64) {
	for l.head < len(l.queue) && now-l.queue[l.head].issued >= l.lifetime {
		l.pop()
	}
}

// pop forgets the oldest queued item, if it is still the one issued then.
func (l *ledger[K, V]) pop() {
	q := l.queue[l.head]
	var zero queued[K]
	l.queue[l.head] = zero
	l.head++
	if it, ok := l.items[q.key]; ok && it.issued == q.issued {
		delete(l.items, q.key)
	}
	if l.head == len(l.queue) {
		l.queue, l.head = l.queue[:0], 0
	} else if l.head > 1024 && l.head > len(l.queue)/2 {
		l.queue, l.head = append(l.queue[:0], l.queue[l.head:]...), 0
	}
}

// compact drops the queue entries of items removed early, so a ledger whose
// items are mostly revoked does not keep a queue of dead entries.
func (l *ledger[K, V]) compact() {
	live := l.queue[:0]
	for _, q := range l.queue[l.head:] {
		if it, ok := l.items[q.key]; ok && it.issued == q.issued {
			live = append(live, q)
		}
	}
	clear(l.queue[len(live):])
	l.queue, l.head = live, 0
}
