package jsonstr

import (
	"encoding/json"
	"testing"
)

var samples = []string{"", "plain", `q"uote\back`, "a\nb\rc\td\be\ff\x00\x1f", "<b>&amp;</b>", "日本語 🎉",
	"bad \xff utf8 \xe3\x81", "line\u2028sep\u2029", "\x7f del"}

// TestAppendHTML: with html the output is json.Marshal's, byte for byte.
func TestAppendHTML(t *testing.T) {
	for _, s := range samples {
		want, _ := json.Marshal(s)
		if got := Append(nil, s, true); string(got) != string(want) {
			t.Errorf("Append(%q, html) = %s, want %s", s, got, want)
		}
	}
}

// TestAppendPlain: without html, <, > and & stay as they are and the
// output decodes to what json.Marshal's decodes to.
func TestAppendPlain(t *testing.T) {
	for _, s := range samples {
		got := Append([]byte("x"), s, false)[1:]
		var back, want string
		m, _ := json.Marshal(s)
		if err := json.Unmarshal(got, &back); err != nil || json.Unmarshal(m, &want) != nil || back != want {
			t.Errorf("Append(%q) = %s: decodes to %q, %v; want %q", s, got, back, err, want)
		}
	}
	if got := string(Append(nil, "<&>", false)); got != `"<&>"` {
		t.Errorf("Append(<&>) = %s, want them unescaped", got)
	}
}
