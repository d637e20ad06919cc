package backlogsync

import "testing"

// A scope survives its string form, and strings the engine never writes
// are refused.
func TestScope(t *testing.T) {
	s := Scope{Job: "nightly", Account: "acme", Table: "PROD.acme_Issues"}
	if s.String() != "nightly/acme/PROD.acme_Issues" {
		t.Errorf("String() = %q", s.String())
	}
	if got, ok := ParseScope(s.String()); !ok || got != s {
		t.Errorf("ParseScope(%q) = %+v, %v", s, got, ok)
	}
	if got, ok := ParseScope("j/a/t/x"); !ok || got.Table != "t/x" {
		t.Errorf("ParseScope(j/a/t/x) = %+v, %v; want table t/x", got, ok)
	}
	for _, bad := range []string{"", "j/a", "j//t", "/a/t", "j/a/"} {
		if _, ok := ParseScope(bad); ok {
			t.Errorf("ParseScope(%q) accepted", bad)
		}
	}
}
