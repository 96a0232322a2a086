package recording_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// bomb is a gzip stream that inflates to size zero bytes.
func bomb(size int) string { return gzipped(strings.Repeat("\x00", size)) }

// gzipHAR is a HAR of n entries whose responses are the same base64 gzip
// body, stored as it came off the wire under Content-Encoding gzip.
func gzipHAR(n int, body string) string {
	entry := `{"request":{"method":"GET","url":"https://cloud.mongodb.com/x"},"response":{"status":200,` +
		`"headers":[{"name":"Content-Encoding","value":"gzip"}],"content":{"size":-1,"encoding":"base64","text":"` +
		base64.StdEncoding.EncodeToString([]byte(body)) + `"}}}`
	return harWith(strings.TrimSuffix(strings.Repeat(entry+",\n", n), ",\n"))
}

// aliasCassette is a cassette whose first interaction, with the given
// response body YAML, is repeated n times through an alias.
func aliasCassette(n int, body string) string {
	var b strings.Builder
	b.WriteString("version: 2\ninteractions:\n- &a\n  request: {method: GET, url: 'https://h/x'}\n  response:\n    code: 200\n")
	b.WriteString(body)
	b.WriteString(strings.Repeat("- *a\n", n))
	return b.String()
}

// allocated returns the bytes fn allocates, by the runtime's own count.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDecodedBytesAreBoundedPerFile reads small files that inflate far
// beyond their size: every one stops at the per-file budget (16 times the
// body cap by default) with an error naming the file and the interaction,
// having allocated a small multiple of that budget. Not parallel: it reads
// process-wide allocation counters.
func TestDecodedBytesAreBoundedPerFile(t *testing.T) {
	const limit = 16 * recording.DefaultMaxBodyBytes
	gzBody := "    headers: {Content-Encoding: [gzip]}\n    body: !!binary " +
		base64.StdEncoding.EncodeToString([]byte(bomb(recording.DefaultMaxBodyBytes+1))) + "\n"
	plainBody := "    body: '" + strings.Repeat("a", 1<<20) + "'\n"
	for _, tc := range []struct {
		name, file, text string
		maxN             int // interactions delivered before the budget is spent
	}{
		// 100 entries of 5 KB, each inflating to more than the body cap.
		{name: "HAR of base64 gzip bodies", file: "bomb.har", text: gzipHAR(100, bomb(recording.DefaultMaxBodyBytes+1)), maxN: 16},
		// One gzip body repeated 200 times through YAML aliases.
		{name: "cassette aliasing a gzip body", file: "bomb.yaml", text: aliasCassette(200, gzBody), maxN: 16},
		// One 1 MiB body repeated 200 times through YAML aliases.
		{name: "cassette aliasing a plain body", file: "alias.yaml", text: aliasCassette(200, plainBody), maxN: 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Logf("file: %d KiB", len(tc.text)>>10)
			var err error
			n := 0
			alloc := allocated(func() {
				err = recording.Read(tc.file, strings.NewReader(tc.text), recording.Options{}, func(*recording.Interaction) error {
					n++
					return nil
				})
			})
			t.Logf("allocated %d MiB; delivered %d interactions; %v", alloc>>20, n, err)
			var re *recording.Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tc.file, re.File)
			assert.Positive(t, re.Line)
			assert.Contains(t, re.Error(), fmt.Sprintf("pass the limit of %d bytes (64 MiB; Options.MaxDecodedBytes", limit))
			assert.LessOrEqual(t, n, tc.maxN, "reading stops at the budget")
			assert.Less(t, alloc, uint64(4*limit+int64(len(tc.text))), "memory stays a small multiple of the budget")
		})
	}
}

func TestDecodedBytesBudgetIsAnOption(t *testing.T) {
	t.Parallel()
	text := gzipHAR(10, bomb(1000))
	err := recording.Read("small.har", strings.NewReader(text), recording.Options{MaxDecodedBytes: 5000}, nil)
	require.ErrorContains(t, err, "pass the limit of 5000 bytes")
	var re *recording.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 5, re.Index, "the sixth body passes 5000 bytes")
	require.NoError(t, recording.Read("small.har", strings.NewReader(text), recording.Options{MaxDecodedBytes: 10000}, nil))
}

// TestDecodedBytesAreBoundedPerRun walks files that each stay within the
// per-file budget: together they pass the per-run one.
func TestDecodedBytesAreBoundedPerRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 4 {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.har", i)), []byte(gzipHAR(3, bomb(1000))), 0o644))
	}
	opts := recording.Options{MaxDecodedBytes: 4000, MaxRunDecodedBytes: 10000}
	n := 0
	err := recording.Walk([]string{dir}, opts, func(*recording.Interaction) error { n++; return nil })
	var re *recording.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, filepath.Join(dir, "3.har"), re.File, "the fourth file passes 10000 bytes")
	assert.Contains(t, re.Error(), "the bytes decoded from the recordings read so far")
	assert.Contains(t, re.Error(), "Options.MaxRunDecodedBytes")
	assert.Equal(t, 10, n)

	for i := range 4 {
		require.NoError(t, recording.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.har", i)), opts, nil), "one file at a time is within the budget")
	}
	_, err = recording.ReadAll([]string{dir}, recording.Options{MaxDecodedBytes: 4000})
	require.NoError(t, err, "the default run budget is four times the file budget")
}

// TestCassetteShapeIsBoundedBeforeDecoding refuses mappings with more keys,
// or nesting deeper, than a cassette has, before the YAML library compares
// keys pairwise.
func TestCassetteShapeIsBoundedBeforeDecoding(t *testing.T) {
	t.Parallel()
	var keys strings.Builder
	for i := range 5000 { // 40,000 would pass MaxCassetteNodes first
		fmt.Fprintf(&keys, "      K%d: [v]\n", i)
	}
	wide := "version: 2\ninteractions:\n- request:\n    method: GET\n    url: https://h/x\n    headers:\n" + keys.String() + "  response: {code: 200}\n"
	deep := "version: 2\ninteractions:\n- request: {method: GET, url: 'https://h/x', form: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "}\n  response: {code: 200}\n"
	for _, tc := range []struct {
		name, text, want string
		line             int
	}{
		{name: "5,000 header keys", text: wide, line: 7, want: "a YAML mapping with 5000 keys, over the limit of 1000"},
		{name: "200 levels deep", text: deep, line: 3, want: "YAML nested deeper than 100 levels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := readString("shape.yaml", tc.text, recording.Options{})
			var re *recording.Error
			require.ErrorAs(t, err, &re)
			assert.Contains(t, re.Error(), tc.want)
			assert.Equal(t, "shape.yaml", re.File)
			assert.Equal(t, tc.line, re.Line)
		})
	}
	// A thousand keys is within the bound.
	var ok strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&ok, "      K%d: [v]\n", i)
	}
	_, err := readString("ok.yaml", "version: 2\ninteractions:\n- request:\n    method: GET\n    url: https://h/x\n    headers:\n"+ok.String()+"  response: {code: 200}\n", recording.Options{})
	require.NoError(t, err)
	assert.False(t, errors.Is(err, os.ErrNotExist))
}

// TestDecodedBytesBudgetIsCappedWhateverTheBodyCap reads a 1 MB cassette
// that repeats a 1 MiB body 400 times through YAML aliases with the body
// cap raised to 1 GiB: the budget per file stops at 256 MiB (it used to be
// 16 GiB, and the cassette took gigabytes), and reading stops there with
// an error that gives the figure, having allocated about that. Not
// parallel: it reads process-wide allocation counters.
func TestDecodedBytesBudgetIsCappedWhateverTheBodyCap(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 256 MiB: runs without -short (make test-long)")
	}
	path := filepath.Join(t.TempDir(), "alias.yaml")
	require.NoError(t, os.WriteFile(path, []byte(aliasCassette(400, "    body: '"+strings.Repeat("a", 1<<20)+"'\n")), 0o600))
	var err error
	var all []*recording.Interaction
	alloc, peak := memoryUse(func() {
		all, err = recording.ReadAll([]string{path}, recording.Options{MaxBodyBytes: 1 << 30})
	})
	t.Logf("allocated %d MiB, peak heap %d MiB, %d interactions held; %v", alloc>>20, peak>>20, len(all), err)
	require.ErrorContains(t, err, "pass the limit of 268435456 bytes (256 MiB; Options.MaxDecodedBytes, by default 16 times the body cap, at most 256 MiB)")
	assert.Less(t, peak, uint64(400<<20), "the heap in use while reading, every interaction held")
}

// TestDecodedBytesBudgetDefaults holds the budgets the options give when
// they are not set: 16 times the body cap per file, 4 times that per run,
// at most 256 MiB and 1 GiB.
func TestDecodedBytesBudgetDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		maxBody, file, run int64
	}{
		{maxBody: 0, file: 64 << 20, run: 256 << 20},
		{maxBody: 1 << 20, file: 16 << 20, run: 64 << 20},
		{maxBody: 16 << 20, file: 256 << 20, run: 1 << 30},
		{maxBody: 1 << 30, file: 256 << 20, run: 1 << 30},
	} {
		file, run := recording.DecodeBudgets(recording.Options{MaxBodyBytes: tc.maxBody})
		assert.Equal(t, tc.file, file, "per file, body cap %d", tc.maxBody)
		assert.Equal(t, tc.run, run, "per run, body cap %d", tc.maxBody)
	}
	file, run := recording.DecodeBudgets(recording.Options{MaxBodyBytes: 1 << 30, MaxDecodedBytes: 1 << 40, MaxRunDecodedBytes: 1 << 41})
	assert.Equal(t, int64(1<<40), file, "a budget set is kept")
	assert.Equal(t, int64(1<<41), run)
}
