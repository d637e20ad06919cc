package backlogsync

import "testing"

func TestStorableText(t *testing.T) {
	for _, c := range []struct {
		in, want string
		altered  bool
	}{
		{"plain 日本語 🎉", "plain 日本語 🎉", false},
		{"", "", false},
		{"a\x00b\x00", "ab", true},
		{"bad \xff utf8", "bad \uFFFD utf8", true},
		{"\x00\xfe", "\uFFFD", true},
	} {
		got, altered := StorableText(c.in)
		if got != c.want || altered != c.altered {
			t.Errorf("StorableText(%q) = %q, %v; want %q, %v", c.in, got, altered, c.want, c.altered)
		}
	}
}

func TestStorableJSON(t *testing.T) {
	for _, c := range []struct {
		in, want string
		altered  bool
	}{
		{`{"a":"x"}`, `{"a":"x"}`, false},
		{`{"a":"x\u0000y"}`, `{"a":"xy"}`, true},
		{`{"a":"x\\u0000y"}`, `{"a":"x\\u0000y"}`, false}, // an escaped backslash: text
		{`{"a":"x\\\u0000y"}`, `{"a":"x\\y"}`, true},
		{"{\"a\":\"x\x00\"}", `{"a":"x"}`, true},
		{`{"a":"\u00001"}`, `{"a":"1"}`, true},
	} {
		got, altered := StorableJSON(c.in)
		if got != c.want || altered != c.altered {
			t.Errorf("StorableJSON(%s) = %s, %v; want %s, %v", c.in, got, altered, c.want, c.altered)
		}
	}
}
