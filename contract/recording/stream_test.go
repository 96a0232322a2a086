package recording_test

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// bigBodyHAR streams a HAR whose first entry has a response body text of size
// bytes made of fill, followed by a small entry. Nothing is held in memory.
func bigBodyHAR(size int64, fill byte, encoding string) io.Reader {
	enc := ""
	if encoding != "" {
		enc = `,"encoding":"` + encoding + `"`
	}
	declared := size
	if encoding == "base64" {
		declared = size / 4 * 3
	}
	head := fmt.Sprintf(`{"log":{"version":"1.2","entries":[
{"request":{"method":"POST","url":"https://cloud.mongodb.com/big","headers":[]},
 "response":{"status":200,"headers":[{"name":"Content-Type","value":"application/json"}],
  "content":{"size":%d,"mimeType":"application/json"%s,"text":"`, declared, enc)
	tail := `"}}},
` + okEntry + `]}}`
	return io.MultiReader(strings.NewReader(head), io.LimitReader(repeatReader(fill), size), strings.NewReader(tail))
}

// TestReadHARStreamsA200MBBody reads a HAR with a 200 MB body string from a
// stream and bounds the memory used. It is not parallel on purpose: it reads
// process-wide allocation counters, which parallel tests would disturb.
func TestReadHARStreamsA200MBBody(t *testing.T) {
	if testing.Short() {
		t.Skip("a 200 MB body: runs without -short (make test-long)")
	}
	const size = 200 << 20
	for _, tc := range []struct {
		name, encoding string
		fill           byte
		wantByte       byte
		wantSize       int64
	}{
		{name: "text", fill: 'a', wantByte: 'a', wantSize: size},
		{name: "base64", encoding: "base64", fill: 'A', wantByte: 0 /* "AAAA" decodes to three zero bytes */, wantSize: size / 4 * 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var got []*recording.Interaction
			err := recording.Read("big.har", bigBodyHAR(size, tc.fill, tc.encoding), recording.Options{}, func(it *recording.Interaction) error {
				got = append(got, it)
				return nil
			})
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			require.Len(t, got, 2, "the entry after the big one is read too")

			r := got[0].Response
			assert.True(t, r.BodyTooLarge)
			assert.Len(t, r.Body, recording.DefaultMaxBodyBytes)
			assert.Equal(t, tc.wantSize, r.BodySize, "the size declared in content.size")
			assert.Equal(t, -1, bytes.IndexFunc(r.Body, func(c rune) bool { return c != rune(tc.wantByte) }), "the kept prefix is the body's start")
			assert.Equal(t, 200, got[1].Response.StatusCode)

			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d MiB while reading a %d MiB body", allocated>>20, size>>20)
			assert.Less(t, allocated, uint64(96<<20), "bytes allocated while reading: the body must not be held whole")
		})
	}
}

// TestReadHARMemoryStaysFlat streams many entries and checks that the heap in
// use does not grow with the number of entries read. Not parallel: it reads
// process-wide heap statistics.
func TestReadHARMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 entries: runs without -short (make test-long)")
	}
	// 10000 entries of about 1.3 KB: keeping them would grow the heap by
	// well over the 4 MiB allowed.
	const entries = 10000
	var early, peak uint64
	n := 0
	err := recording.Read("many.har", manyEntriesHAR(entries), recording.Options{}, func(*recording.Interaction) error {
		n++
		if n%1000 == 0 {
			var m runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m)
			if n == 1000 {
				early = m.HeapInuse
			}
			peak = max(peak, m.HeapInuse)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, entries, n)
	t.Logf("heap in use after 1000 entries: %d KiB; peak after: %d KiB", early>>10, peak>>10)
	assert.Less(t, peak, early+4<<20, "the heap must not grow with the entries read")
}

func TestReadHARCutsAtCharacterBoundaries(t *testing.T) {
	t.Parallel()
	// With MaxBodyBytes 16 the JSON filter keeps 2*16+1024 = 1056 encoded
	// bytes of a string. Put multi-byte characters and escapes across that
	// point at every alignment: the kept part must stay valid.
	const keep = 2*16 + 1024
	for _, piece := range []string{"é", "€", "😀", `\n`, `\u00e9`, `\ud83d\ude00`, `\"`} {
		for shift := range 12 {
			text := strings.Repeat("a", keep-shift) + strings.Repeat(piece, 40)
			har := harWith(strings.Replace(okEntry, `"mimeType":""`, `"mimeType":"text/plain","text":"`+text+`"`, 1))
			got, err := readString("cut.har", har, recording.Options{MaxBodyBytes: 16})
			require.NoError(t, err, "piece %q shift %d", piece, shift)
			require.Len(t, got, 1)
			assert.True(t, got[0].Response.BodyTooLarge)
			assert.Equal(t, strings.Repeat("a", 16), string(got[0].Response.Body))
		}
	}
}

// TestReadHARCutFormParameter rebuilds a form body from a parameter longer
// than the string cap: like a cut text, the body is flagged as over the cap,
// with the declared size (not the length of what was rebuilt), and starts
// with what was kept.
func TestReadHARCutFormParameter(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("v", 2*16+1024+100)
	har := harWith(`{"request":{"method":"POST","url":"https://h.example/token","bodySize":5000,
		"postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"a","value":"` + long + `"}]}},
		"response":{"status":200}}`)
	got, err := readString("form.har", har, recording.Options{MaxBodyBytes: 16})
	require.NoError(t, err)
	require.Len(t, got, 1)
	rq := got[0].Request
	assert.True(t, rq.BodyTooLarge)
	assert.Equal(t, int64(5000), rq.BodySize, "the declared size, over the cap")
	assert.Equal(t, "a="+strings.Repeat("v", 14), string(rq.Body))
}

// manyEntriesHAR streams a HAR of n realistic entries.
func manyEntriesHAR(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, `{"log":{"version":"1.2","creator":{"name":"bench","version":"1"},"entries":[`)
		for i := range n {
			if i > 0 {
				_, _ = io.WriteString(pw, ",\n")
			}
			_, _ = io.WriteString(pw, benchEntry)
		}
		_, _ = io.WriteString(pw, "]}}\n")
		_ = pw.Close()
	}()
	return pr
}

const benchEntry = `{
  "startedDateTime": "2026-08-10T03:09:12.010Z", "time": 120.5,
  "request": {"method": "POST", "url": "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer", "httpVersion": "HTTP/1.1",
    "cookies": [], "queryString": [], "headersSize": -1, "bodySize": 0,
    "headers": [{"name": "Accept", "value": "application/vnd.atlas.2023-01-01+json"}, {"name": "Authorization", "value": "Bearer REDACTED"}, {"name": "User-Agent", "value": "atlascli/1.42.0"}]},
  "response": {"status": 400, "statusText": "Bad Request", "httpVersion": "HTTP/1.1", "cookies": [], "redirectURL": "", "headersSize": -1, "bodySize": 207,
    "headers": [{"name": "Content-Type", "value": "application/json"}, {"name": "Date", "value": "Mon, 10 Aug 2026 03:09:12 GMT"}, {"name": "Server", "value": "mdbws"}],
    "content": {"size": 207, "mimeType": "application/json", "text": "{\"detail\":\"No maintenance is scheduled for project 6a7940722c88faeba59bf917.\",\"error\":400,\"errorCode\":\"ATLAS_MAINTENANCE_NOT_SCHEDULED\",\"parameters\":[],\"reason\":\"Bad Request\"}"}},
  "cache": {}, "timings": {"send": 0, "wait": 119, "receive": 1}
}`

func BenchmarkReadHAR(b *testing.B) {
	for _, n := range []int{100000} {
		data, err := io.ReadAll(manyEntriesHAR(n))
		require.NoError(b, err)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			// floor: tokenizing the same bytes, with no decoding at all.
			b.Run("floor", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if err := jsontext.NewDecoder(bytes.NewReader(data)).SkipValue(); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("read", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					count := 0
					if err := recording.Read("bench.har", bytes.NewReader(data), recording.Options{}, func(*recording.Interaction) error {
						count++
						return nil
					}); err != nil || count != n {
						b.Fatal(err, count)
					}
				}
			})
		})
	}
}
