package yamljson

import (
	"strings"
	"testing"
)

func TestConvert(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, yaml, json string }{
		{"order kept", "b: 1\na: 2\n", `{"b":1,"a":2}`},
		{"strings", "a: x\nb: 'y'\nc: \"z\\n\"\nd: |\n  two\n  lines\n", `{"a":"x","b":"y","c":"z\n","d":"two\nlines\n"}`},
		{"a timestamp is its text", "date: 2023-01-01\n", `{"date":"2023-01-01"}`},
		{"an application's tag is text", "a: !md hello\n", `{"a":"hello"}`},
		{"numbers as written when JSON", "a: 3\nb: 3.0\nc: -1.5e3\nd: 0\n", `{"a":3,"b":3.0,"c":-1.5e3,"d":0}`},
		{"numbers JSON does not write", "a: 0x1F\nb: +5\nc: .5\nd: 1_000\n", `{"a":31,"b":5,"c":0.5,"d":1000}`},
		{"a key is its text", "1: a\ntrue: b\n2023-01-01: c\n", `{"1":"a","true":"b","2023-01-01":"c"}`},
		{"bool and null", "a: true\nb: false\nc: null\nd: ~\ne:\n", `{"a":true,"b":false,"c":null,"d":null,"e":null}`},
		{"sequences", "a: [1, x, [], {}]\n", `{"a":[1,"x",[],{}]}`},
		{"aliases expand", "a: &x {k: v}\nb: *x\n", `{"a":{"k":"v"},"b":{"k":"v"}}`},
		{"no HTML escaping", "a: <b>&\n", `{"a":"<b>&"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := Convert([]byte(tc.yaml))
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			if got := string(out); got != tc.json+"\n" {
				t.Errorf("Convert(%q) = %s, want %s", tc.yaml, got, tc.json)
			}
		})
	}
}

func TestConvertErrors(t *testing.T) {
	t.Parallel()
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 8; i++ {
		name := string(rune('b' + i))
		laughs += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"merge key", "a: &x {k: v}\nb:\n  <<: *x\n", "line 3: merge keys (<<) are not supported"},
		{"null key", "~: a\n", "line 1: mapping key is null"},
		{"mapping key", "? [a]\n: b\n", "line 1: a mapping key must be a scalar"},
		{"infinite", "a: .inf\n", "line 1: .inf is not a finite number"},
		{"not a number", "a: .nan\n", "line 1: .nan is not a finite number"},
		{"alias cycle", "a: &x [1, *x]\n", "alias *x is inside the node it names"},
		{"billion laughs", laughs, "the aliases expand the document beyond"},
		{"not YAML", "a: [\n", "line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Convert([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("Convert(%q) succeeded", tc.yaml)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Convert(%q): %v, want it to say %q", tc.yaml, err, tc.want)
			}
		})
	}
}
