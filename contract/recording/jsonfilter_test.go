package recording

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// filterAll runs data through a jsonFilter with the given string cap, reading
// in small, odd-sized pieces to cross every buffer boundary.
func filterAll(data []byte, strCap int64) ([]byte, *jsonFilter, error) {
	f := newJSONFilter(iotest.OneByteReader(bytes.NewReader(data)), Options{}, 1)
	f.strCap = strCap
	var out bytes.Buffer
	buf := make([]byte, 7)
	for {
		n, err := f.Read(buf)
		out.Write(buf[:n])
		if err == io.EOF {
			return out.Bytes(), f, nil
		}
		if err != nil {
			return out.Bytes(), f, err
		}
	}
}

func TestJSONFilterIsTheIdentityBelowTheCap(t *testing.T) {
	t.Parallel()
	in := []byte("{\"a\": \"é\\u00e9\\ud83d\\ude00\\\"\\\\\",\n \"b\": [1, -2.5e3, true, null]}\n")
	out, _, err := filterAll(in, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, string(in), string(out))
}

func TestJSONFilterCutsLongStringsWithAMarker(t *testing.T) {
	t.Parallel()
	in := []byte(`{"short":"ab","long":"` + strings.Repeat("x", 100) + `","n":1}`)
	out, f, err := filterAll(in, 10)
	require.NoError(t, err)
	require.True(t, jsontext.Value(out).IsValid(), "%s", out)
	var got map[string]string
	dec := jsontext.NewDecoder(bytes.NewReader(out))
	got = map[string]string{}
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			break
		}
		if tok.Kind() == '"' {
			name := tok.String()
			val, err := dec.ReadToken()
			require.NoError(t, err)
			got[name] = val.String()
		}
	}
	kept, n, cut := f.cutString(got["long"])
	assert.True(t, cut)
	assert.Equal(t, strings.Repeat("x", 10), kept)
	assert.Equal(t, int64(100), n)
	kept, _, cut = f.cutString(got["short"])
	assert.False(t, cut)
	assert.Equal(t, "ab", kept)
	assert.NotContains(t, string(out), strings.Repeat("x", 11))
}

func TestLineIndex(t *testing.T) {
	t.Parallel()
	var x lineIndex
	x.first = 3
	for _, off := range []int64{5, 70, 71, 200} {
		x.mark(off)
	}
	assert.Equal(t, 3, x.lineAt(0))
	assert.Equal(t, 3, x.lineAt(5), "a newline belongs to the line it ends")
	assert.Equal(t, 4, x.lineAt(6))
	assert.Equal(t, 5, x.lineAt(71))
	assert.Equal(t, 6, x.lineAt(72))
	assert.Equal(t, 7, x.lineAt(1000))
	assert.Equal(t, 7, x.lineAt(10), "an offset before the window gets the window's line")
}

func FuzzJSONFilter(f *testing.F) {
	for _, s := range []string{
		`{"a":"b"}`, `["\u00e9\ud83d\ude00","\\\"", 12, -1.5e3, true]`, `{"x":"` + strings.Repeat("é", 20) + `"}`,
		"{\"k\":\n\"v\"}", `"\ud83d\ude00\ud83d\ude00\ud83d\ude00"`, `{"a":"b`, "\"a\nb\"", `[1,2`,
	} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, strCap uint8) {
		// With a cap above the input size, the filter changes nothing.
		out, fl, err := filterAll(data, int64(len(data))+1)
		if err == nil && !bytes.Equal(out, data) {
			t.Fatalf("identity broken:\nin  %q\nout %q", data, out)
		}
		if fl.newlines != bytes.Count(data, []byte("\n")) {
			t.Fatalf("counted %d newlines, want %d", fl.newlines, bytes.Count(data, []byte("\n")))
		}
		// With a small cap, valid JSON stays valid.
		out, _, err = filterAll(data, int64(strCap))
		valid := jsontext.Value(data).IsValid(jsontext.AllowDuplicateNames(true))
		if valid && err != nil {
			t.Fatalf("filter error on valid JSON %q: %v", data, err)
		}
		if valid && !jsontext.Value(out).IsValid(jsontext.AllowDuplicateNames(true)) {
			t.Fatalf("valid JSON became invalid with cap %d:\nin  %q\nout %q", strCap, data, out)
		}
	})
}

// TestJSONFilterErrorLineIsExact floods white space made of newlines: the
// error names the line of the byte over the limit, although the newlines
// before it were read in the same chunk.
func TestJSONFilterErrorLineIsExact(t *testing.T) {
	t.Parallel()
	in := `{"log":` + strings.Repeat("\n", maxJSONWhitespace+1) + `{}}`
	f := newJSONFilter(strings.NewReader(in), Options{}, 1)
	_, err := io.ReadAll(f)
	var fe *filterError
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe.msg, "bytes of white space in a row")
	assert.Equal(t, 1+maxJSONWhitespace, fe.line, "the line the last newline ends")
}
