package jobsql

import (
	"fmt"
	"reflect"
	"testing"
)

func lexAll(src string) []string {
	lx := newLexer("", src)
	var out []string
	for {
		t := lx.next()
		kind := [...]string{"EOF", "ILLEGAL", "IDENT", "QIDENT", "NUM", "STR", "PUNCT"}[t.kind]
		out = append(out, fmt.Sprintf("%s:%s@%d:%d", kind, t.text, t.pos.Line, t.pos.Col))
		if t.kind == tokEOF {
			return out
		}
	}
}

func TestLexer(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"a", []string{"IDENT:a@1:1", "EOF:@1:2"}},
		{"  Ab_1 _x", []string{"IDENT:Ab_1@1:3", "IDENT:_x@1:8", "EOF:@1:10"}},
		{"[a b]]c] \"d\"\"e\" `f``g`", []string{"QIDENT:a b]c@1:1", "QIDENT:d\"e@1:10", "QIDENT:f`g@1:17", "EOF:@1:23"}},
		{"'it''s' ''", []string{"STR:it's@1:1", "STR:@1:9", "EOF:@1:11"}},
		{"'multi\nline' x", []string{"STR:multi\nline@1:1", "IDENT:x@2:7", "EOF:@2:8"}},
		{"1 2.5 .5 3. 1e3 1E-3 2e+10", []string{"NUM:1@1:1", "NUM:2.5@1:3", "NUM:.5@1:7", "NUM:3.@1:10", "NUM:1e3@1:13", "NUM:1E-3@1:17", "NUM:2e+10@1:22", "EOF:@1:27"}},
		{"<= >= <> != ( ) , ; . * = < > -", []string{"PUNCT:<=@1:1", "PUNCT:>=@1:4", "PUNCT:<>@1:7", "PUNCT:!=@1:10", "PUNCT:(@1:13", "PUNCT:)@1:15",
			"PUNCT:,@1:17", "PUNCT:;@1:19", "PUNCT:.@1:21", "PUNCT:*@1:23", "PUNCT:=@1:25", "PUNCT:<@1:27", "PUNCT:>@1:29", "PUNCT:-@1:31", "EOF:@1:32"}},
		{"a--comment\nb/* c\n d */c -- end", []string{"IDENT:a@1:1", "IDENT:b@2:1", "IDENT:c@3:6", "EOF:@3:14"}},
		{"a-b", []string{"IDENT:a@1:1", "PUNCT:-@1:2", "IDENT:b@1:3", "EOF:@1:4"}},
		{"x.y", []string{"IDENT:x@1:1", "PUNCT:.@1:2", "IDENT:y@1:3", "EOF:@1:4"}},
		{"\uFEFFa\r\nb", []string{"IDENT:a@1:1", "IDENT:b@2:1", "EOF:@2:2"}},
		{"a\u00a0\u3000b", []string{"IDENT:a@1:1", "IDENT:b@1:4", "EOF:@1:5"}},
		{"課題 x", []string{"IDENT:課題@1:1", "IDENT:x@1:4", "EOF:@1:5"}},
		{"!", []string{"ILLEGAL:unexpected character '!'@1:1", "EOF:@1:2"}},
		{"a ?b", []string{"IDENT:a@1:1", "ILLEGAL:unexpected character '?'@1:3", "IDENT:b@1:4", "EOF:@1:5"}},
		{"12ab", []string{"ILLEGAL:malformed number \"12a\"@1:1", "IDENT:ab@1:3", "EOF:@1:5"}},
		{"/* open", []string{"ILLEGAL:unterminated /* comment@1:1", "EOF:@1:8"}},
		{"'open\nx", []string{"ILLEGAL:unterminated string literal: missing closing '@1:1", "EOF:@2:2"}},
		{"[open\nx", []string{"ILLEGAL:unterminated quoted identifier: missing closing ]@1:1", "IDENT:open@1:2", "IDENT:x@2:1", "EOF:@2:2"}},
		{"\"\"", []string{"ILLEGAL:empty quoted identifier@1:1", "EOF:@1:3"}},
	}
	for _, tt := range tests {
		if got := lexAll(tt.src); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("lex(%q):\n got %q\nwant %q", tt.src, got, tt.want)
		}
	}
}
