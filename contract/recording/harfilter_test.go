package recording

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"

	"github.com/go-json-experiment/json/jsontext"
)

// filterAll runs data through a harFilter with the given string cap, reading
// it one byte at a time and in small, odd-sized pieces, so every buffer
// boundary is crossed.
func filterAll(data []byte, strCap int64) ([]byte, *harFilter, error) {
	f := newHARFilter(iotest.OneByteReader(bytes.NewReader(data)), Options{}, 1)
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

func FuzzHARFilter(f *testing.F) {
	for _, s := range []string{
		`{"a":"b"}`, `["\u00e9\ud83d\ude00","\\\"", 12, -1.5e3, true]`, `{"x":"` + strings.Repeat("é", 20) + `"}`,
		"{\"k\":\n\"v\"}", `"\ud83d\ude00\ud83d\ude00\ud83d\ude00"`, `{"a":"b`, "\"a\nb\"", `[1,2`,
		`"caf\udce9 \ud800x \udc00\ud83d\ud83d\ude00\ud800"`,
	} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, strCap uint8) {
		// With a cap above the input size, the filter changes nothing but
		// the halves of surrogate pairs escaped alone, into \ufffd.
		out, fl, err := filterAll(data, int64(len(data))+1)
		if err == nil && !sameButLoneHalves(data, out) {
			t.Fatalf("identity broken:\nin  %q\nout %q", data, out)
		}
		if err == nil && fl.newlines > bytes.Count(data, []byte("\n")) {
			t.Fatalf("counted %d newlines, the input has %d", fl.newlines, bytes.Count(data, []byte("\n")))
		}
		// With a small cap, valid JSON stays valid, and every string cut
		// ends with the mark.
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

// sameButLoneHalves reports whether out is in, but for \ufffd where in has
// a \uXXXX escape of half a surrogate pair.
func sameButLoneHalves(in, out []byte) bool {
	if len(in) != len(out) {
		return false
	}
	for i := 0; i < len(in); i++ {
		if r, ok := escapedUTF16(in[i:]); ok && utf16.IsSurrogate(r) && bytes.HasPrefix(out[i:], []byte(`\ufffd`)) {
			i += 5
		} else if in[i] != out[i] {
			return false
		}
	}
	return true
}

func TestHARFilterCutsLongStringsWithTheMark(t *testing.T) {
	t.Parallel()
	in := []byte(`{"short":"ab","long":"` + strings.Repeat("x", 100) + `","n":1}`)
	out, _, err := filterAll(in, 10)
	if err != nil {
		t.Fatal(err)
	}
	dec := jsontext.NewDecoder(bytes.NewReader(out))
	got := map[string]string{}
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			break
		}
		if tok.Kind() == '"' {
			name := tok.String()
			val, err := dec.ReadToken()
			if err != nil {
				t.Fatal(err)
			}
			got[name] = val.String()
		}
	}
	if kept, cut := strings.CutSuffix(got["long"], cutMark); !cut || kept != strings.Repeat("x", 10) {
		t.Errorf("long: kept %q, cut %v", kept, cut)
	}
	if kept, cut := strings.CutSuffix(got["short"], cutMark); cut || kept != "ab" {
		t.Errorf("short: kept %q, cut %v", kept, cut)
	}
}

func TestHARFilterLineAt(t *testing.T) {
	t.Parallel()
	in := "{\n\"a\":\n\n1}\n"
	_, f, err := filterAll([]byte(in), 100)
	if err != nil {
		t.Fatal(err)
	}
	for off, want := range map[int64]int{0: 1, 1: 1, 2: 2, 6: 2, 7: 3, 8: 4, 10: 4, 11: 5} {
		if got := f.lineAt(off); got != want {
			t.Errorf("lineAt(%d) = %d, want %d", off, got, want)
		}
	}
}
