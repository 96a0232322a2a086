package recording_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
	"github.com/atlascontract/deferwindow/internal/yamlbound"
)

// memoryUse runs fn and returns the bytes it allocated (TotalAlloc) and the
// peak of the heap in use above what was in use before it started, sampled
// every millisecond, by the runtime's own counters. Tests that call it are
// not parallel: the counters are process-wide.
func memoryUse(fn func()) (allocated, peak uint64) {
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var (
		mu   sync.Mutex
		high = before.HeapInuse
		stop = make(chan struct{})
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				mu.Lock()
				high = max(high, m.HeapInuse)
				mu.Unlock()
			}
		}
	}()
	fn()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	close(stop)
	<-done
	mu.Lock()
	defer mu.Unlock()
	high = max(high, after.HeapInuse)
	return after.TotalAlloc - before.TotalAlloc, high - before.HeapInuse
}

// headerFloodCassette is a cassette of n interactions whose requests carry
// keys headers each: many small YAML nodes, each mapping under the key limit.
func headerFloodCassette(n, keys int) string {
	var one strings.Builder
	one.WriteString("- request:\n    method: GET\n    url: https://h/x\n    headers:\n")
	for k := range keys {
		fmt.Fprintf(&one, "      H%03d: [vvvvv]\n", k)
	}
	one.WriteString("  response: {code: 200}\n")
	return "version: 2\ninteractions:\n" + strings.Repeat(one.String(), n)
}

// valueFloodCassette is a cassette of one interaction whose one request
// header has n values.
func valueFloodCassette(n int) string {
	return "version: 2\ninteractions:\n- request:\n    method: GET\n    url: https://h/x\n    headers:\n      X:\n" +
		strings.Repeat("        - abc\n", n) + "  response: {code: 200}\n"
}

// nodeLimitCassette is a cassette whose one request header holds values
// flow values, a few bytes each.
func nodeLimitCassette(values int) string {
	return "version: 2\ninteractions:\n- request:\n    method: GET\n    url: https://h/x\n    headers:\n      X: [" +
		strings.Repeat("a, ", values) + "a]\n  response: {code: 200}\n"
}

// TestCassetteNodeLimit refuses a 1.8 MB cassette that holds more YAML
// nodes than MaxCassetteNodes, before the YAML library builds them, with
// an error naming the file, the line and the limit.
func TestCassetteNodeLimit(t *testing.T) {
	t.Parallel()
	text := nodeLimitCassette(recording.MaxCassetteNodes / 2)
	_, err := readString("flood.yaml", text, recording.Options{})
	var re *recording.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "flood.yaml", re.File)
	assert.Equal(t, 7, re.Line, "the line where the count passed the limit")
	assert.Contains(t, re.Error(), "flood.yaml:7: the cassette holds more than 250000 YAML nodes")
	assert.Contains(t, re.Error(), "record long sessions as HAR 1.2")

	_, err = readString("half.yaml", nodeLimitCassette(10_000), recording.Options{})
	require.NoError(t, err, "ten thousand values are within the limit")
}

// writeCassette writes text to a file of the test's and returns its path
// and size.
func writeCassette(t *testing.T, text string) (string, int) {
	require.Less(t, len(text), recording.MaxCassetteBytes)
	path := filepath.Join(t.TempDir(), "big.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path, len(text)
}

// longValueCassette is a cassette of one interaction whose response body
// is size bytes long.
func longValueCassette(size int) string {
	return "version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x'}\n  response:\n    code: 200\n    body: '" +
		strings.Repeat("a", size) + "'\n"
}

// TestCassetteValueLimit refuses a cassette with a value longer than
// MaxCassetteValueBytes, before parsing, naming the line where the value
// starts (TestCassetteMemoryIsBounded reads values at the limit).
func TestCassetteValueLimit(t *testing.T) {
	t.Parallel()
	_, err := readString("long.yaml", longValueCassette(recording.MaxCassetteValueBytes), recording.Options{})
	var re *recording.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "long.yaml", re.File)
	assert.Equal(t, 6, re.Line, "the line where the value starts")
	assert.Contains(t, re.Error(), "long.yaml:6: a YAML value (a scalar: a body, say) of more than 16777216 bytes (16 MiB) starts on this line")
}

// TestCassetteMemoryIsBounded reads cassettes just under MaxCassetteBytes:
// two that hold millions of small YAML values, one that holds a 63 MB
// body, and one that holds as many nodes, and as long values, as the
// limits let through. The first three are refused before they are parsed,
// the last is read, and the heap in use stays under 400 MB for each (the
// first two used to take 2.5 and 1.5 GB, the third 340 MB). Not parallel:
// it reads process-wide memory counters.
func TestCassetteMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MB cassettes: runs without -short (make test-long)")
	}
	const ceiling = 400 << 20
	for _, tc := range []struct {
		name    string
		text    func(*testing.T) string
		wantErr string
	}{
		{name: "3,100 interactions of 998 headers", text: func(*testing.T) string { return headerFloodCassette(3100, 998) }, wantErr: "YAML nodes"},
		{name: "one header of 4.5 million values", text: func(*testing.T) string { return valueFloodCassette(4_500_000) }, wantErr: "YAML nodes"},
		{name: "a 63 MB body", text: func(*testing.T) string { return longValueCassette(63 << 20) },
			wantErr: "a YAML value (a scalar: a body, say) of more than 16777216 bytes (16 MiB)"},
		{name: "as many nodes as the limit allows, and bodies as long as one value may be", text: fullCassette},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// From a file, as the CLI reads it: the test holds nothing
			// while it measures.
			path, size := writeCassette(t, tc.text(t))
			var err error
			n := 0
			allocated, peak := memoryUse(func() {
				err = recording.ReadFile(path, recording.Options{}, func(*recording.Interaction) error {
					n++
					return nil
				})
			})
			t.Logf("%d MB file: allocated %d MiB, peak heap %d MiB, %d interactions, %v", size/1e6, allocated>>20, peak>>20, n, err)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Less(t, peak, uint64(ceiling), "the heap in use while reading")
		})
	}
}

// fullCassette returns a cassette just under every limit: flow mappings
// of a thousand keys without values (one node per node counted, the
// densest form the bound lets through) in an unknown member of the first
// interaction, then interactions whose bodies are as long as one value may
// be, up to the size of a cassette.
func fullCassette(t *testing.T) string {
	var keys strings.Builder
	keys.WriteString("{")
	for k := range 1000 {
		if k > 0 {
			keys.WriteString(", ")
		}
		fmt.Fprintf(&keys, "k%d", k)
	}
	keys.WriteString("}")
	mappings := (recording.MaxCassetteNodes - 1000) / 2002
	var b strings.Builder
	b.WriteString("version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x'}\n  response:\n    code: 200\n    x: [")
	b.WriteString(strings.Repeat(keys.String()+", ", mappings-1) + keys.String() + "]\n")
	body := "- request: {method: GET, url: 'https://h/x'}\n  response:\n    code: 200\n    body: '%s'\n"
	for b.Len()+recording.MaxCassetteValueBytes < recording.MaxCassetteBytes {
		fmt.Fprintf(&b, body, strings.Repeat("a", recording.MaxCassetteValueBytes-2))
	}
	if left := recording.MaxCassetteBytes - b.Len() - 200; left > 0 {
		fmt.Fprintf(&b, body, strings.Repeat("a", left))
	}
	text := b.String()
	bound := yamlbound.Count([]byte(text), recording.MaxCassetteNodes, len(text))
	require.Zero(t, bound.NodesLine, "the bound is %d", bound.Nodes)
	t.Logf("bound %d of %d", bound.Nodes, recording.MaxCassetteNodes)
	return text
}
