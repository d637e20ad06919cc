package fuzzy

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"issues", "issues", 0}, {"isues", "issues", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"Issues", "issues", 1}, {"flaw", "lawn", 2}, {"課題", "課", 1}} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
