package backlogsync

import "testing"

func TestPos(t *testing.T) {
	for _, tc := range []struct {
		p    Pos
		want string
	}{
		{Pos{Filename: "c.yaml", Line: 12, Col: 7}, "c.yaml:12:7"},
		{Pos{Line: 2, Col: 3}, "2:3"},
		{Pos{Filename: "c.yaml", Line: 4}, "c.yaml:4"},
		{Pos{Filename: "c.yaml"}, "c.yaml"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v: %q, want %q", tc.p, got, tc.want)
		}
	}
	src := "SELECT 1;\n\tREPLICATE 課題 x;\r\n"
	p := Pos{Line: 2, Col: 14, Offset: len("SELECT 1;\n\tREPLICATE 課題 ")}
	if got, want := p.Snippet(src), "    \tREPLICATE 課題 x;\n    \t               ^\n"; got != want {
		t.Errorf("Snippet = %q, want %q", got, want)
	}
	if (Pos{}).Snippet(src) != "" || (Pos{Line: 1, Offset: 99}).Snippet(src) != "" {
		t.Error("Snippet of an unknown position is not empty")
	}
}
